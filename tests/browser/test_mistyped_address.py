"""A supporter on a phone who mistypes their address's domain: a suggestion taken with one tap,
and the thank-you page that shows where the email went and opens their mail."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from .support import axe_violations, fill_sign_form, origin, screenshot

pytestmark = pytest.mark.browser


def test_gmial_con_gets_did_you_mean_gmail_com_and_the_thank_you_page_shows_the_address(site, browse, live_server):
    tab = browse("phone")
    page = tab.page
    page.goto(live_server.url + "/")
    fill_sign_form(page, name="Kate Miller", email="kate.miller@gmial.con")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_text("Did you mean kate.miller@gmail.com?")).to_be_visible()
    expect(page.get_by_role("textbox", name="Email")).to_be_focused()
    assert mail.outbox == []
    screenshot(tab, "sign-email-suggestion", full_page=False)
    assert axe_violations(page, live_server.url) == []
    page.get_by_role("button", name="Use kate.miller@gmail.com").click()
    expect(page.get_by_role("textbox", name="Email")).to_have_value("kate.miller@gmail.com")
    page.get_by_role("button", name="Sign the petition").click()

    page.wait_for_url(re.compile(r"/petitions/.+/thanks/$"))
    expect(page.locator(".sent-to")).to_have_text("kate.miller@gmail.com")
    expect(page.get_by_role("link", name="Open Gmail")).to_have_attribute("href", "https://mail.google.com/")
    expect(page.get_by_role("link", name="Sign again with the right address")).to_be_visible()
    [message] = mail.outbox
    assert message.to == ["kate.miller@gmail.com"]
    screenshot(tab, "thanks-sent-to")
    assert axe_violations(page, live_server.url) == []
    assert tab.foreign_requests(origin(live_server.url)) == []


def test_without_javascript_the_address_can_be_kept_as_typed(site, browse, live_server):
    tab = browse("phone", java_script_enabled=False)
    page = tab.page
    page.goto(live_server.url + "/")
    fill_sign_form(page, name="Kate Miller", email="kate@gmial.con")
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_text("Did you mean kate@gmail.com?")).to_be_visible()
    page.get_by_role("button", name="Sign the petition").click()  # "the address is right as it is"
    page.wait_for_url(re.compile(r"/petitions/.+/thanks/$"))
    expect(page.locator(".sent-to")).to_have_text("kate@gmial.con")
