"""Sharing at the peak: one Share action (the phone's share sheet), a copy-link button, and plain
links with a message in the page's language when there is no JavaScript."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from .support import axe_violations, origin, screenshot

pytestmark = pytest.mark.browser

# The phone's share sheet is the edge of the world here: a stand-in records what it was given.
SHARE_SHEET = "navigator.share = (data) => { window.sharedWith = data; return Promise.resolve(); };"


def confirmed_url(live_server, site, language: str) -> str:
    with translation.override(language):
        return live_server.url + reverse("petitions:confirmed", kwargs={"slug": site.slug})


def test_on_a_phone_one_tap_on_share_opens_the_share_sheet_with_a_russian_message(site, browse, live_server):
    tab = browse("phone")
    tab.page.add_init_script(SHARE_SHEET)
    page = tab.page
    page.goto(confirmed_url(live_server, site, "ru"))

    page.get_by_role("button", name="Поделиться").click()

    shared = page.evaluate("window.sharedWith")
    assert shared["text"].startswith("Я подписал(а) петицию")
    assert shared["url"] == f"{live_server.url}/ru/?source=share-link"  # each channel has its code
    screenshot(tab, "confirmed-share", full_page=False)
    assert axe_violations(page, live_server.url) == []
    assert tab.foreign_requests(origin(live_server.url)) == []


def test_copy_link_puts_the_pages_address_on_the_clipboard_and_says_so(site, browse, live_server):
    tab = browse("phone", permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    page.goto(confirmed_url(live_server, site, "en"))

    page.get_by_role("button", name="Copy link").click()

    expect(page.get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}/en/?source=share-link"


def test_without_javascript_whatsapp_and_telegram_come_first_with_a_kazakh_message(site, browse, live_server):
    tab = browse("phone", java_script_enabled=False)
    page = tab.page
    page.goto(confirmed_url(live_server, site, "kk"))

    links = page.locator(".share-links a")
    assert links.all_inner_texts()[:2] == ["WhatsApp", "Telegram"]
    whatsapp = parse_qs(urlsplit(links.nth(0).get_attribute("href")).query)["text"][0]
    assert whatsapp.startswith("Мен 2022 жылғы") and whatsapp.endswith(f"{live_server.url}/kk/?source=share-whatsapp")
    telegram = parse_qs(urlsplit(links.nth(1).get_attribute("href")).query)
    assert telegram["url"] == [f"{live_server.url}/kk/?source=share-telegram"] and telegram["text"][0].startswith(
        "Мен 2022 жылғы"
    )
    email = parse_qs(urlsplit(page.get_by_role("link", name="Электрондық пошта").get_attribute("href")).query)
    assert email["body"][0].endswith(f"{live_server.url}/kk/?source=share-email")  # not the bare address any more
    # The buttons that need a script are not offered without one.
    assert not page.get_by_role("button", name="Бөлісу").is_visible()
    assert not page.get_by_role("button", name="Сілтемені көшіру").is_visible()
