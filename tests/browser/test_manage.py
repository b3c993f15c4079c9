"""A signer in control, on a phone: the "Manage my signature" link from an email, their data
downloaded, their signature withdrawn, and the count on the home page one lower."""

import json
import re
from pathlib import Path

import pytest
from django.core import mail

from campaign.petitions import counting
from tests.factories import SignatureFactory

from .support import origin, shown_count

pytestmark = pytest.mark.browser


def manage_link(message) -> str:
    return re.search(r"https?://\S+/petitions/manage/\S+/", message.body).group(0)


def test_a_signer_on_a_phone_downloads_their_data_then_withdraws_and_the_count_drops_by_one(site, browse, live_server):
    SignatureFactory.create_batch(2, petition=site, confirmed=True)
    SignatureFactory(petition=site, confirmed=True, name="Aigerim Bekova", email="aigerim@example.org", country="KZ")
    counting.signature_counts_update()
    tab = browse("phone")
    page = tab.page

    page.goto(live_server.url + "/")
    before = shown_count(page)
    assert before == 3

    # No link at hand: ask for one under the petition form.
    page.goto(live_server.url + site.get_absolute_url())
    page.get_by_role("link", name="Manage my signature").click()
    page.get_by_role("textbox", name="Email you signed with").fill("aigerim@example.org")
    page.get_by_role("button", name="Send me the link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"

    [message] = mail.outbox
    link = manage_link(message)
    assert origin(link) == live_server.url
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Manage my signature"
    assert page.get_by_text("Signed as Aigerim Bekova with the address aigerim@example.org.").is_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert (data["name"], data["email"], data["country"]) == ("Aigerim Bekova", "aigerim@example.org", "KZ")

    page.get_by_role("button", name="Withdraw my signature").click()
    page.wait_for_url(re.compile(r"/withdrawn/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your signature is withdrawn"
    assert len(mail.outbox) == 1  # acknowledged on the page, never by email

    page.goto(live_server.url + "/")
    assert shown_count(page) == before - 1
    assert tab.foreign_requests(origin(live_server.url)) == []
