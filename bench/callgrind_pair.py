"""Instructions per request (and per email sent) in one tree of the code, counted by callgrind in
one process, so that two trees can be compared on a shared machine (a count of instructions does
not drift with the machine's load, as time does). Written for issue 15's before/after pair.

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/pair-TAG.%p \\
        .venv/bin/python bench/callgrind_pair.py TREE [ROUNDS]
    .venv/bin/python bench/callgrind_pair.py --report /tmp/cg/pair-before.<pid> /tmp/cg/pair-after.<pid>

TREE is the checkout whose code runs (its `campaign` package goes first on sys.path); the same
script runs in every tree. Modules the split moved are imported from whichever path exists
(`campaign.outbox.sending` or `campaign.petitions.outbox`). Each round runs every scenario in
turn; each scenario's share is dumped on its own (CALLGRIND_DUMP_STATS_AT, through a two-line C
helper built here), so setup and warm-up are not counted:

  home    GET /en/ through Django's WSGI handler and every middleware, a new visitor each time
          (no cookie: the page draws a CSRF secret); the rendered page is kept for the run
  sign    POST /en/petitions/<slug>/ with a new valid signature each time (its own name, email and
          address), CSRF cookie and token as a browser sends them; Celery eager, as the in-process
          tests run it, so the request also sends the signature's email (locmem backend)
  count   GET /petitions/<slug>/count.json
  outbox  the sender's send_due over BATCH_EMAILS due emails (rows written before the dump),
          through Django's locmem email backend; counted per email

Settings as production's (DEBUG off, Redis cache in REDIS_URL), except, set after start-up as the
in-process tests set them: Celery eager, the locmem email backend, the petition's row read afresh in every request (PETITION_READ_CACHE_SECONDS=0,
so that no count depends on the clock), and rate limits high enough that no signature is held.
Needs DATABASE_URL migrated and seeded (manage.py migrate; manage.py seed_campaign).
"""

import ctypes
import importlib
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

SCENARIOS = {"home": 20, "sign": 12, "count": 40, "outbox": 100}  # requests (emails) per round
HELPER = r"""
#include <valgrind/callgrind.h>
void dump_at(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


def _helper():
    """dump_at(name): callgrind writes what was counted since the last dump, under `name`.
    Outside valgrind the request is a no-op."""
    build = Path(tempfile.mkdtemp(prefix="callgrind-pair-"))
    (build / "dump.c").write_text(HELPER)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", build / "dump.so", build / "dump.c"], check=True)
    return ctypes.CDLL(str(build / "dump.so")).dump_at


def _first_module(*names):
    """The first of these modules that exists in this tree (the split moved some)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise ModuleNotFoundError(names)


def run(tree: Path, rounds: int) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (migrated, seeded PostgreSQL) and REDIS_URL.")
    for name, value in {
        "DJANGO_SETTINGS_MODULE": "campaign.settings",
        "DEBUG": "False",
        "SECRET_KEY": "callgrind-" + "x" * 50,
        "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "False",
        "EMAIL_URL": "smtp://127.0.0.1:2525",  # production's settings want one; locmem is set below
        "LOG_LEVEL": "WARNING",
        **{f"PETITION_RATE_{k}": str(10**9) for k in ("IP", "SUBNET", "DOMAIN", "NAME", "RESEND")},
    }.items():
        os.environ[name] = value
    os.chdir(tree)
    sys.path.insert(0, str(tree))
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory
    from django.utils import timezone

    from campaign.celery import app
    from campaign.content import views as content_views
    from campaign.petitions.models import Petition, Signature

    assert campaign_root(tree), "the tree's own campaign package runs"
    sending = _first_module("campaign.outbox.sending", "campaign.petitions.outbox")
    print(f"tree {tree}: outbox from {sending.__name__}", file=sys.stderr)

    app.conf.task_always_eager = True  # as tests/conftest.py's in-process tier
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # as that tier too
    settings.PETITION_READ_CACHE_SECONDS = 0
    content_views.HOME_CACHE_SECONDS = 10**9  # rendered once, kept for the run (as callgrind_home.py)
    petition = Petition.objects.order_by("-is_featured", "-created_at").first()
    handler = WSGIHandler()
    factory = RequestFactory()

    def call(environ, expect: str) -> tuple[str, list, bytes]:
        seen = []
        body = b"".join(handler(environ, lambda s, h, *a: seen.append((s, h))))
        status, headers = seen[0]
        assert status.startswith(expect), (status, body[:300])
        return status, headers, body

    home_environ = factory._base_environ(
        PATH_INFO="/en/", REQUEST_METHOD="GET", HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en"
    )
    count_environ = factory._base_environ(
        PATH_INFO=f"/petitions/{petition.slug}/count.json", REQUEST_METHOD="GET", HTTP_HOST="localhost"
    )

    def home():
        _s, _h, body = call(dict(home_environ), "200")
        assert b"csrfmiddlewaretoken" in body

    def count():
        call(dict(count_environ), "200")

    # A browser that loaded the page first: its CSRF cookie and the form's token.
    _s, headers, body = call(dict(home_environ), "200")
    cookies = [v.split(";")[0].strip() for k, v in headers if k == "Set-Cookie"]
    cookie = next(c for c in cookies if c.startswith(settings.CSRF_COOKIE_NAME + "="))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    sign_path = f"/en/petitions/{petition.slug}/"
    start = Signature.objects.count()  # 0 on a fresh database, as in every measured run
    signed = [start]

    def sign():
        i = signed[0] = signed[0] + 1
        request = factory.post(
            sign_path,
            {
                "name": f"Signer {i}",
                "email": f"signer{i}@example.org",
                "country": "KZ",
                "csrfmiddlewaretoken": token,
            },
            HTTP_HOST="localhost",
            HTTP_ACCEPT_LANGUAGE="en",
            HTTP_COOKIE=cookie,
            REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
        )
        sent = len(mail.outbox)
        call(request.environ, "302")
        assert len(mail.outbox) == sent + 1, "the signature's email went out within its request"

    due = [start]
    # The address's unique key: its blind index since issue 18, its canonical form before.
    key = "email_index" if any(f.name == "email_index" for f in Signature._meta.fields) else "email_canonical"

    def write_due(n: int) -> None:
        """n pending signatures, their emails due now (outside what is counted)."""
        now = timezone.now()
        rows = []
        for _ in range(n):
            i = due[0] = due[0] + 1
            rows.append(
                Signature(
                    petition=petition,
                    name=f"Queued {i}",
                    email=f"queued{i}@example.net",
                    **{key: f"queued{i}@example.net"},
                    email_domain="example.net",
                    country="KZ",
                    language="en",
                    consent_version=settings.PETITION_CONSENT_VERSION,
                    email_due_at=now,
                )
            )
        Signature.objects.bulk_create(rows)

    def outbox(n: int) -> None:
        outcome, _left = sending.send_due(budget_seconds=10**9)  # callgrind is slow: no time budget
        assert outcome.sent == n, (outcome, n)

    mail.outbox = []
    dump_at = _helper()
    # Warm-up: every path once or more, so that no scenario pays for a first import or compile.
    for _ in range(3):
        home()
        count()
        sign()
    write_due(40)
    outbox(40)
    dump_at(b"setup")
    for r in range(rounds):
        for name, n in SCENARIOS.items():
            if name == "outbox":
                # Written just before (a signature's request, eager, would send them itself).
                mail.outbox = []
                write_due(n)
                dump_at(b"setup")
                outbox(n)
            else:
                step = {"home": home, "sign": sign, "count": count}[name]
                for _ in range(n):
                    step()
            dump_at(f"{name} round={r} n={n}".encode())
        assert len(mail.outbox) == SCENARIOS["outbox"]
    print(f"tree {tree}: {signed[0]} signed, {due[0]} queued", file=sys.stderr)


def campaign_root(tree: Path) -> bool:
    import campaign

    return Path(campaign.__file__).resolve().parent.parent == tree.resolve()


def per_unit(base: str) -> dict[str, list[float]]:
    """Instructions per request (per email for outbox) in each round, from one run's dumps."""
    values = defaultdict(list)
    for part in sorted(Path(base).parent.glob(Path(base).name + ".*"), key=lambda p: int(p.suffix[1:])):
        text = part.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+) round=(\d+) n=(\d+)", text, re.M)
        totals = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if trigger and totals:
            values[trigger.group(1)].append(int(totals.group(1)) / int(trigger.group(3)))
    return values


def report(before: str, after: str) -> None:
    b, a = per_unit(before), per_unit(after)
    print(
        f"{'scenario':<8} {'side':<6} {'instructions per request or email, each round':<48} {'mean':>11}  after/before"
    )
    for name in SCENARIOS:
        means = {}
        for side, values in (("before", b[name]), ("after", a[name])):
            means[side] = sum(values) / len(values)
            spread = 100 * (max(values) - min(values)) / means[side]
            rounds = ", ".join(f"{v:,.0f}" for v in values)
            print(f"{name:<8} {side:<6} {rounds:<48} {means[side]:>11,.0f}  (spread {spread:.2f}%)")
        print(f"{'':<8} {'ratio':<6} {'':<48} {'':>11}  {means['after'] / means['before']:.4f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report"]:
        report(sys.argv[2], sys.argv[3])
    else:
        run(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)
