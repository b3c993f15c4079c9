#!/usr/bin/env python
"""The benchmark: start the production-shaped stack locally, load it, compare with baselines.

    make bench                        # the full run
    .venv/bin/python bench/run.py --quick            # short runs, 200,000 stored rows
    .venv/bin/python bench/run.py --only signing     # one scenario (repeatable)
    .venv/bin/python bench/run.py --keep-db ...      # then --reuse-db, bench/profile_requests.py

The stack (bench/stack.py): gunicorn (campaign/gunicorn.conf.py, DEBUG off) with the bench's
URLconf (the product's URLs plus two baseline views), PostgreSQL database `campaign_bench`
(dropped and created), Redis db 6, one Celery worker, and an SMTP sink, on free ports in
8600-8699. Load comes from wrk (bench/load.py). Every figure is a ratio against a baseline
measured in the same run, on the same server, because absolute figures on a shared machine
drift. The signing ratio and the scale comparison (a second server over an empty database)
come from alternating rounds, the median of the pairs. The scenarios are in bench/scenarios/.

Results: a table on stdout and bench/results/latest.json (bench/report.py); exit status 1 if a
target is missed. The database is dropped at the end unless kept. Besides throughput, the CPU
time the stack's own processes spend per request is recorded: on a shared machine it drifts far
less. Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_WORKER_CONCURRENCY, and gunicorn's
GUNICORN_WORKERS / GUNICORN_THREADS, to try other settings without editing anything.
How it measures and what it found: docs/performance.md.
"""

import argparse
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Run as a script (`python bench/run.py`): the project's root is what the imports start from.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import report  # noqa: E402
from bench.scenarios import SCENARIOS  # noqa: E402
from bench.stack import DATABASE_URL, ROOT, BenchStack, database_drop  # noqa: E402

RESULTS = ROOT / "bench" / "results"


@dataclass
class Context:
    """What the scenarios are given: the stack, and how long and how large to make each run."""

    stack: BenchStack
    seconds: int  # the main signing run
    rows: int  # stored signatures for the scale and export scenarios
    emails: int  # emails the email scenario sends
    email_bound: int  # seconds the worker gets to drain them
    backlog: int  # emails waiting when the provider recovers (backlog scenario)
    backlog_rate: float  # the provider's configured rate for it, messages per second
    updates: int  # opted-in supporters an update goes to (update scenario)
    rounds: int  # alternating rounds for the signing ratio and the scale comparison
    round_seconds: int


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s runs, 1,000 emails, 200,000 stored rows")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), help="run only this scenario (repeatable)")
    parser.add_argument("--seconds", type=int, help="length of the main signing run (default 60, quick 10)")
    parser.add_argument("--rows", type=int, help="stored signatures for the scale and export scenarios")
    parser.add_argument(
        "--reuse-db", action="store_true", help="use the database a --keep-db run left (implies --keep-db)"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database afterwards (for --reuse-db and profiling)"
    )
    parser.add_argument("--backlog", type=int, help="emails in the backlog scenario (default 100,000, quick 10,000)")
    parser.add_argument("--updates", type=int, help="supporters in the update scenario (default 100,000, quick 20,000)")
    parser.add_argument("--backlog-rate", type=float, default=500.0, help="the provider's rate there (messages/s)")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    parser.add_argument(
        "--serve", action="store_true", help="start the stack and keep it up (for profiling) until stopped"
    )
    args = parser.parse_args(argv)

    rounds, round_seconds = (4, 5) if args.quick else (6, 10)
    ctx = Context(
        stack=BenchStack("bench-" + secrets.token_urlsafe(40)),
        seconds=args.seconds or (10 if args.quick else 60),
        rows=args.rows or (200_000 if args.quick else 1_000_000),
        emails=1_000 if args.quick else 5_000,
        email_bound=60 if args.quick else 180,
        backlog=args.backlog or (10_000 if args.quick else 100_000),
        backlog_rate=args.backlog_rate,
        updates=args.updates or (20_000 if args.quick else 100_000),
        rounds=rounds,
        round_seconds=round_seconds,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    info = report.machine_info()
    ctx.stack.up(reuse_db=args.reuse_db)
    if args.serve:
        print(f"bench: stack up at {ctx.stack.base} (SMTP sink on {ctx.stack.sink.port}); stop with Ctrl-C", flush=True)
        try:
            while all(ctx.stack.alive(name) for name in ("gunicorn", "worker", "sink")):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        ctx.stack.stop_all()
        return 0
    results = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "quick": args.quick,
        "machine": info,
        "scenarios": {},
    }
    try:
        for name in args.only or SCENARIOS:
            print(f"bench: {name} ...", flush=True)
            started = time.monotonic()
            results["scenarios"][name] = SCENARIOS[name](ctx)
            results["scenarios"][name]["wall_seconds"] = round(time.monotonic() - started, 1)
    finally:
        ctx.stack.stop_all()
        if not (args.keep_db or args.reuse_db or args.serve):
            database_drop(DATABASE_URL)
    return 0 if report.finish(results, args.output) else 1


if __name__ == "__main__":
    sys.exit(main())
