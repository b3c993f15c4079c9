"""CPU per confirmation email of the outbox's sender, in-process, against the bench's SMTP sink.

    .venv/bin/python bench/smtp_sink.py 8625 &          # the sink, if no bench stack is up
    .venv/bin/python bench/profile_sender.py [N]        # CPU and wall time per email
    PROFILE_CPU=1 .venv/bin/python bench/profile_sender.py [N]   # and cProfile's table, CPU time only

Needs the database `bench/run.py --keep-db` leaves (PostgreSQL `campaign_bench`): the newest N
signatures (default 3000; loaded as the scale scenario loads them if there are fewer) are put back
in the outbox and sent by `sending.send_due`, as a worker does.
"""

import os
import sys
import time

os.environ.update(
    DJANGO_SETTINGS_MODULE="campaign.settings",
    DEBUG="False",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-profile-" + "x" * 40),
    ALLOWED_HOSTS="127.0.0.1",
    DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/campaign_bench"),
    REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    EMAIL_URL="smtp://127.0.0.1:8625",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from campaign.outbox import sending  # noqa: E402
from campaign.petitions.models import Signature  # noqa: E402

count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
if Signature.objects.count() < count:
    from bench.scenarios.scale import signatures_clear, signatures_load  # the bench's loader

    signatures_clear()
    signatures_load(count)
ids = list(Signature.objects.order_by("-pk").values_list("pk", flat=True)[:count])


def back_in_the_outbox():
    Signature.objects.filter(pk__in=ids).update(email_state="pending", email_attempts=0, email_requests=1)


back_in_the_outbox()
sending.send_due(batch_size=sending.BATCH_SIZE)  # warm-up: connections, templates
back_in_the_outbox()
if os.environ.get("PROFILE_CPU") == "1":
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    sending.send_due(batch_size=sending.BATCH_SIZE)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(30)
    sys.exit(0)
cpu, wall = time.process_time(), time.perf_counter()
result, _more = sending.send_due(batch_size=sending.BATCH_SIZE)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(
    f"sent {result.sent}: {1e6 * cpu / max(1, result.sent):.0f} us CPU, {1e6 * wall / max(1, result.sent):.0f} us wall per email"
)
