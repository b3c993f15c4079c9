"""The supporter's journey in a real browser: read, sign, open the email's link, confirm, see the count."""

import re

import pytest
from django.core import mail

from campaign.petitions import counting
from tests.factories import SignatureFactory

from .support import confirm_link, fill_sign_form, origin, screenshot, shown_count

pytestmark = pytest.mark.browser


def sign_confirm_and_see_the_count(site, tab, live_server, *, email: str, screenshots: bool = True):
    page = tab.page
    shoot = (lambda name: screenshot(tab, name)) if screenshots else (lambda name: None)
    # Two earlier supporters, already counted: the journey must add one to a number, not start one.
    SignatureFactory.create_batch(2, petition=site, confirmed=True)
    counting.signature_counts_update()

    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Release those arbitrarily detained")
    for heading in ("What happened", "What they demand", "Why it matters"):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    before = shown_count(page)
    assert before == 2

    if tab.size == "phone":
        # Read to the end of the case, then back to the form by the sign bar at the foot of the screen.
        page.get_by_role("heading", name="Why it matters", exact=True).scroll_into_view_if_needed()
        page.get_by_role("navigation", name="Sign the petition").get_by_role("link", name="Sign the petition").click()
    # On a desktop the sign box is beside the case all along.
    fill_sign_form(page, name="Aigerim Bekova", email=email)
    page.get_by_role("checkbox", name="Keep me updated about this campaign").check()
    page.get_by_role("button", name="Sign the petition").click()

    page.wait_for_url(re.compile(r"/thanks/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you. One more step: check your inbox"
    shoot("thanks")

    assert [message.to for message in mail.outbox] == [[email]]
    link = confirm_link(mail.outbox[0])
    assert origin(link) == live_server.url
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your signature"
    shoot("confirm")

    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url(re.compile(r"/confirmed/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your signature is confirmed. Thank you."
    assert shown_count(page) == before + 1
    shoot("confirmed")

    page.goto(live_server.url + "/")
    assert shown_count(page) == before + 1


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_supporter_signs_confirms_by_email_and_sees_the_count_rise(site, browse, live_server, size):
    tab = browse(size)
    sign_confirm_and_see_the_count(site, tab, live_server, email=f"aigerim.{size}@example.org")
    assert tab.foreign_requests(origin(live_server.url)) == []
    assert tab.errors == []


def test_supporter_signs_and_confirms_with_javascript_off(site, browse, live_server):
    tab = browse("phone", java_script_enabled=False)
    # The pages look the same without JavaScript: no screenshots of them again.
    sign_confirm_and_see_the_count(site, tab, live_server, email="aigerim.nojs@example.org", screenshots=False)
    assert tab.foreign_requests(origin(live_server.url)) == []
    assert tab.errors == []
