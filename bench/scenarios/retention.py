"""Retention: every stored signature of a petition closed seven months ago anonymised by
`manage.py anonymise_signatures`, timed (rows/s) with its peak memory, which must not grow with
the number of rows; the public count must not move."""

import subprocess
import sys

from bench.report import TARGETS, target
from bench.scenarios.export import _time_v
from bench.scenarios.scale import signatures_clear, signatures_load
from bench.stack import ROOT, SLUG, scalar, sql

# Audit entries whose free text erasure must read for quotations, as a busy moderation team leaves.
AUDIT_ENTRIES = 2000


def scenario_retention(ctx):
    if scalar("SELECT count(*) FROM petitions_signature WHERE erased_at IS NULL") < ctx.rows:
        signatures_clear()
        signatures_load(ctx.rows)
    sql("DELETE FROM petitions_auditentry WHERE action = 'bench_reason'")
    sql(
        """
        INSERT INTO petitions_auditentry (actor_label, action, petition_id, count, details, created_at)
        SELECT 'moderator', 'bench_reason', p.id, 1,
            jsonb_build_object('reason', 'duplicate of Stored Supporter' || g * 7, 'ids', jsonb_build_array(g)), now()
        FROM generate_series(1, %(n)s) g, (SELECT id FROM petitions_petition WHERE slug = %(slug)s) p
        """,
        {"n": AUDIT_ENTRIES, "slug": SLUG},
    )
    sql("UPDATE petitions_petition SET closed_at = now() - interval '7 months' WHERE slug = %s", (SLUG,))
    count_before = scalar("SELECT signature_count FROM petitions_petition WHERE slug = %s", (SLUG,))
    timed = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "manage.py", "anonymise_signatures"],
        cwd=ROOT,
        env=ctx.stack.env,
        capture_output=True,
        text=True,
    )
    sql("UPDATE petitions_petition SET closed_at = NULL WHERE slug = %s", (SLUG,))
    if timed.returncode != 0:
        return {"error": timed.stderr[-2000:], "targets": [target("anonymisation runs", 0, ">=", 1)]}
    wall = _time_v(timed.stderr, "Elapsed (wall clock) time")
    peak_mb = round(_time_v(timed.stderr, "Maximum resident set size (kbytes)") / 1024, 1)
    anonymised = scalar("SELECT count(*) FROM petitions_signature WHERE erased_at IS NOT NULL AND name = ''")
    left = scalar("SELECT count(*) FROM petitions_signature WHERE erased_at IS NULL")
    count_after = scalar("SELECT signature_count FROM petitions_petition WHERE slug = %s", (SLUG,))
    counted = scalar("SELECT count(*) FROM petitions_signature WHERE counted")
    scrubbed = scalar(
        "SELECT count(*) FROM petitions_auditentry WHERE action = 'bench_reason' AND details->>'reason' LIKE '%%[erased]%%'"
    )
    # The bench's later scenarios want named rows: the next one that needs them loads them again.
    return {
        "rows": ctx.rows,
        "anonymised": anonymised,
        "seconds": round(wall, 2),
        "rows_per_s": round(anonymised / wall, 1) if wall else None,
        "peak_rss_mb": peak_mb,
        "audit_entries_scrubbed": scrubbed,
        "count_before": count_before,
        "count_after": count_after,
        "output": timed.stdout.strip().splitlines()[-1:],
        "targets": [
            target("every row anonymised (rows left)", left, "<=", 0),
            target("public count unchanged (difference)", abs(count_after - count_before), "<=", 0),
            target("public count still true (difference from the counted rows)", abs(count_after - counted), "<=", 0),
            target("peak memory MB", peak_mb, "<=", TARGETS["retention_peak_mb"]),
        ],
    }
