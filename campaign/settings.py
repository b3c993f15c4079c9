"""Settings for the campaign site.

Everything that differs between a laptop and production comes from the environment
(see the table in README.md). With nothing set, the site runs on SQLite, runs Celery
tasks in-process and prints emails to the console.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-local-development-only"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    # Production must never sign tokens or sessions with a key from the source code.
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# --- Signers' personal data, encrypted at rest (campaign/petitions/crypto.py) --------------
# FIELD_ENCRYPTION_KEYS: comma-separated base64 keys of 32 bytes; the first seals, all open.
# BLIND_INDEX_KEY: a separate key for the blind indexes (duplicates, searches); never rotated
# without `manage.py blind_indexes_rebuild`. Production refuses to start without them; on a
# laptop they are made once and kept in var/field-keys.json (git-ignored): lose that file and
# the local database's names and addresses are lost with it.
_DEV_KEYS_FILE = BASE_DIR / "var" / "field-keys.json"


def _dev_keys() -> dict:
    import base64
    import json
    import os

    try:
        return json.loads(_DEV_KEYS_FILE.read_text())
    except FileNotFoundError:
        pass
    keys = {
        "FIELD_ENCRYPTION_KEYS": [base64.urlsafe_b64encode(os.urandom(32)).decode()],
        "BLIND_INDEX_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    _DEV_KEYS_FILE.parent.mkdir(exist_ok=True)
    try:
        # O_EXCL: two processes starting together (runserver's reloader, a test's workers) must
        # not each make a key; the second reads the first's.
        fd = os.open(_DEV_KEYS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        import time

        time.sleep(0.2)
        return json.loads(_DEV_KEYS_FILE.read_text())
    with os.fdopen(fd, "w") as out:
        json.dump(keys, out)
    return keys


FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")
if not (FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY):
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set when DEBUG is off.")
    _keys = _dev_keys()
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or _keys["FIELD_ENCRYPTION_KEYS"]
    BLIND_INDEX_KEY = BLIND_INDEX_KEY or _keys["BLIND_INDEX_KEY"]


def _key_is_valid(text: str) -> bool:
    import base64
    import binascii

    try:
        return len(base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_") + "==")) == 32
    except (binascii.Error, ValueError):
        return False


if not all(_key_is_valid(key) for key in (*FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY)):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY hold base64 keys of 32 random bytes: "
        "python -m campaign.petitions.crypto prints a new one."
    )
if BLIND_INDEX_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("BLIND_INDEX_KEY must differ from every key in FIELD_ENCRYPTION_KEYS.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before the admin, so its tabbed per-language fields take over the content's admin.
    "modeltranslation",
    # Django's admin, behind a second factor (campaign/staff_admin.py).
    "campaign.staff_apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "campaign.content",
    "campaign.petitions",
    # Apps without tables of their own (their models live in petitions), installed so their
    # Celery tasks and management commands are found.
    "campaign.outbox",
    "campaign.moderation",
    "campaign.exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Outside the locale middleware, so its redirects (/ to /ru/) carry the header too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, choosing Kazakh or Russian over English when a browser offers both (see the module).
    "campaign.content.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "campaign.urls"
WSGI_APPLICATION = "campaign.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campaign.content.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# An empty DATABASE_URL counts as unset.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Keep connections open between requests, and check them before reuse so a
    # restarted database costs one failed check rather than a 500.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    # A database that does not answer fails a request in seconds (a 503, campaign/errors.py), not a hang.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    # Behind PgBouncer's transaction pooling a server-side cursor (QuerySet.iterator()) would
    # outlive the server connection it was opened on: set it True there (docs/operations.md).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker -----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, reusing one client per pool (see campaign/redis_cache.py).
            "BACKEND": "campaign.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "campaign",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "campaign.local_cache.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
if REDIS_URL:
    # kombu's Redis transport, reusing one client per channel (see campaign/broker.py).
    CELERY_BROKER_TRANSPORT = "campaign.broker:Transport"
# Without Redis, tasks run in-process (after the transaction commits, like in production).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Updates to supporters have a queue of their own, so production can give them a worker that
# yields the CPU to signing (compose's worker-updates); a worker started without -Q takes both.
CELERY_TASK_QUEUES = (Queue("celery", routing_key="celery"), Queue("updates", routing_key="updates"))
CELERY_TASK_ROUTES = {
    "campaign.petitions.tasks.send_supporter_update": {"queue": "updates"},
    "campaign.petitions.tasks.send_update_emails": {"queue": "updates"},
}
# Celery's Django fixup closes the database connection before and after every task unless
# this is set, so every task would pay for a new PostgreSQL connection. Connections are reused, and checked between tasks as Django checks them between
# requests (campaign/celery.py).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# A task that outlives the visibility timeout is handed to a second worker, so every
# time limit stays well below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# Publishing happens inside a web request: when Redis is down, give up fast and let the
# outbox sweeper deliver later, rather than hold the supporter's request.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "count-signatures": {"task": "campaign.petitions.tasks.update_signature_counts", "schedule": 10.0},
    "recount-signatures": {"task": "campaign.petitions.tasks.recount_signatures", "schedule": 3600.0},
    "sweep-email-outbox": {"task": "campaign.petitions.tasks.sweep_email_outbox", "schedule": 30.0},
    "purge-personal-data": {"task": "campaign.petitions.tasks.purge_expired_data", "schedule": 6 * 3600.0},
    # Closes petitions whose closing time has passed (as of that time, however late beat runs).
    "close-due-petitions": {"task": "campaign.petitions.tasks.close_due_petitions", "schedule": 60.0},
    # Anonymises the signatures of petitions closed PETITION_ANONYMISE_AFTER_MONTHS ago.
    "anonymise-signatures": {"task": "campaign.moderation.tasks.anonymise_signatures", "schedule": 3600.0},
    # Resumes bulk invalidations whose task a broker outage or a dead worker lost.
    "resume-invalidations": {"task": "campaign.petitions.tasks.resume_invalidations", "schedule": 120.0},
    # Deletes export files a day old (and re-enqueues export jobs a broker outage lost).
    "purge-export-files": {"task": "campaign.petitions.tasks.purge_export_files", "schedule": 900.0},
}

# --- Email ------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Free Kazakhstan's Detainees <petition@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CAMPAIGN_CONTACT_EMAIL = env.str("CAMPAIGN_CONTACT_EMAIL", default="privacy@localhost")
# django-anymail: set EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend and ANYMAIL_* in production.
# (Empty counts as unset, as docker-compose passes them.)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or EMAIL_BACKEND
ANYMAIL = env.json("ANYMAIL", default={}) if env.str("ANYMAIL", default="") else {}
# Every email carries a signer's address, name and working confirm and unsubscribe links: in
# production they must go to a real mail provider, never to a development mail catcher whose
# web page shows them to whoever reaches it, nor into a console, file or memory.
_MAIL_CATCHER_BACKENDS = {"console", "filebased", "locmem", "dummy"}
_MAIL_CATCHER_HOSTS = ("mailpit", "mailhog", "mailcatcher", "maildev", "smtp4dev")
_MAIL_CATCHER_PORTS = {1025}  # what every one of them listens on by default


def _mail_catcher(backend: str, host: str, port: int) -> str | None:
    """What makes this mail route a catcher rather than a way out, if anything does."""
    if backend.startswith("django.core.mail.backends.") and backend.rsplit(".", 2)[-2] in _MAIL_CATCHER_BACKENDS:
        return f"the {backend.rsplit('.', 2)[-2]} backend"
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        if any(name in host.casefold() for name in _MAIL_CATCHER_HOSTS):
            return f"the host {host}"
        if port in _MAIL_CATCHER_PORTS:
            return f"port {port}"
    return None


if not DEBUG:
    _catcher = _mail_catcher(EMAIL_BACKEND, vars().get("EMAIL_HOST", ""), vars().get("EMAIL_PORT", 25))
    if _catcher:
        raise ImproperlyConfigured(
            f"Production needs a real mail route: set EMAIL_URL to your provider's SMTP server, or "
            f"EMAIL_BACKEND to an anymail backend ({_catcher} is a development mail catcher)."
        )

# --- Passwords, sessions, login protection ------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=30)
# Five failures lock a username at one address; AXES_USERNAME_FAILURE_LIMIT failures lock it
# from every address, so rotating (or spoofed) addresses buy an attacker no more guesses.
# That cap lets anyone lock a staff account for 30 minutes, which is the price of it.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_HANDLER = "campaign.login_lockout.LockoutHandler"
# The client's address as our trusted proxies report it (TRUSTED_PROXY_COUNT), not the proxy's:
# otherwise one attacker behind the proxy locks every staff member out of their account.
AXES_CLIENT_IP_CALLABLE = "campaign.petitions.abuse.client_ip"
AXES_RESET_ON_SUCCESS = True
# Staff sign in with a password and a TOTP code (campaign/staff_admin.py). The admin never
# shows a device's key again after it is made (it would let an administrator copy a colleague's
# second factor).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Campaign staff")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Only staff sign in; their session ends after two idle hours.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=2 * 3600)
SESSION_SAVE_EVERY_REQUEST = True  # so the two hours count from the last request
SESSION_COOKIE_HTTPONLY = True

# --- Internationalisation ---------------------------------------------------------------
# Public pages live under /en/, /ru/ and /kk/ (i18n_patterns in campaign/urls.py); staff pages
# are unprefixed. Adding a language: docs/languages.md.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("kk", _("Kazakh"))]
# Offered by a browser beside English, these win over it, whatever the q-values say: most of the
# people this campaign is for read Russian or Kazakh first (campaign/content/locale.py).
LANGUAGES_PREFERRED_OVER_DEFAULT = ["kk", "ru"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Numbers are grouped by the templates that show counts (humanize's intcomma, per locale:
# "10 000" in Russian); a global separator would also group numbers in attributes.
USE_THOUSAND_SEPARATOR = False
# Formats Django lacks (Kazakh numbers); others come from Django's own locale modules.
FORMAT_MODULE_PATH = ["campaign.formats"]
# Only set when a visitor picks a language with the switcher; a year, like Django's default.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_TZ = True
# The campaign's own content (campaign/content/translation.py) has a column per language; the
# English one is the original. An empty translation reads the English text, and the templates
# mark it as English and as not yet translated (campaign/content/templatetags/content_text.py).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The admin's language tabs (django-modeltranslation) need jQuery UI: ours, from static/vendor (its
# default is Google's CDN, which the Content-Security-Policy refuses: every language's fields stacked).
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"  # read by django-modeltranslation

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var")
# Uploaded files are served only by the app (the proxy passes /media/ to it), each after a check
# that it may be shown: a case's photo only while the case is published.
MEDIA_URL = "/media/"
CASE_PHOTO_MAX_BYTES = env.int("CASE_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
CASE_PHOTO_MAX_SIDE = 1200  # pixels, the longer side of the re-encoded photo
DELIVERY_PDF_MAX_BYTES = env.int("DELIVERY_PDF_MAX_BYTES", default=10 * 1024 * 1024)

# --- Security ---------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # the sign form is a few hundred bytes
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "campaign.content.views.csrf_failure"
# Behind a proxy (nginx, a load balancer) the client address is in X-Forwarded-For: how
# many proxies append to it. 0 trusts nobody and uses the socket's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if env.bool("SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
else:
    # HSTS on every page, also in development, but short so a laptop is not pinned to https.
    SECURE_HSTS_SECONDS = 0

# No page loads anything from another origin, and no inline script or style runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- The petition -------------------------------------------------------------------------
# How long a web process may reuse a petition's row (count, open or closed) for its pages
# before reading it again; 0 reads it for every request.
PETITION_READ_CACHE_SECONDS = env.float("PETITION_READ_CACHE_SECONDS", default=1.0)
# Signatures by country: a country with fewer signers than this is shown as "fewer than N".
COUNTRY_COUNT_MINIMUM = env.int("COUNTRY_COUNT_MINIMUM", default=10)
COUNTRY_COUNTS_CACHE_SECONDS = 60
PETITION_CONFIRM_MAX_AGE = env.int("PETITION_CONFIRM_MAX_AGE", default=7 * 24 * 3600)
# How long a "Manage my signature" link works; a fresh one can be asked for at <petition>/manage/.
PETITION_MANAGE_MAX_AGE = env.int("PETITION_MANAGE_MAX_AGE", default=180 * 24 * 3600)
# No address gets more than this many emails for one signature, however often it signs.
PETITION_MAX_EMAILS_PER_SIGNATURE = env.int("PETITION_MAX_EMAILS_PER_SIGNATURE", default=3)
# The outbox sweeper re-sends what is still pending after this long (broker outage, dead worker).
PETITION_OUTBOX_GRACE_SECONDS = env.int("PETITION_OUTBOX_GRACE_SECONDS", default=60)
PETITION_EMAIL_MAX_RETRIES = env.int("PETITION_EMAIL_MAX_RETRIES", default=8)
# The email provider's sending rate, messages per second for all sender processes together
# (0: as fast as the senders go). It belongs to the provider configured by EMAIL_URL/EMAIL_BACKEND.
PETITION_EMAIL_RATE = env.float("PETITION_EMAIL_RATE", default=0.0)
# After a 421/451 or an unreachable server, every sender pauses this long, doubling while the
# provider keeps refusing, up to the maximum (see campaign/outbox/pace.py).
PETITION_EMAIL_PAUSE_SECONDS = env.float("PETITION_EMAIL_PAUSE_SECONDS", default=5.0)
PETITION_EMAIL_PAUSE_MAX_SECONDS = env.float("PETITION_EMAIL_PAUSE_MAX_SECONDS", default=300.0)
# Abuse: signatures beyond these rates are kept but held for review, never refused.
PETITION_RATE_LIMITS = {
    "ip": (env.int("PETITION_RATE_IP", default=10), 3600),
    "subnet": (env.int("PETITION_RATE_SUBNET", default=50), 3600),
    "domain": (env.int("PETITION_RATE_DOMAIN", default=300), 600),
    "name": (env.int("PETITION_RATE_NAME", default=20), 3600),
    # "Didn't get the email?" requests per client address (and petition).
    "resend": (env.int("PETITION_RATE_RESEND", default=10), 3600),
}
# Confirmation emails in these languages come from a neutral sender name with a neutral subject
# ("Confirm your email address"); the body still says what was signed. An empty name is
# "Notifications" in the signer's language.
PETITION_NEUTRAL_EMAIL_LANGUAGES = env.list("PETITION_NEUTRAL_EMAIL_LANGUAGES", default=["ru", "kk"])
PETITION_NEUTRAL_SENDER_NAME = env.str("PETITION_NEUTRAL_SENDER_NAME", default="")
# The version of the notice shown beside the form; bump it whenever that text changes.
PETITION_CONSENT_VERSION = "2026-12-05"
# Personal data retention (see the privacy page).
PETITION_UNCONFIRMED_RETENTION_DAYS = 30
PETITION_IP_RETENTION_DAYS = 30
# Every signature of a petition is anonymised this many months after it closes.
PETITION_ANONYMISE_AFTER_MONTHS = env.int("PETITION_ANONYMISE_AFTER_MONTHS", default=6)
# Backups (scripts/backup.sh, compose's backup service): one every BACKUP_INTERVAL_SECONDS, the
# newest BACKUP_KEEP kept. The privacy page says how long a deletion lives on in them.
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
BACKUP_INTERVAL_SECONDS = env.int("BACKUP_INTERVAL_SECONDS", default=86400)
# Exports: beyond this many rows the export page writes the file in a background task
# (the page's streaming response stays well inside gunicorn's 60 s worker timeout).
PETITION_EXPORT_ASYNC_THRESHOLD = env.int("PETITION_EXPORT_ASYNC_THRESHOLD", default=50000)
# An XLSX file is zipped whole before its first byte can go out, and costs about 20 times
# the CPU of CSV per row: its page limit is lower.
PETITION_EXPORT_ASYNC_THRESHOLD_XLSX = env.int("PETITION_EXPORT_ASYNC_THRESHOLD_XLSX", default=10000)
# A prepared export file can be downloaded by its owner for this long, then it is deleted.
PETITION_EXPORT_FILE_HOURS = env.int("PETITION_EXPORT_FILE_HOURS", default=24)

# --- Logging: never personal data ---------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Django logs the path of every 4xx ("Gone: /petitions/confirm/<token>/"): signed links are redacted.
    "filters": {"redact_tokens": {"()": "campaign.log_redaction.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django logs request lines with query strings; tokens are in paths, never emails.
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
# An update to supporters sent to more than this many people needs an Administrator's approval first.
UPDATE_APPROVAL_THRESHOLD = env.int("UPDATE_APPROVAL_THRESHOLD", default=1000)
# While signers are arriving, an update's sender rests this many times as long as each batch took
# (9: about a tenth of its speed), so signing and confirmation emails go first. 0: it never rests.
UPDATE_YIELD_FACTOR = env.float("UPDATE_YIELD_FACTOR", default=9.0)
