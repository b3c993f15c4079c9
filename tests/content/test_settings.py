"""Settings from the environment: safe local defaults, and a production that refuses to start
without its secret and passes Django's deployment checks.

Settings are read once, at start-up: each case evaluates the settings file afresh with its own
environment, and the start-up refusal and `check --deploy` run in a fresh process."""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from campaign.petitions import crypto

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "campaign" / "settings.py"
# Everything the settings read from the environment, so none of this machine's leaks in.
READ_FROM_ENV = [
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "EMAIL_BACKEND",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL",
    "SECURE_HSTS_SECONDS",
    "DEFAULT_FROM_EMAIL",
    "ANYMAIL",
    "DISABLE_SERVER_SIDE_CURSORS",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
]
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "petition.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://petition.example.org",
    "SITE_URL": "https://petition.example.org",
    "EMAIL_URL": "smtp+tls://relay.example.net:587",
    "FIELD_ENCRYPTION_KEYS": f"{crypto.key_new()},{crypto.key_new()}",
    "BLIND_INDEX_KEY": crypto.key_new(),
}


@pytest.fixture
def settings_with(monkeypatch):
    """Evaluate the settings file as Django would at start-up, with exactly this environment."""

    def evaluate(**env: str) -> dict:
        for name in READ_FROM_ENV:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return evaluate


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python in the project with nothing from this environment but PATH and HOME."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    clean |= {"DJANGO_SETTINGS_MODULE": "campaign.settings", "PYTHONDONTWRITEBYTECODE": "1", **env}
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120)


def test_with_nothing_set_it_runs_on_sqlite_in_process_with_console_email(settings_with):
    found = settings_with()
    assert found["DEBUG"] is True
    assert found["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert str(found["DATABASES"]["default"]["NAME"]) == str(BASE_DIR / "db.sqlite3")
    assert found["CACHES"]["default"]["BACKEND"] == "campaign.local_cache.LocMemCache"
    assert found["CELERY_TASK_ALWAYS_EAGER"] is True and found["CELERY_BROKER_URL"] == "memory://"
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert found["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]


def test_the_environment_switches_on_postgres_redis_and_smtp(settings_with):
    found = settings_with(
        DATABASE_URL="postgres://campaign:secret@db.internal:5432/campaign",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp://mail.internal:1025",
        DEFAULT_FROM_EMAIL="Campaign <petition@example.org>",
    )
    database = found["DATABASES"]["default"]
    assert (database["ENGINE"], database["HOST"], database["NAME"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        "campaign",
    )
    assert database["OPTIONS"]["connect_timeout"] == 3  # an unreachable database fails in seconds, not a hang
    cache = found["CACHES"]["default"]
    assert (
        issubclass(import_string(cache["BACKEND"]), RedisCache) and cache["LOCATION"] == "redis://cache.internal:6379/0"
    )
    assert found["CELERY_TASK_ALWAYS_EAGER"] is False and found["CELERY_BROKER_URL"] == "redis://cache.internal:6379/0"
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (found["EMAIL_HOST"], found["EMAIL_PORT"]) == ("mail.internal", 1025)
    assert found["DEFAULT_FROM_EMAIL"] == "Campaign <petition@example.org>"


def test_server_side_cursors_can_be_turned_off_for_pgbouncer(settings_with):
    # docs/operations.md: PgBouncer's transaction pooling cannot hold a cursor between transactions.
    url = "postgres://campaign:secret@pgbouncer.internal:6432/campaign"
    assert settings_with(DATABASE_URL=url)["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False
    found = settings_with(DATABASE_URL=url, DISABLE_SERVER_SIDE_CURSORS="True")
    assert found["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_an_anymail_backend_can_be_chosen(settings_with):
    found = settings_with(
        EMAIL_BACKEND="anymail.backends.postmark.EmailBackend", ANYMAIL='{"POSTMARK_SERVER_TOKEN": "t"}'
    )
    assert found["EMAIL_BACKEND"] == "anymail.backends.postmark.EmailBackend"
    assert found["ANYMAIL"] == {"POSTMARK_SERVER_TOKEN": "t"}


def test_production_settings_are_secure(settings_with):
    found = settings_with(**PRODUCTION)
    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"] and found["SECURE_SSL_REDIRECT"]
    assert found["SECURE_HSTS_SECONDS"] >= 31536000


def test_an_empty_secret_key_counts_as_none(settings_with):
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY must be set when DEBUG is off\."):
        settings_with(DEBUG="False", SECRET_KEY="")


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["-c", "import django; django.setup()"], DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_deployment_checks_are_clean_with_production_variables():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "mail_route",
    [
        {},  # nothing set: the console
        {"EMAIL_URL": "smtp://mailpit:1025"},
        {"EMAIL_URL": "smtp://mailhog:1025"},
        {"EMAIL_URL": "smtp://localhost:1025"},
        {"EMAIL_URL": "smtp://127.0.0.1:1025"},
        {"EMAIL_URL": "smtp://Mailpit.internal:2525"},
        {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
        {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
        {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    ],
    ids=["unset", "mailpit", "mailhog", "localhost-1025", "loopback-1025", "mailpit-host", "console", "file", "locmem"],
)
def test_production_refuses_a_mail_catcher_as_its_mail_route(settings_with, mail_route):
    env = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_URL"}
    with pytest.raises(ImproperlyConfigured, match="Production needs a real mail route"):
        settings_with(**env, **mail_route)


@pytest.mark.parametrize(
    "mail_route",
    [
        {"EMAIL_URL": "smtp+tls://relay.example.net:587"},
        {"EMAIL_URL": "smtp://127.0.0.1:25"},  # a relay on the host, e.g. Postfix
        {"EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend", "ANYMAIL": '{"POSTMARK_SERVER_TOKEN": "t"}'},
    ],
    ids=["provider", "local-relay", "anymail"],
)
def test_production_starts_with_a_real_mail_route(settings_with, mail_route):
    env = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_URL"}
    assert settings_with(**env, **mail_route)["DEBUG"] is False


def test_development_may_use_a_mail_catcher(settings_with):
    assert settings_with(EMAIL_URL="smtp://127.0.0.1:1025")["EMAIL_PORT"] == 1025


def test_production_with_a_mail_catcher_refuses_to_start():
    result = run(["-c", "import django; django.setup()"], **{**PRODUCTION, "EMAIL_URL": "smtp://mailpit:1025"})
    assert result.returncode != 0
    assert "Production needs a real mail route" in result.stderr


@pytest.mark.parametrize("missing", ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_production_refuses_to_start_without_the_encryption_keys(missing):
    env = {**PRODUCTION, missing: ""}
    result = run(["-c", "import django; django.setup()"], **env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set when DEBUG is off." in result.stderr


def test_a_key_that_is_not_32_random_bytes_is_refused(settings_with):
    with pytest.raises(ImproperlyConfigured, match="base64 keys of 32 random bytes"):
        settings_with(**{**PRODUCTION, "FIELD_ENCRYPTION_KEYS": "secret"})
    with pytest.raises(ImproperlyConfigured, match="must differ"):
        key = crypto.key_new()
        settings_with(**{**PRODUCTION, "FIELD_ENCRYPTION_KEYS": key, "BLIND_INDEX_KEY": key})


def test_locally_the_keys_are_made_once_and_kept(settings_with):
    first = settings_with()
    again = settings_with()
    assert first["FIELD_ENCRYPTION_KEYS"] == again["FIELD_ENCRYPTION_KEYS"] and first["BLIND_INDEX_KEY"]
    assert first["BLIND_INDEX_KEY"] == again["BLIND_INDEX_KEY"]
