"""A backlog drained at the provider's configured rate after an outage: N emails waiting, the
sink answering 421 for the first seconds (the provider down), then accepting. Measures the rate
the backlog went out at, against the one configured, and what was lost or sent twice."""

import subprocess
import sys
import time

from bench.load import drain, run_tag
from bench.report import target
from bench.scenarios.email import outbox_fill
from bench.stack import BENCH, ROOT, scalar

OUTAGE_SECONDS = 10
# The pause after a refusal, short for the bench (production's default is 5 s, up to 300 s).
PAUSE = {"PETITION_EMAIL_PAUSE_SECONDS": "1", "PETITION_EMAIL_PAUSE_MAX_SECONDS": "4"}


def scenario_backlog(ctx):
    stack, sink = ctx.stack, ctx.stack.sink
    count, rate = ctx.backlog, ctx.backlog_rate
    tag = run_tag("q")
    stack.stop_workers()
    stack.broker_purge()
    outbox_fill(count, tag)
    saved = dict(stack.env)
    stack.env.update(PETITION_EMAIL_RATE=str(rate), **PAUSE)
    try:
        sink.reset()
        stack.start_worker()
        sink.down(OUTAGE_SECONDS)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, str(BENCH / "enqueue.py")], cwd=ROOT, env=stack.env, check=True, capture_output=True
        )
        drain(sink, count, bound=OUTAGE_SECONDS + 2 * count / rate + 60, stall=60)
        wall = time.monotonic() - started
        time.sleep(3)  # a message sent twice would arrive meanwhile
        stat = sink.stat()
        not_sent = scalar(
            "SELECT count(*) FROM petitions_signature WHERE email_domain LIKE %s AND email_state <> 'sent'",
            [f"%.{tag}.bench.example"],
        )
    finally:
        stack.stop_workers()
        stack.broker_purge()
        stack.env.clear()
        stack.env.update(saved)
        stack.start_worker()
    delivered, unique = stat["messages"], stat["unique"]
    per_s = round((delivered - 1) / (stat["last"] - stat["first"]), 1) if delivered > 1 else 0.0
    lost, twice = count - unique, delivered - unique
    print(
        f"bench: backlog {count:,} at {rate:g}/s after a {OUTAGE_SECONDS} s outage: {per_s:,.1f} emails/s, "
        f"lost {lost}, sent twice {twice}, refused during the outage {stat['refused']}, "
        f"still pending {not_sent}, {wall:.0f} s in all",
        flush=True,
    )
    return {
        "backlog": count,
        "configured_per_s": rate,
        "outage_seconds": OUTAGE_SECONDS,
        "drained_per_s": per_s,
        "lost": lost,
        "sent_twice": twice,
        "refused_during_outage": stat["refused"],
        "still_pending": not_sent,
        "worker_concurrency": stack.concurrency,
        "targets": [
            target("emails lost", lost, "<=", 0),
            target("emails sent twice", twice, "<=", 0),
            target("drain rate / configured", round(per_s / rate, 3), "<=", 1.05),
            target("drain rate / configured (the worker keeps up)", round(per_s / rate, 3), ">=", 0.8),
        ],
    }
