"""Staff in a real browser: a moderator cleans out spam, an organizer takes home a contact list."""

import csv
import importlib
import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from playwright.sync_api import expect

from campaign.petitions import counting
from tests.conftest import staff_code
from tests.factories import SignatureFactory, UserFactory

from .support import origin, shown_count

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # UserFactory's


def staff_with_role(role: str):
    """A staff user in one of the roles the data migration defines.

    A live-server test starts from a flushed database, where the migration's groups are gone,
    and Django's serialized rollback cannot bring them back while Playwright's event loop runs
    on this thread (the ORM then uses another connection object); so build the group again
    from the migration's own list.
    """
    perms = importlib.import_module("campaign.petitions.migrations.0003_roles").ROLES[role]
    group, _created = Group.objects.get_or_create(name=role)
    group.permissions.set(
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in (perm.split(".") for perm in perms)
    )
    return UserFactory(groups=[role])


def log_in(page, live_server, user, *, then: str) -> None:
    page.goto(live_server.url + reverse("admin:login") + "?next=" + then)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(staff_code(user))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + then)


def test_moderator_rejects_spam_in_the_admin_and_the_public_count_drops(site, browse, live_server):
    SignatureFactory.create_batch(2, petition=site, confirmed=True)
    spam = SignatureFactory(petition=site, confirmed=True, name="Cheap Pills", email="pills@spam.example")
    counting.signature_counts_update()
    moderator = staff_with_role("Moderator")
    tab = browse("desktop")
    page = tab.page
    page.goto(live_server.url + "/")
    assert shown_count(page) == 3

    changelist = reverse("admin:petitions_signature_changelist")
    log_in(page, live_server, moderator, then=changelist)
    page.get_by_role("searchbox").fill("@spam.example")
    page.get_by_role("searchbox").press("Enter")
    page.locator(f'input.action-select[value="{spam.pk}"]').check()
    page.locator('select[name="action"]').select_option("reject_spam")
    page.get_by_role("button", name="Go").click()

    assert "This changes 1 signature of the 1 selected." in page.locator(".moderation-count").inner_text()
    page.get_by_role("button", name="Yes, change 1 signature").click()
    expect(page.get_by_text("Rejected 1 signature as spam.")).to_be_visible()

    page.goto(live_server.url + "/")
    assert shown_count(page) == 2
    assert tab.foreign_requests(origin(live_server.url)) == []


def test_organizer_downloads_an_export_holding_the_expected_rows(site, browse, live_server):
    SignatureFactory(
        petition=site,
        confirmed=True,
        keep_updated=True,
        name="Aigerim Bekova",
        email="aigerim@example.org",
        country="KZ",
    )
    SignatureFactory(petition=site, confirmed=True, keep_updated=False)  # did not ask to be contacted
    SignatureFactory(petition=site, keep_updated=True)  # never confirmed the address
    organizer = staff_with_role("Organizer")
    tab = browse("desktop", accept_downloads=True)
    page = tab.page

    log_in(page, live_server, organizer, then=reverse("exports:start"))
    page.get_by_role("button", name="Count rows").click()
    assert page.locator(".export-count-figure").inner_text() == "This export will have 1 row."
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    download = download_info.value

    assert re.search(r"\.csv$", download.suggested_filename)
    with open(download.path(), encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert [(row["name"], row["email"], row["country"], row["state"]) for row in rows] == [
        ("Aigerim Bekova", "aigerim@example.org", "KZ", "confirmed")
    ]
    assert tab.foreign_requests(origin(live_server.url)) == []
