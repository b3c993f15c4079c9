"""A signer on a phone corrects the name they mistyped when signing, from the "Manage my
signature" page, and sees it: on that page and among the recent signers on the home page."""

import re

import pytest

from campaign.petitions import counting
from campaign.petitions.tokens import manage_token_make
from tests.factories import SignatureFactory

from .support import origin

pytestmark = pytest.mark.browser


def test_a_signer_on_a_phone_corrects_their_name_and_sees_it(site, browse, live_server):
    signature = SignatureFactory(
        petition=site,
        confirmed=True,
        name="Aigerm Bekova",
        email="aigerim@example.org",
        country="KZ",
        show_publicly=True,
    )
    counting.signature_counts_update()
    tab = browse("phone")
    page = tab.page
    page.goto(live_server.url + "/")
    assert page.locator(".recent-signers").first.inner_text().count("Aigerm") == 1

    page.goto(live_server.url + f"/en/petitions/manage/{manage_token_make(public_id=signature.public_id)}/")
    assert page.get_by_text("Signed as Aigerm Bekova with the address aigerim@example.org.").is_visible()
    field = page.get_by_role("textbox", name="Your name")
    assert field.input_value() == "Aigerm Bekova"
    # A name with no letter is refused with the sign form's message, and nothing changes.
    field.fill("...")
    page.get_by_role("button", name="Save my name").click()
    assert page.get_by_text("Please enter your name.").is_visible()
    page.get_by_role("textbox", name="Your name").fill("Aigerim Bekova")
    page.get_by_role("button", name="Save my name").click()
    page.wait_for_url(re.compile(r"\?corrected=1$"))
    assert page.get_by_role("status").inner_text() == "Your name is corrected."
    assert page.get_by_text("Signed as Aigerim Bekova with the address aigerim@example.org.").is_visible()
    assert page.get_by_text("To change your email address, write to us at").is_visible()

    page.goto(live_server.url + "/")
    recent = page.locator(".recent-signers").first.inner_text()
    assert "Aigerim" in recent and "Aigerm" not in recent
    assert tab.foreign_requests(origin(live_server.url)) == []
