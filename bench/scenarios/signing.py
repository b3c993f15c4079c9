"""Signing: the full POST against a bare insert through the same middleware, saturated and paced,
and nothing lost: every accepted request a row, every row's email at the sink."""

import time

from bench.load import (
    CONNECTIONS,
    SIGN_PATH,
    alternating,
    bracketed,
    cpu_ratio,
    csrf_pair,
    drain,
    measured,
    run_tag,
    sign_env,
    wrk,
)
from bench.report import TARGETS, target
from bench.stack import scalar, sql

BARE_INSERT = "/bench/bare-insert/"


def rows_for(run):
    # Addresses are encrypted; their domains name the run (sign.lua).
    return scalar("SELECT count(*) FROM petitions_signature WHERE email_domain LIKE %s", (f"%.{run}.bench.example",))


def scenario_signing(ctx):
    stack, sink = ctx.stack, ctx.stack.sink
    seconds = ctx.seconds
    csrf = csrf_pair(stack.base)
    tag = run_tag("s")
    sink.reset()

    def sign(run, secs, rate=0):
        env = sign_env(SIGN_PATH, run, csrf, rate=rate)
        return measured(stack, lambda: wrk(stack.base + SIGN_PATH, seconds=secs, script="sign.lua", env=env))

    def bare(secs):
        bare_env = sign_env(BARE_INSERT, run_tag("b"), csrf)
        return measured(stack, lambda: wrk(stack.base + BARE_INSERT, seconds=secs, script="sign.lua", env=bare_env))

    def full(secs):
        started = time.time()
        result = sign(tag, secs)
        result["emails_during_run"] = sink.stat()["unique"]
        result["emails_per_s_during_run"] = round(result["emails_during_run"] / (time.time() - started), 1)
        return result

    signing, baseline = bracketed(bare, full, seconds)
    # The ratio comes from alternating shorter rounds of the bare insert and the full path, the
    # median of the pairs: one bracket around the long run leaves the comparison to whatever the
    # machine's neighbours did in those minutes.
    round_tags = []

    def full_round(secs):
        round_tags.append(run_tag("r"))
        return sign(round_tags[-1], secs)

    rounds = alternating(bare, full_round, rounds=ctx.rounds, seconds=ctx.round_seconds)
    # Latency at the target rate: a paced run below saturation, where p99 means service time.
    paced_tag = run_tag("p")
    paced = sign(paced_tag, max(10, seconds // 2), rate=TARGETS["signatures_per_s"])
    load_ended = time.time()

    # Nothing lost: every accepted request is a row, every row's email reached the sink.
    # Requests still queued when wrk stopped are served after it: wait for the rows to settle.
    tags = [tag, paced_tag, *round_tags]
    accepted = signing["ok"] + paced["ok"] + sum(rounds["subject_ok"])
    rows, settled = -1, time.monotonic() + 60
    while time.monotonic() < settled:
        current = sum(rows_for(t) for t in tags)
        if current == rows:
            break
        rows = current
        time.sleep(2)
    stat = drain(sink, rows)
    delivered = sink.recipients()
    ours = "email_domain LIKE ANY(%s)"
    patterns = ([f"%.{t}.bench.example" for t in tags],)
    # One address per row, each run's domains its own: every row's address must have had mail.
    ours_delivered = {e for e in delivered if e.rsplit("@", 1)[-1].split(".")[-3] in tags}
    missing_emails = max(0, rows - len(ours_delivered))
    suspicious = scalar(f"SELECT count(*) FROM petitions_signature WHERE state = 'suspicious' AND {ours}", patterns)
    outbox = dict(sql(f"SELECT email_state, count(*) FROM petitions_signature WHERE {ours} GROUP BY 1", patterns))
    drained_after = round(max(0.0, stat["last"] - load_ended), 1) if stat["messages"] else None
    # In-flight requests when wrk stops may still commit: at most one per connection and run.
    rows_ok = accepted <= rows <= accepted + len(tags) * CONNECTIONS
    bracket_ratio = round(signing["per_s"] / baseline["per_s"], 3) if baseline["per_s"] else None
    ratio = rounds["ratio"]
    result = {
        "signing": signing,
        "cpu_ratio": rounds["cpu_ratio"],
        "bracket_cpu_ratio": cpu_ratio(signing, baseline),
        "emails_duplicated": stat["messages"] - stat["unique"],
        "bare_insert": baseline,
        "paced_at_target": paced,
        "ratio": ratio,
        "ratio_rounds": rounds,
        "bracket_ratio": bracket_ratio,
        "accepted": accepted,
        "rows_in_db": rows,
        "emails_expected": rows,
        "emails_missing": missing_emails,
        "outbox_states": outbox,
        "drained_seconds_after_load": drained_after,
        "suspicious": suspicious,
    }
    result["targets"] = [
        target("signatures/s", signing["per_s"], ">=", TARGETS["signatures_per_s"]),
        target("ratio vs bare insert (median of alternating rounds)", ratio, ">=", TARGETS["signing_ratio"]),
        target("p99 ms at 333/s", paced["p99_ms"], "<=", TARGETS["signing_p99_ms"]),
        target("p99 ms at 64 connections, saturated", signing["p99_ms"], "<=", TARGETS["signing_p99_ms"]),
        target("errors", signing["errors"] + paced["errors"] + sum(rounds["subject_errors"]), "<=", 0),
        target("accepted signatures missing from the DB", 0 if rows_ok else abs(rows - accepted), "<=", 0),
        target("emails not at the sink within 300 s", missing_emails, "<=", 0),
    ]
    return result
