"""Shared fixtures.

Two tiers. Most tests run anywhere: Celery tasks run in-process and the cache is in
memory, whatever the environment says. Tests marked `services` or `browser` need the real
PostgreSQL, Redis, worker processes or Chromium; without them they are skipped, except
under REQUIRE_SERVICES=1 (CI), where a missing service fails the test instead.
"""

import os
import shutil
import socket

import pytest
from django.core.cache import cache
from django.test import Client

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need(condition: bool, why: str) -> None:
    """Skip (or, in CI, fail) a test whose real service is missing."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {why}", pytrace=False)
    pytest.skip(why)


def port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture(autouse=True)
def fresh_reads(settings):
    """Pages read the petition's row afresh: tests change it and look at once (the second a
    web process may otherwise keep it is tested in tests/perf)."""
    from campaign.content import selectors as content_selectors
    from campaign.content import views
    from campaign.petitions import selectors

    settings.PETITION_READ_CACHE_SECONDS = 0
    views._pages.clear()  # each web process's copy of the home page: tests roll back what it shows
    selectors._recent.clear()
    content_selectors._version[:] = [0.0, None]  # the content version this process last read


@pytest.fixture(autouse=True)
def in_process_tier(request, settings):
    """Unit tests: tasks in-process, a fresh in-memory cache, emails to mail.outbox."""
    if request.node.get_closest_marker("services") or request.node.get_closest_marker("browser"):
        yield
        return
    from campaign.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CACHES = {"default": {"BACKEND": "campaign.local_cache.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def postgres(db):
    """The test database is the real PostgreSQL."""
    from django.db import connection

    need(connection.vendor == "postgresql", "the tests need PostgreSQL (set DATABASE_URL)")
    return connection


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    need(bool(url) and port_open("127.0.0.1", 6379), "the tests need Redis (set REDIS_URL)")
    return url


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    need(os.path.exists(path), "the tests need Debian's chromium (apt-get install chromium)")
    return path


@pytest.fixture
def seeded(db):
    """The campaign and its petition as first set-up creates them."""
    from campaign.content.seed import seed_campaign
    from campaign.petitions.models import Petition

    seed_campaign()
    return Petition.objects.get(slug="free-kazakhstan-detainees")


@pytest.fixture
def petition(db):
    from tests.factories import PetitionFactory

    return PetitionFactory()


class StaffClient(Client):
    """Django's test client, whose force_login signs a staff member in as the staff login does.

    Every staff page wants a session verified by a second factor (campaign/staff_admin.py).
    As force_login stands in for the password, it stands in for the code too: it enrols a TOTP
    device for a staff user who has none and marks the session verified by that device, which
    is what django-otp records when a correct code is entered. Tests of the login itself post
    the form with a real code (`staff_code`), and plain `Client().force_login` leaves a session
    that no staff page accepts.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if user.is_staff:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            from campaign.staff_admin import totp_device_enrol

            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device_enrol(user=user)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client():
    return StaffClient()


def staff_code(user) -> str:
    """The code a staff member's authenticator app shows now (a device is enrolled if they have none)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from campaign.staff_admin import totp_code_now, totp_device_enrol

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device_enrol(user=user)
    return totp_code_now(device)


@pytest.fixture
def cache_down(settings):
    """The production cache backend (campaign/redis_cache.py) pointed at a port where nothing
    listens: Redis is down, every connection is refused."""
    settings.CACHES = {
        "default": {
            "BACKEND": "campaign.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
