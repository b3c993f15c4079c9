"""The confirmation email and the expired-link page on a phone: the email's fallback link wraps
instead of widening the screen, and an expired link gets a fresh one in one press."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from campaign.outbox.emails import build_signature_email
from campaign.petitions.tokens import confirm_token_make
from tests.factories import SignatureFactory

from .support import axe_violations, confirm_link, screenshot

pytestmark = pytest.mark.browser


def test_the_emails_fallback_link_wraps_on_a_phone_screen(site, browse, live_server):
    signature = SignatureFactory(petition=site, name="Aigerim Bekova")
    html = build_signature_email(signature).alternatives[0][0]
    tab = browse("phone")
    tab.page.set_content(html)

    fallback = tab.page.locator("a", has_text="/petitions/confirm/")
    assert fallback.bounding_box()["height"] > 30  # on several lines
    assert tab.page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(tab, "email-confirm")


def test_an_expired_link_sends_a_fresh_one_to_its_address_in_one_press(site, browse, live_server, settings):
    signature = SignatureFactory(petition=site, email="zhanna@example.org")
    token = confirm_token_make(public_id=signature.public_id)
    settings.PETITION_CONFIRM_MAX_AGE = -1
    tab = browse("phone")
    page = tab.page
    page.goto(live_server.url + reverse("petitions:confirm", kwargs={"token": token}))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    assert axe_violations(page, live_server.url) == []
    assert page.get_by_role("textbox").count() == 0  # nothing to retype

    page.get_by_role("button", name="Send me a fresh link").click()

    expect(page.get_by_text("is on its way to the address you signed with")).to_be_visible()
    [message] = mail.outbox
    assert message.to == ["zhanna@example.org"]
    settings.PETITION_CONFIRM_MAX_AGE = 7 * 24 * 3600
    page.goto(confirm_link(message))
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url(re.compile(r"/confirmed/$"))
