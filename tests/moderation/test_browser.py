"""The moderator's pages in a real Chromium: the CSP holds, the chart draws, progress refreshes itself."""

import pytest
from django.core.cache import cache
from django.db import connections
from django.urls import reverse

from campaign.petitions import counting
from campaign.petitions.models import Invalidation, Petition, Signature
from tests.conftest import staff_code
from tests.factories import SignatureFactory, UserFactory

from .conftest import restore_roles

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture
def page(chromium_path, live_server, transactional_db, settings, monkeypatch):
    """A Chromium tab on the live server; tasks run in-process; console errors are collected."""
    from playwright.sync_api import sync_playwright

    from campaign.celery import app

    # Playwright's sync API keeps an event loop on this thread; the test's own queries are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CACHES = {"default": {"BACKEND": "campaign.local_cache.LocMemCache"}}
    cache.clear()
    restore_roles()  # the live server's database starts flushed, without the migration's groups
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        tab = context.new_page()
        tab.errors = []
        tab.requested = []
        tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda error: tab.errors.append(str(error)))
        context.on("request", lambda request: tab.requested.append(request.url))
        yield tab
        browser.close()
        # Queries made while Playwright's loop ran used their own connection: close it too.
        connections.close_all()
    app.conf.task_always_eager = eager


def test_a_moderator_clears_a_bot_burst_from_the_dashboard_in_the_browser(page, live_server):
    petition = Petition.objects.create(slug="free", title="Free them", text="Release them.")
    for i in range(60):
        SignatureFactory(petition=petition, ip_address=f"198.51.100.{i + 1}", **({"confirmed": True} if i < 20 else {}))
    SignatureFactory.create_batch(10, petition=petition, confirmed=True, ip_address="192.0.2.7")
    counting.signature_counts_update()
    moderator = UserFactory(username="moderator", groups=["Moderator"])

    page.goto(live_server.url + reverse("moderation:dashboard"))
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(staff_code(moderator))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + reverse("moderation:dashboard"))

    # The chart is a picture the browser draws from our own origin.
    chart = page.locator("img.moderation-chart")
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 0

    page.locator("tr", has_text="198.51.100.0/24").first.get_by_role("button", name="Invalidate…").click()
    page.get_by_label("Reason").fill("bot burst")
    page.get_by_role("button", name="Preview").click()
    assert "60 signatures match" in page.locator("#preview").inner_text()
    page.get_by_role("button", name="Invalidate 60 signatures").click()
    assert "60 signatures rejected" in page.locator("#content").inner_text()

    counting.signature_counts_update()
    count = page.request.get(live_server.url + reverse("petition_count", kwargs={"slug": petition.slug}))
    assert count.json()["count"] == 10

    # A page with work in progress reloads itself (from a static script) until the work is done.
    running = Invalidation.objects.create(
        petition=petition,
        criteria={"country": "RU", "max_pk": 0},
        reason="slow",
        matched=10,
        affected=3,
        created_by=moderator,
    )
    page.goto(live_server.url + reverse("moderation:invalidation", args=[running.pk]))
    assert "3 of 10 signatures rejected so far" in page.locator("#content").inner_text()
    Invalidation.objects.filter(pk=running.pk).update(state=Invalidation.State.DONE, affected=10)
    page.get_by_text("10 signatures rejected").wait_for(timeout=8_000)

    assert page.errors == [], page.errors  # a CSP refusal would show here
    own = live_server.url
    assert [url for url in page.requested if not url.startswith(own)] == []
    assert Signature.objects.filter(state=Signature.State.REJECTED).count() == 60
