"""The worker alone: N signatures waiting in the outbox, the sender woken, drained to the sink;
against a raw smtplib loop sending messages of the same size over one connection."""

import resource
import smtplib
import subprocess
import sys

from bench.load import cpu_per_request, cpu_snapshot, drain, run_tag
from bench.report import TARGETS, target
from bench.stack import BENCH, ROOT, SLUG, seal_loaded, sql


def scenario_email(ctx):
    stack, sink = ctx.stack, ctx.stack.sink
    count = ctx.emails
    tag = run_tag("m")
    stack.stop_workers()
    outbox_fill(count, tag)
    subprocess.run(
        [sys.executable, str(BENCH / "enqueue.py")], cwd=ROOT, env=stack.env, check=True, capture_output=True
    )
    sink.reset()
    stack.start_worker()
    cpu_before, sent_before = cpu_snapshot(stack), sink.stat()["unique"]
    stat = drain(sink, count, bound=ctx.email_bound, stall=60)
    celery_cpu = cpu_per_request(cpu_before, cpu_snapshot(stack), stat["unique"] - sent_before)
    delivered = stat["messages"]
    # What the bound cut short stays in the outbox (the sweeper's job in production); here the
    # queue is emptied so that it does not load the scenarios that follow.
    stack.stop_workers()
    stack.broker_purge()
    stack.start_worker()
    celery_rate = round((delivered - 1) / (stat["last"] - stat["first"]), 1) if delivered > 1 else 0.0
    size = stat["bytes"] // max(1, delivered)

    raw_runs = [raw_smtp(stack, count, size) for _ in range(2)]
    raw_rate = round(sum(r["per_s"] for r in raw_runs) / len(raw_runs), 1)
    raw_cpu = round(sum(r["cpu_ms_per_message"] for r in raw_runs) / len(raw_runs), 2)
    ratio = round(celery_rate / raw_rate, 3) if raw_rate else None
    return {
        "celery_to_sink_per_s": celery_rate,
        "raw_smtplib_per_s": raw_rate,
        "raw_runs": raw_runs,
        "celery_cpu_ms_per_email": celery_cpu,
        "raw_cpu_ms_per_email": raw_cpu,
        "cpu_ratio": round(raw_cpu / celery_cpu["total"], 3) if celery_cpu["total"] else None,
        "messages": count,
        "delivered": delivered,
        "bytes_per_message": size,
        "worker_concurrency": stack.concurrency,
        "ratio": ratio,
        "targets": [
            target("emails/s through Celery", celery_rate, ">=", TARGETS["email_per_s"]),
            target("ratio vs raw smtplib", ratio, ">=", TARGETS["email_ratio"]),
        ],
    }


def outbox_fill(count, tag):
    """`count` signatures whose confirmation email is due now, with addresses `<tag>.<n>@...`."""
    sql(
        """
        INSERT INTO petitions_signature (petition_id, name, email, email_index, email_domain, country,
            show_publicly, keep_updated, language, consent_version, state, suspicion, signed_at, counted,
            email_state, email_requests, email_attempts, email_due_at, state_before_invalidation, public_id, leave_name_off,
            name_words, name_shape)
        SELECT p.id, 'Bench Mail', %(tag)s || '.' || g || '@d' || (g %% 997) || '.' || %(tag)s || '.bench.example',
            %(tag)s || '.' || g || '@d' || (g %% 997) || '.' || %(tag)s || '.bench.example', 'd' || (g %% 997) || '.' || %(tag)s || '.bench.example',
            'KZ', false, true, 'en', 'bench', 'pending', '[]', now(), false, 'pending', 1, 0, now(), '', md5(%(tag)s || g), false, '', ''
        FROM generate_series(1, %(count)s) g, (SELECT id FROM petitions_petition WHERE slug = %(slug)s) p
        """,
        {"tag": tag, "count": count, "slug": SLUG},
    )
    seal_loaded()


def raw_smtp(stack, count, size):
    """One connection, one message of the same size, sent `count` times to distinct recipients."""
    stack.sink.reset()
    body = ("Subject: bench\r\nFrom: petition@localhost\r\n\r\n" + "x" * max(0, size - 60)).encode()
    sink_before, own_before = sum(cpu_snapshot(stack)["sink"].values()), resource.getrusage(resource.RUSAGE_SELF)
    with smtplib.SMTP("127.0.0.1", stack.sink.port, timeout=30) as smtp:
        for n in range(count):
            smtp.sendmail("petition@localhost", [f"raw.{n}@bench.example"], body)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    own = (own_after.ru_utime + own_after.ru_stime) - (own_before.ru_utime + own_before.ru_stime)
    stat = stack.sink.stat()
    return {
        "per_s": round((stat["messages"] - 1) / (stat["last"] - stat["first"]), 1),
        "cpu_ms_per_message": round(1000 * (own + sum(cpu_snapshot(stack)["sink"].values()) - sink_before) / count, 3),
    }
