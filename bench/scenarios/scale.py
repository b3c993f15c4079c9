"""Scale: the same pages on two servers side by side, one over a million stored signatures and
one over none, in alternating rounds; and the hot queries' plans at that size."""

import json
import subprocess
import sys
import time

from bench.load import HOME_PATH, SIGN_PATH, alternating, csrf_pair, measured, run_tag, sign_env, wrk
from bench.report import TARGETS, target
from bench.stack import BENCH, ROOT, SLUG, scalar, seal_loaded, sql


def scenario_scale(ctx):
    """The Celery worker rests meanwhile, so neither side's signing pays for emails; it sends the
    stored side's afterwards."""
    stack = ctx.stack
    stack.stop_workers()
    signatures_clear()
    started = time.monotonic()
    signatures_load(ctx.rows)
    load_seconds = round(time.monotonic() - started, 1)
    stack.start_empty_server()
    result = {"rows": ctx.rows, "load_seconds": load_seconds, "targets": []}
    try:
        csrf = {stack.base: csrf_pair(stack.base), stack.empty_base: csrf_pair(stack.empty_base)}

        def home(base):
            return lambda secs: measured(stack, lambda: wrk(base + HOME_PATH, seconds=secs))

        def signing(base):
            return lambda secs: measured(
                stack,
                lambda: wrk(
                    base + SIGN_PATH, seconds=secs, script="sign.lua", env=sign_env(SIGN_PATH, run_tag("x"), csrf[base])
                ),
            )

        for name, page in (("home", home), ("signing", signing)):
            rounds = alternating(
                page(stack.empty_base),
                page(stack.base),
                rounds=ctx.rounds,
                seconds=ctx.round_seconds,
                baseline_part="gunicorn_empty",
                subject_part="gunicorn",
            )
            result[name] = rounds
            result[f"{name}_ratio"] = rounds["ratio"]
            result[f"{name}_cpu_ratio"] = rounds["cpu_ratio"]
            result["targets"].append(
                target(
                    f"{name} with {ctx.rows:,} rows vs none (median of alternating rounds)",
                    rounds["ratio"],
                    ">=",
                    TARGETS["scale_ratio"],
                )
            )
            errors = sum(rounds["subject_errors"]) + sum(rounds["baseline_errors"])
            result["targets"].append(target(f"{name} errors", errors, "<=", 0))
    finally:
        stack.stop_empty_server()
        stack.start_worker()
    result["explain"] = explain_hot_queries(stack.env)
    slow = [
        q
        for queries in result["explain"].values()
        if isinstance(queries, list)
        for q in queries
        if (q["seq_scan"] and "petitions_signature" in q["query"]) or (q["execution_ms"] or 0) > 20
    ]
    result["targets"].append(target("hot queries scanning the signatures or over 20 ms", len(slow), "<=", 0))
    # The stored side's signatures get their emails now, before the export is measured.
    pending, deadline = "SELECT count(*) FROM petitions_signature WHERE email_state = 'pending'", time.monotonic() + 180
    while scalar(pending) and time.monotonic() < deadline:
        time.sleep(1)
    result["outbox_left_after"] = scalar(pending)
    return result


def signatures_clear():
    sql("TRUNCATE petitions_signature RESTART IDENTITY CASCADE")
    sql("UPDATE petitions_petition SET signature_count = 0")


def signatures_load(rows):
    """`rows` signatures in one INSERT ... SELECT: 70% confirmed and counted, a third of those
    shown publicly, spread over two years and ~1,000 domains."""
    sql(
        """
        INSERT INTO petitions_signature (petition_id, name, email, email_index, email_domain, country,
            show_publicly, keep_updated, language, consent_version, state, suspicion, ip_address, signed_at,
            confirmed_at, counted, email_state, email_requests, email_attempts, email_due_at, email_sent_at,
            state_before_invalidation, public_id, leave_name_off, name_words, name_shape)
        SELECT p.id, 'Stored Supporter' || g, 'stored.' || g || '@d' || (g %% 997) || '.bench.example',
            'stored.' || g || '@d' || (g %% 997) || '.bench.example', 'd' || (g %% 997) || '.bench.example',
            (ARRAY['KZ','DE','FR','GB','US','RU','PL','NL'])[1 + g %% 8], g %% 3 = 0, g %% 2 = 0, 'en', 'bench-stored',
            CASE WHEN g %% 10 < 7 THEN 'confirmed' WHEN g %% 10 < 9 THEN 'pending' ELSE 'suspicious' END, '[]',
            ('10.' || (g / 65536) %% 256 || '.' || (g / 256) %% 256 || '.' || g %% 256)::inet,
            now() - (g || ' seconds')::interval * 60,
            CASE WHEN g %% 10 < 7 THEN now() - (g || ' seconds')::interval * 59 END,
            g %% 10 < 7, 'sent', 1, 0, now() - (g || ' seconds')::interval * 60, now() - (g || ' seconds')::interval * 60, '',
            md5('stored.' || g), false, '', ''
        FROM generate_series(1, %(rows)s) g, (SELECT id FROM petitions_petition WHERE slug = %(slug)s) p
        """,
        {"rows": rows, "slug": SLUG},
    )
    seal_loaded()
    sql(
        "UPDATE petitions_petition SET signature_count = (SELECT count(*) FROM petitions_signature WHERE counted) "
        "WHERE slug = %s",
        (SLUG,),
    )
    sql("VACUUM ANALYZE petitions_signature")
    # The bulk load is written out now, so that the checkpoint it brings on does not fall into
    # the measurement: what is measured is the stored list, not the load.
    sql("CHECKPOINT")


def explain_hot_queries(env):
    """EXPLAIN ANALYZE of the queries the hot pages run, captured as Django runs them."""
    out = subprocess.run(
        [sys.executable, str(BENCH / "explain.py")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])
