"""Profile one kind of request in-process, with the bench stack's settings, under pyinstrument.

    .venv/bin/python bench/profile_requests.py sign|bare|home|count|static [N]

Needs the database and Redis that `bench/run.py --keep-db` leaves behind (PostgreSQL
`campaign_bench`, Redis db 6), an SMTP sink is not needed (nothing is sent in-process).
Prints pyinstrument's tree for N requests (default 300) after 20 warm-up requests.
"""

import itertools
import os
import re
import sys
from urllib.parse import urlencode

os.environ.update(
    DJANGO_SETTINGS_MODULE="bench.settings",
    DEBUG="False",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-profile-" + "x" * 40),
    ALLOWED_HOSTS="127.0.0.1",
    SECURE_SSL_REDIRECT="False",
    TRUSTED_PROXY_COUNT="1",
    DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/campaign_bench"),
    REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    LOG_LEVEL="WARNING",
    # Production refuses to start without a real mail route; no email leaves these profiles.
    EMAIL_URL="smtp://127.0.0.1:8625",
)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.test import Client  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

SLUG = "free-kazakhstan-detainees"
kind = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
page = client.get(f"/en/petitions/{SLUG}/")
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
cookie = client.cookies["csrftoken"].value
counter = itertools.count()
run = f"prof{os.getpid()}"


def one():
    n = next(counter)
    if kind in ("sign", "bare"):
        path = f"/en/petitions/{SLUG}/" if kind == "sign" else "/bench/bare-insert/"
        data = {
            "csrfmiddlewaretoken": token,
            "name": f"Profile {'abcdefghij'[n % 10]}{'klmnopqrst'[n // 10 % 10]}{'uvwxyz'[n // 100 % 6]}",
            "email": f"{run}.{n}@d{n % 997}.bench.example",
            "country": "KZ",
            "show_publicly": "on",
            "website": "",
        }
        response = client.post(
            path,
            urlencode(data),
            content_type="application/x-www-form-urlencoded",  # as browsers and wrk send it
            HTTP_X_FORWARDED_FOR=f"100.{n // 256 % 256}.{n % 256}.1",
        )
        assert response.status_code == 302, response.status_code
    elif kind == "home":
        assert client.get("/en/").status_code == 200
    elif kind == "static":
        assert client.get("/bench/static/?bytes=27000").status_code == 200
    elif kind == "count":
        assert client.get(f"/petitions/{SLUG}/count.json").status_code == 200


for _ in range(20):
    one()
if os.environ.get("PROFILE_TIME") == "1":  # no profiler: CPU and wall time per request
    import time

    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        one()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{kind}: {1000 * cpu / count:.2f} ms CPU, {1000 * wall / count:.2f} ms wall per request")
    sys.exit(0)
if os.environ.get("PROFILE_CPU") == "1":  # deterministic, CPU time only: waiting does not count
    import cProfile
    import pstats
    import time

    cprof = cProfile.Profile(time.process_time)
    cprof.enable()
    for _ in range(count):
        one()
    cprof.disable()
    stats = pstats.Stats(cprof)
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    if os.environ.get("PROFILE_CALLEES"):  # e.g. send_task: what it spends its time on
        stats.print_callees(os.environ["PROFILE_CALLEES"])
    else:
        stats.print_stats(int(os.environ.get("PROFILE_LINES", "60")))
    sys.exit(0)
profiler = Profiler(interval=0.0005)
profiler.start()
for _ in range(count):
    one()
profiler.stop()
focus = os.environ.get("PROFILE_FOCUS")  # a function name: print its subtree, 6 levels deep


def merged(frames):
    """Sum frames that are the same function at the same place in the tree."""
    groups = {}
    for frame in frames:
        key = (frame.function, frame.file_path_short, frame.line_no)
        groups.setdefault(key, []).append(frame)
    return sorted(((key, group) for key, group in groups.items()), key=lambda kv: -sum(f.time for f in kv[1]))


def walk(key, frames, depth, limit):
    total = sum(f.time for f in frames)
    if depth > limit or total < 0.02:
        return
    print(f"{'  ' * depth}{total:7.3f} {key[0]}  {key[1]}:{key[2]}")
    for child_key, group in merged([c for f in frames for c in f.children]):
        walk(child_key, group, depth + 1, limit)


def find(frame, name, found):
    if frame.function == name:
        found.append(frame)
        return
    for child in frame.children:
        find(child, name, found)


if focus:
    found = []
    find(profiler.last_session.root_frame(), focus, found)
    for key, group in merged(found):
        walk(key, group, 0, int(os.environ.get("PROFILE_DEPTH", "6")))
elif os.environ.get("PROFILE_FLAT") == "1":  # self time per function, the biggest first
    print(profiler.output_text(unicode=True, color=False, flat=True, show_all=True)[:6000])
else:
    print(profiler.output_text(unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"))
