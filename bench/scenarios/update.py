"""An update to opted-in supporters: N confirmed signers who ticked "keep me updated" (and N/10
who did not), the update's send task published, drained to the sink. Measures emails/s and what
was sent twice or to someone who had not opted in."""

import signal
import subprocess
import sys
import time

from bench.load import SIGN_PATH, alternating, csrf_pair, drain, measured, run_tag, sign_env, wrk
from bench.report import target
from bench.stack import BENCH, ROOT, SLUG, scalar, seal_loaded, sql

TARGET_PER_S = 1000
# Signing while an update sends against signing alone: the issue asks for "unaffected beyond noise".
SENT = "SELECT count(*) FROM petitions_updatedelivery WHERE update_id = %s AND state = 'sent'"
SIGNING_RATIO_TARGET = 0.9


def supporters_fill(count, tag, *, keep_updated):
    """`count` confirmed signatures owing no confirmation email, with addresses `<tag>.<n>@...`."""
    sql(
        """
        INSERT INTO petitions_signature (petition_id, name, email, email_index, email_domain, country,
            show_publicly, keep_updated, leave_name_off, language, consent_version, state, suspicion, signed_at,
            confirmed_at, counted, email_state, email_requests, email_attempts, state_before_invalidation,
            public_id, name_words, name_shape)
        SELECT p.id, 'Bench Reader', %(tag)s || '.' || g || '@d' || (g %% 997) || '.' || %(tag)s || '.bench.example',
            %(tag)s || '.' || g || '@d' || (g %% 997) || '.' || %(tag)s || '.bench.example', 'd' || (g %% 997) || '.' || %(tag)s || '.bench.example',
            'KZ', false, %(keep)s, false, (ARRAY['en', 'ru', 'kk'])[1 + g %% 3], 'bench', 'confirmed', '[]', now(),
            now(), false, 'sent', 1, 0, '', md5(%(tag)s || g), '', ''
        FROM generate_series(1, %(count)s) g, (SELECT id FROM petitions_petition WHERE slug = %(slug)s) p
        """,
        {"tag": tag, "count": count, "slug": SLUG, "keep": keep_updated},
    )
    seal_loaded()


def update_create(tag) -> int:
    return scalar(
        """
        INSERT INTO petitions_supporterupdate (petition_id, subject, subject_en, subject_ru, body, body_en, body_ru,
            state, created_at, recipients_expected, queued_through, queued_all, started_at)
        SELECT id, 'Bench update ' || %(tag)s, 'Bench update ' || %(tag)s, 'Новости ' || %(tag)s,
            repeat('We delivered the petition today. ', 30), repeat('We delivered the petition today. ', 30),
            repeat('Сегодня мы передали петицию. ', 30), 'sending', now(), 0, 0, false, now()
        FROM petitions_petition WHERE slug = %(slug)s RETURNING id
        """,
        {"tag": tag, "slug": SLUG},
    )


def update_send(stack, update_id):
    subprocess.run(
        [sys.executable, str(BENCH / "enqueue.py"), "update", str(update_id)],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
    )


def update_drain(update_id, expected, *, bound):
    """Wait until the update's `expected` deliveries are all sent (or `bound` seconds pass)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if scalar(SENT, [update_id]) >= expected:
            return
        time.sleep(0.5)


def signing_while_sending(ctx, count):
    """Signing in alternating rounds: alone (the update's worker paused with SIGSTOP mid-send)
    and while a second update to the same `count` supporters sends (SIGCONT); that update still
    reaches each of them exactly once."""
    stack, sink = ctx.stack, ctx.stack.sink
    csrf = csrf_pair(stack.base)
    updates_worker = stack.procs["worker_updates"]
    sent_in_rounds = []

    def sign(seconds):
        env = sign_env(SIGN_PATH, run_tag("w"), csrf)
        return measured(stack, lambda: wrk(stack.base + SIGN_PATH, seconds=seconds, script="sign.lua", env=env))

    def alone(seconds):
        updates_worker.kill(signal.SIGSTOP)
        return sign(seconds)

    def during(seconds):
        updates_worker.kill(signal.SIGCONT)
        sent_before = scalar(SENT, [update_id])
        result = sign(seconds)
        sent_in_rounds.append(round((scalar(SENT, [update_id]) - sent_before) / result["seconds"], 1))
        return result

    time.sleep(3)  # the previous scenario's last emails arrive before the count is reset
    sink.reset()
    update_id = update_create(run_tag("v"))
    update_send(stack, update_id)
    while scalar(SENT, [update_id]) < 100:
        time.sleep(0.1)
    rounds = alternating(alone, during, rounds=ctx.rounds, seconds=ctx.round_seconds)
    updates_worker.kill(signal.SIGCONT)
    expected = scalar(
        "SELECT count(*) FROM petitions_signature s JOIN petitions_petition p ON p.id = s.petition_id"
        " WHERE p.slug = %s AND s.state = 'confirmed' AND s.keep_updated",
        [SLUG],
    )
    update_drain(update_id, expected, bound=60 + count / 200)
    time.sleep(3)
    stat = sink.stat()
    result = {
        **rounds,
        "update_emails_per_s_in_rounds": sent_in_rounds,
        "update_sent": scalar(SENT, [update_id]),
        "update_expected": expected,
        "sent_twice": stat["messages"] - stat["unique"],
    }
    print(
        f"bench: signing while an update sends, {rounds['rounds']} rounds of {rounds['seconds']} s:"
        f" during/alone {rounds['ratio']} (rounds {rounds['ratios']}; alone {rounds['baseline_per_s']}/s,"
        f" during {rounds['subject_per_s']}/s); the update meanwhile {sent_in_rounds} emails/s,"
        f" {result['update_sent']:,} of {expected:,} sent, sent twice {result['sent_twice']}",
        flush=True,
    )
    return result


def scenario_update(ctx):
    stack, sink = ctx.stack, ctx.stack.sink
    count = ctx.updates
    tag, other = run_tag("u"), run_tag("n")
    stack.stop_workers()
    stack.broker_purge()
    supporters_fill(count, tag, keep_updated=True)
    supporters_fill(count // 10, other, keep_updated=False)
    update_id = update_create(tag)
    sink.reset()
    stack.start_worker()
    started = time.monotonic()
    update_send(stack, update_id)
    stat = drain(sink, count, bound=60 + count / 200, stall=60)
    wall = time.monotonic() - started
    time.sleep(3)  # a message sent twice would arrive meanwhile
    stat = sink.stat()
    not_opted_in = scalar(
        "SELECT count(*) FROM petitions_updatedelivery d JOIN petitions_signature s ON s.id = d.signature_id"
        " WHERE d.update_id = %s AND NOT s.keep_updated",
        [update_id],
    )
    delivered, unique = stat["messages"], stat["unique"]
    per_s = round((delivered - 1) / (stat["last"] - stat["first"]), 1) if delivered > 1 else 0.0
    twice, missing = delivered - unique, count - unique
    print(
        f"bench: update to {count:,} supporters: {per_s:,.1f} emails/s, sent twice {twice}, missing {missing},"
        f" to someone not opted in {not_opted_in}, {wall:.0f} s in all",
        flush=True,
    )
    concurrent = signing_while_sending(ctx, count)
    return {
        "supporters": count,
        "not_opted_in": count // 10,
        "emails_per_s": per_s,
        "sent_twice": twice,
        "missing": missing,
        "to_not_opted_in": not_opted_in,
        "worker_concurrency": stack.concurrency,
        "signing_while_sending": concurrent,
        "targets": [
            target("signing during an update / alone", concurrent["ratio"], ">=", SIGNING_RATIO_TARGET),
            target("update emails sent twice (while signing)", concurrent["sent_twice"], "<=", 0),
            target("emails/s", per_s, ">=", TARGET_PER_S),
            target("emails sent twice", twice, "<=", 0),
            target("emails to someone not opted in", not_opted_in + max(0, unique - count), "<=", 0),
        ],
    }
