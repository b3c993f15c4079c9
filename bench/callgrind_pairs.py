"""Instructions per request for the supporter's hot paths, counted by callgrind in one process,
written to run unchanged on two checkouts (before and after) so that their counts compare.

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/<side>.%p \\
        .venv/bin/python bench/callgrind_pairs.py [N] [ROUNDS] [READ_CACHE_SECONDS]
    .venv/bin/python bench/callgrind_pairs.py --report /tmp/cg/before.<pid> /tmp/cg/after.<pid>

The paths, each through Django's WSGI handler and every middleware, N times per round:

  sign    the sign form's POST: a new valid signature each time (its own name, address, client
          address and /24, one of ~1,000 email domains), what the project does in-process:
          the row's INSERT, then on commit the rate-limit counters and the sender's wake-up in
          Redis (no email is sent in the process; a Celery worker would send it)
  home    the home page for a new visitor (no cookie: a CSRF secret is drawn)
  count   count.json
  thanks  the thank-you page, with the cookies the sign POST set (as the browser arrives)

Each path's share is dumped on its own (CALLGRIND_DUMP_STATS_AT through a two-line C helper
built here), so setup and first imports are not counted. Only Python's own process is counted:
PostgreSQL's and Redis's work is not (their share is measured elsewhere: the wrk figures).

READ_CACHE_SECONDS is PETITION_READ_CACHE_SECONDS. The default, 1e9, keeps the petition's row
for the whole run (a busy server's steady state, and deterministic); 0 reads it in every
request. The rendered home page is kept for the run either way (production: a minute), so no
path is charged a render. Only settings and URLs both checkouts have are used.
Needs DATABASE_URL migrated and seeded (manage.py migrate; manage.py seed_campaign) and
REDIS_URL (the counters and the wake-up flag live there, as in production).
"""

import ctypes
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from http.cookies import SimpleCookie
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

PATHS = ("sign", "home", "count", "thanks")
HELPER = r"""
#include <valgrind/callgrind.h>
void dump_at(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


def _helper():
    """dump_at(name): callgrind writes what was counted since the last dump, under `name`.
    Outside valgrind the request is a no-op."""
    build = Path(tempfile.mkdtemp(prefix="callgrind-pairs-"))
    (build / "dump.c").write_text(HELPER)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", build / "dump.so", build / "dump.c"], check=True)
    return ctypes.CDLL(str(build / "dump.so")).dump_at


def _letters(n: int) -> str:
    """A name whose letters differ for every n (the name-burst check ignores digits)."""
    out = []
    while True:
        n, d = divmod(n, 26)
        out.append("abcdefghijklmnopqrstuvwxyz"[d])
        if n == 0:
            return "".join(out)


def run(n: int, rounds: int, read_cache_seconds: float) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a migrated and seeded PostgreSQL database.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: the signing path's counters live in Redis, as in production.")
    # Production's settings, as bench/stack.py runs them (no mail is sent in this process).
    for name, value in {
        "DJANGO_SETTINGS_MODULE": "campaign.settings",
        "DEBUG": "False",
        "SECRET_KEY": "callgrind-" + "x" * 50,
        "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "False",
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "LOG_LEVEL": "WARNING",
    }.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    from campaign.content import views as content_views
    from campaign.petitions.models import Petition

    settings.PETITION_READ_CACHE_SECONDS = read_cache_seconds
    content_views.HOME_CACHE_SECONDS = 10**9
    petition = Petition.objects.order_by("-is_featured", "-created_at").first()
    assert petition is not None, "seed the database first (manage.py seed_campaign)"
    slug = petition.slug
    handler = WSGIHandler()
    factory = RequestFactory()
    run_tag = os.urandom(3).hex()  # each run's addresses are new to the database
    counter = iter(range(10**9))

    def call(path, method="GET", cookies=None, body=b"", remote="127.0.0.1"):
        environ = factory._base_environ(
            PATH_INFO=path,
            REQUEST_METHOD=method,
            HTTP_HOST="localhost",
            HTTP_ACCEPT_LANGUAGE="en",
            REMOTE_ADDR=remote,
        )
        if cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if method == "POST":
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = BytesIO(body)
        started = []
        out = b"".join(handler(environ, lambda status, headers, *a: started.append((status, headers))))
        status, headers = started[0]
        jar = SimpleCookie()
        for key, value in headers:
            if key.lower() == "set-cookie":
                jar.load(value)
        return status, {k: m.value for k, m in jar.items()}, out

    sign_path = f"/en/petitions/{slug}/"
    status, jar, page = call(sign_path)
    assert status.startswith("200"), status
    csrf_cookie = jar["csrftoken"]
    csrf_form = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    thanks_cookies = {"csrftoken": csrf_cookie}

    def sign():
        i = next(counter)
        form = {
            "csrfmiddlewaretoken": csrf_form,
            "name": f"Bench {_letters(i)} {run_tag}",
            "email": f"cg.{run_tag}.{i}@d{i % 997}.bench.example",
            "country": "KZ",
            "keep_updated": "on",
        }
        remote = f"10.{(i // 256) % 256}.{i % 256}.{1 + (i // 65536) % 250}"
        status, jar, _body = call(
            sign_path, "POST", cookies={"csrftoken": csrf_cookie}, body=urlencode(form).encode(), remote=remote
        )
        assert status.startswith("302"), status
        thanks_cookies.update(jar)

    def home():
        status, _jar, body = call("/en/")
        assert status.startswith("200") and b"csrfmiddlewaretoken" in body, status

    def count():
        status, _jar, body = call(f"/petitions/{slug}/count.json")
        assert status.startswith("200") and b'"count"' in body, status

    def thanks():
        status, _jar, _body = call(f"/en/petitions/{slug}/thanks/", cookies=thanks_cookies)
        assert status.startswith("200"), status

    paths = {"sign": sign, "home": home, "count": count, "thanks": thanks}
    dump_at = _helper()
    for name in PATHS:  # each path twice first, so that none pays for a first import or compile
        paths[name]()
        paths[name]()
    dump_at(b"setup")
    for r in range(rounds):
        for name in PATHS:
            for _ in range(n):
                paths[name]()
            dump_at(f"{name} round={r} n={n}".encode())


def per_request(base: str) -> dict[str, list[float]]:
    """Instructions per request for each path, one value per round, from one run's dumps."""
    values = defaultdict(list)
    for part in sorted(Path(base).parent.glob(Path(base).name + ".*"), key=lambda p: int(p.suffix[1:])):
        text = part.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+) round=(\d+) n=(\d+)", text, re.M)
        totals = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if trigger and totals:
            values[trigger.group(1)].append(int(totals.group(1)) / int(trigger.group(3)))
    return values


def report(before: str, after: str) -> None:
    old, new = per_request(before), per_request(after)
    print(f"{'path':<7} {'before (rounds)':<34} {'after (rounds)':<34} {'before':>10} {'after':>10} {'ratio':>6}")
    for name in PATHS:
        if not old.get(name) or not new.get(name):
            continue
        a, b = sum(old[name]) / len(old[name]), sum(new[name]) / len(new[name])
        rounds_a = ", ".join(f"{v:,.0f}" for v in old[name])
        rounds_b = ", ".join(f"{v:,.0f}" for v in new[name])
        print(f"{name:<7} {rounds_a:<34} {rounds_b:<34} {a:>10,.0f} {b:>10,.0f} {b / a:>6.3f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report"]:
        report(sys.argv[2], sys.argv[3])
    else:
        args = sys.argv[1:]
        run(
            int(args[0]) if args else 100,
            int(args[1]) if len(args) > 1 else 3,
            float(args[2]) if len(args) > 2 else 1e9,
        )
