"""An organizer records a delivery in the admin, in a real browser; a supporter then sees it,
dated, on the home page, with its document from our origin, and axe-core finds nothing."""

import importlib

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import expect

from .support import axe_violations, language_tab, origin, screenshot
from .test_staff import log_in, staff_with_role

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def organizer():
    """An Organizer with the rights the content migration grants on deliveries (the live
    server's flushed database lost the migration's grants; see staff_with_role)."""
    user = staff_with_role("Organizer")
    codenames = importlib.import_module("campaign.content.migrations.0007_deliveries_responses").CODENAMES
    user.groups.get().permissions.add(
        *Permission.objects.filter(content_type__app_label="content", codename__in=codenames)
    )
    return user


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_organizer_records_a_delivery_and_a_supporter_sees_it_on_the_home_page(
    site, browse, live_server, settings, tmp_path, size
):
    settings.MEDIA_ROOT = tmp_path
    staff = browse("desktop")
    log_in(staff.page, live_server, organizer(), then=reverse("admin:content_delivery_add"))
    form = staff.page
    form.locator("#id_recipient_en").fill("The EU delegation to Kazakhstan")
    form.locator("#id_delivered_on").fill("2026-12-01")
    form.locator("#id_signatures").fill("12431")
    form.locator("#id_document").set_input_files(
        files=[{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.locator("#id_is_published").check()
    form.locator("input[name=_save]").click()
    expect(form.locator(".messagelist")).to_contain_text("was added successfully")

    tab = browse(size)
    tab.page.goto(live_server.url + reverse("content:home"))
    block = tab.page.locator("details.deliveries")
    expect(block).to_be_visible()
    expect(block).to_contain_text("12,431 signatures delivered")
    expect(block).to_contain_text("Delivered on 1 December 2026.")
    expect(block).to_contain_text("The EU delegation to Kazakhstan")
    link = block.get_by_role("link", name="The document delivered (PDF)")
    document = tab.page.request.get(live_server.url + link.get_attribute("href"))
    assert document.status == 200 and document.headers["content-type"] == "application/pdf"
    assert document.body() == PDF
    found = axe_violations(tab.page, live_server.url)
    screenshot(tab, "deliveries")

    assert found == []
    assert tab.foreign_requests(origin(live_server.url)) == []
    assert tab.errors == []


def test_an_organizer_writes_each_language_of_a_delivery_in_its_own_tab(site, browse, live_server):
    staff = browse("desktop")
    log_in(staff.page, live_server, organizer(), then=reverse("admin:content_delivery_add"))
    form = staff.page
    tabs = form.locator("fieldset .ui-tabs-nav").first
    expect(tabs).to_be_visible()
    expect(tabs.locator("li")).to_have_count(3)
    expect(form.locator("#id_recipient_en")).to_be_visible()
    expect(form.locator("#id_recipient_ru")).to_be_hidden()
    language_tab(form, "id_recipient_ru")
    expect(form.locator("#id_recipient_ru")).to_be_visible()
    form.locator("#id_recipient_ru").fill("Делегация ЕС")
    # jQuery UI from our own origin: nothing asked of another, nothing refused by the CSP.
    assert staff.foreign_requests(origin(live_server.url)) == []
    assert staff.errors == []
