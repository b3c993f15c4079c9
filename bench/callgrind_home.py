"""Instructions per home page view, with and without each speed-up, counted by callgrind in one
process (a count of instructions does not drift with the load of a shared machine, as time does).

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/home.%p \\
        .venv/bin/python bench/callgrind_home.py [N] [ROUNDS] [READ_CACHE_SECONDS]
    .venv/bin/python bench/callgrind_home.py --report /tmp/cg/home.<pid>

The view runs through Django's WSGI handler and every middleware, N times per variant, for a new
visitor each time (no CSRF cookie: the page draws a secret and a mask), rounds of all variants
in turn. Each variant's share of the run is dumped on its own (CALLGRIND_DUMP_STATS_AT, through a
two-line C helper built here), so the setup is not counted. The variants:

  kept      the CSRF strings of campaign.csrf_tokens, the petition's row read in hand-written SQL
            (as campaign/petitions/selectors.py did until this measurement)
  no-csrf   Django's own CSRF strings (get_random_string), the SQL
  no-sql    our CSRF strings, the row read through the ORM (the selectors as they are now)
  neither   Django's CSRF strings and the ORM

READ_CACHE_SECONDS is PETITION_READ_CACHE_SECONDS: 0 reads the petition's row in every view (the
SQL's largest possible share); 1 is production's, and under callgrind's slowdown a view then
still reads far more often than a busy server does. Needs the database in DATABASE_URL migrated
and seeded (manage.py migrate; manage.py seed_campaign).
"""

import ctypes
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

VARIANTS = ("kept", "no-csrf", "no-sql", "neither")
HELPER = r"""
#include <valgrind/callgrind.h>
void dump_at(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


def _helper():
    """dump_at(name): callgrind writes what was counted since the last dump, under `name`.
    Outside valgrind the request is a no-op."""
    build = Path(tempfile.mkdtemp(prefix="callgrind-home-"))
    (build / "dump.c").write_text(HELPER)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", build / "dump.so", build / "dump.c"], check=True)
    return ctypes.CDLL(str(build / "dump.so")).dump_at


def run(n: int, rounds: int, read_cache_seconds: float) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a migrated and seeded PostgreSQL database.")
    # Production's settings, as bench/stack.py runs them (no mail is sent).
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
    from django.middleware import csrf
    from django.test import RequestFactory
    from django.utils.crypto import get_random_string

    from campaign import csrf_tokens
    from campaign.petitions import selectors
    from campaign.petitions.models import Petition

    settings.PETITION_READ_CACHE_SECONDS = read_cache_seconds
    # The rendered page is kept a minute (content.views), a minute callgrind's slowdown would pass
    # within a run: kept for the run, so that no variant is charged a render (in a surge a
    # process renders it once a minute).
    from campaign.content import views as content_views

    content_views.HOME_CACHE_SECONDS = 10**9

    # The reads the selectors made in hand-written SQL until this measurement (issue 15): the
    # same columns, compiled by nobody.
    text_columns = ", ".join(f"{field}_{code}" for field in ("title", "text") for code, _name in settings.LANGUAGES)
    featured_query = (
        f"SELECT id, slug, title, text, {text_columns}, goal, signature_count, closes_at, closed_at"
        f" FROM {Petition._meta.db_table} ORDER BY is_featured DESC, created_at DESC LIMIT 1"
    )

    def featured_sql():
        return selectors._recently_read(("featured",), lambda: next(iter(Petition.objects.raw(featured_query)), None))

    featured_orm = selectors.petition_featured

    def django_string():  # django.middleware.csrf._get_new_csrf_string, as Django writes it
        return get_random_string(csrf.CSRF_SECRET_LENGTH, allowed_chars=csrf.CSRF_ALLOWED_CHARS)

    choices = {
        "kept": (csrf_tokens.new_csrf_string, featured_sql),
        "no-csrf": (django_string, featured_sql),
        "no-sql": (csrf_tokens.new_csrf_string, featured_orm),
        "neither": (django_string, featured_orm),
    }
    handler = WSGIHandler()
    environ = RequestFactory()._base_environ(
        PATH_INFO="/en/", REQUEST_METHOD="GET", HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en"
    )

    def view() -> bytes:
        status = []
        body = b"".join(handler(dict(environ), lambda s, h, *a: status.append(s)))
        assert status[0].startswith("200") and b"csrfmiddlewaretoken" in body, status
        return body

    dump_at = _helper()
    pages = set()
    for name in VARIANTS:  # each path once, so that no variant pays for a first import or compile
        csrf._get_new_csrf_string, selectors.petition_featured = choices[name]
        selectors._recent.clear()
        pages.add(re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", view()))
    assert len(pages) == 1, "every variant serves the same page"
    dump_at(b"setup")
    for r in range(rounds):
        for name in VARIANTS:
            csrf._get_new_csrf_string, selectors.petition_featured = choices[name]
            selectors._recent.clear()
            for _ in range(n):
                view()
            dump_at(f"{name} round={r} n={n}".encode())


def report(base: str) -> None:
    """Instructions per view for each variant, from the dumps of one run (`base`.1, .2, ...)."""
    per_view = defaultdict(list)
    for part in sorted(Path(base).parent.glob(Path(base).name + ".*")):
        text = part.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (\S+) round=(\d+) n=(\d+)", text, re.M)
        totals = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if trigger and totals:
            per_view[trigger.group(1)].append(int(totals.group(1)) / int(trigger.group(3)))
    kept = sum(per_view["kept"]) / len(per_view["kept"])
    print(f"{'variant':<9} {'instructions per view (each round)':<52} {'mean':>10} {'vs kept':>8}")
    for name in VARIANTS:
        values = per_view[name]
        mean = sum(values) / len(values)
        rounds = ", ".join(f"{v:,.0f}" for v in values)
        print(f"{name:<9} {rounds:<52} {mean:>10,.0f} {100 * (mean / kept - 1):>+7.2f}%")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report"]:
        report(sys.argv[2])
    else:
        args = sys.argv[1:]
        run(
            int(args[0]) if args else 200,
            int(args[1]) if len(args) > 1 else 3,
            float(args[2]) if len(args) > 2 else 0.0,
        )
