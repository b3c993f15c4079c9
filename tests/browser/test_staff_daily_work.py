"""Staff daily work in a real browser: land on the dashboard, undo from the message, read the
audit log at 1280 px, and a Moderator's way back from a page that is not theirs."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from campaign.moderation import actions
from campaign.petitions.models import Signature
from tests.conftest import staff_code
from tests.factories import SignatureFactory, UserFactory

from .support import screenshot
from .test_staff import PASSWORD, log_in, staff_with_role

pytestmark = pytest.mark.browser


def test_moderator_lands_on_the_dashboard_rejects_from_the_queue_and_undoes(site, browse, live_server):
    held = SignatureFactory(
        petition=site, state=Signature.State.SUSPICIOUS, suspicion=["rate_ip"], ip_address="198.51.100.23"
    )
    moderator = staff_with_role("Moderator")
    tab = browse("desktop")
    page = tab.page
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(staff_code(moderator))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + reverse("moderation:dashboard"))

    page.get_by_role("link", name="Review the held signature").click()
    expect(page.get_by_text("1 from this source (0 counted)")).to_be_visible()
    page.locator(f'input[name="_selected_action"][value="{held.pk}"]').check()
    page.locator('select[name="action"]').select_option("reject_spam")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Yes, change 1 signature").click()

    expect(page.get_by_text("Rejected 1 signature as spam.")).to_be_visible()
    assert page.url == live_server.url + reverse("moderation:queue")
    screenshot(tab, "moderation-undo", full_page=False)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Undone: 1 signature restored.")).to_be_visible()
    expect(page.get_by_text("1 signature is held for review.")).to_be_visible()
    assert Signature.objects.get(pk=held.pk).state == Signature.State.SUSPICIOUS


def test_audit_log_fits_1280_px_and_reads_in_words(site, browse, live_server):
    moderator = staff_with_role("Moderator")
    SignatureFactory.create_batch(40, petition=site, confirmed=True)
    actions.signatures_reject(
        actor=moderator,
        signatures=Signature.objects.all(),
        reason="a coordinated burst of sign-ups from one hosting provider's network, reported by a partner",
        filters={"changelist": "q=x&state__exact=confirmed&signed_at__gte=2026-01-01", "select_across": True},
    )
    administrator = UserFactory(is_staff=True, is_superuser=True)
    tab = browse("desktop")
    page = tab.page
    log_in(page, live_server, administrator, then=reverse("admin:petitions_auditentry_changelist"))

    expect(page.get_by_text("Chosen as every row matching: search, signed at, state")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Nothing hidden to the right of the list's own scroll box either.
    assert (
        page.evaluate(
            "(() => { const r = document.querySelector('.results'); return r.scrollWidth - r.clientWidth; })()"
        )
        <= 0
    )
    assert "{" not in page.locator("#result_list").inner_text()
    screenshot(tab, "audit-log", full_page=False)


def test_moderator_opening_the_audit_log_gets_a_staff_page_with_the_way_back(site, browse, live_server):
    page = browse("desktop").page
    log_in(page, live_server, staff_with_role("Moderator"), then=reverse("moderation:dashboard"))
    page.goto(live_server.url + reverse("admin:petitions_auditentry_changelist"))

    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    page.get_by_role("link", name="Go to the dashboard").click()
    page.wait_for_url(live_server.url + reverse("moderation:dashboard"))
