"""The browser tier: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The live server is a thread of this process, so the in-process arrangements of the unit tier
work here too and are set up by `site` below: Celery tasks run at once in the thread that
queues them, emails land in `mail.outbox`, the cache is in memory.
"""

import os

import pytest
from django.core import mail
from django.core.cache import cache

from .support import CHROMIUM_ARGS, SIZES, Tab


@pytest.fixture(scope="package")
def _chromium():
    """One Chromium for the whole tier, launched on first use and closed when the tier ends."""
    state = {}

    def launch(executable: str):
        if not state:
            from playwright.sync_api import sync_playwright

            # Playwright's sync API keeps an asyncio loop running on this thread, and Django's
            # ORM refuses to run where a loop runs; the test's own queries are synchronous.
            state["env"] = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            state["playwright"] = sync_playwright().start()
            state["browser"] = state["playwright"].chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        return state["browser"]

    yield launch
    if state:
        state["browser"].close()
        state["playwright"].stop()
        if state["env"] is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = state["env"]


@pytest.fixture
def site(live_server, transactional_db, settings, seeded, monkeypatch):
    """The seeded campaign on a live server, with tasks in-process and emails in mail.outbox."""
    from campaign.celery import app
    from campaign.outbox import sending

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CACHES = {"default": {"BACKEND": "campaign.local_cache.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url  # so the link in the email opens this server
    # The sender keeps one mail connection per process; an earlier tier may have left another kind.
    monkeypatch.setattr(sending, "_connection", None)
    cache.clear()
    mail.outbox = []
    yield seeded
    app.conf.task_always_eager = eager


@pytest.fixture
def browse(chromium_path, _chromium, live_server):
    """Open a page in a fresh context at a named size: `browse("phone")`, or with more context
    options, `browse("phone", java_script_enabled=False)`."""
    browser = _chromium(chromium_path)
    contexts = []

    def open_tab(size: str, **options) -> Tab:
        context = browser.new_context(**SIZES[size], **options)
        context.set_default_timeout(15_000)  # generous: CI machines are shared
        contexts.append(context)
        tab = Tab(page=context.new_page(), size=size)
        context.on("request", lambda request: tab.requested.append(request.url))
        # A resource the CSP refuses is never requested, so it is caught here, as the browser's complaint.
        context.on(
            "console",
            lambda message: (
                tab.errors.append(f"{message.location['url']}: {message.text}") if message.type == "error" else None
            ),
        )
        context.on(
            "weberror", lambda error: tab.errors.append(f"{error.page.url if error.page else ''}: {error.error}")
        )
        return tab

    yield open_tab
    for context in contexts:
        context.close()
