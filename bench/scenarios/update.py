"""An update to opted-in supporters: N confirmed signers who ticked "keep me updated" (and N/10
who did not), the update's send task published, drained to the sink. Measures emails/s and what
was sent twice or to someone who had not opted in."""

import subprocess
import sys
import time

from bench.load import drain, run_tag
from bench.report import target
from bench.stack import BENCH, ROOT, SLUG, scalar, seal_loaded, sql

TARGET_PER_S = 1000


def supporters_fill(count, tag, *, keep_updated):
    """`count` confirmed signatures owing no confirmation email, with addresses `<tag>.<n>@...`."""
    sql(
        """
        INSERT INTO petitions_signature (petition_id, name, email, email_index, email_domain, country,
            show_publicly, keep_updated, leave_name_off, language, consent_version, state, suspicion, signed_at,
            confirmed_at, counted, email_state, email_requests, email_attempts, state_before_invalidation,
            public_id)
        SELECT p.id, 'Bench Reader', %(tag)s || '.' || g || '@d' || (g %% 997) || '.' || %(tag)s || '.bench.example',
            %(tag)s || '.' || g || '@d' || (g %% 997) || '.' || %(tag)s || '.bench.example', 'd' || (g %% 997) || '.' || %(tag)s || '.bench.example',
            'KZ', false, %(keep)s, false, (ARRAY['en', 'ru', 'kk'])[1 + g %% 3], 'bench', 'confirmed', '[]', now(),
            now(), false, 'sent', 1, 0, '', md5(%(tag)s || g)
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


def scenario_update(ctx):
    stack, sink = ctx.stack, ctx.stack.sink
    count = ctx.updates
    tag, other = run_tag("u"), run_tag("n")
    stack.stop("worker")
    stack.broker_purge()
    supporters_fill(count, tag, keep_updated=True)
    supporters_fill(count // 10, other, keep_updated=False)
    update_id = update_create(tag)
    sink.reset()
    stack.start_worker()
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(BENCH / "enqueue.py"), "update", str(update_id)],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
    )
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
    return {
        "supporters": count,
        "not_opted_in": count // 10,
        "emails_per_s": per_s,
        "sent_twice": twice,
        "missing": missing,
        "to_not_opted_in": not_opted_in,
        "worker_concurrency": stack.concurrency,
        "targets": [
            target("emails/s", per_s, ">=", TARGET_PER_S),
            target("emails sent twice", twice, "<=", 0),
            target("emails to someone not opted in", not_opted_in + max(0, unique - count), "<=", 0),
        ],
    }
