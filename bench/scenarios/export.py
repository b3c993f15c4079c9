"""Export: every stored signature as CSV through `manage.py export_supporters`, names and
addresses decrypted in Python, beside PostgreSQL writing the same rows and columns with COPY (the
unencrypted baseline: COPY can only write the ciphertext, which it does here)."""

import os
import subprocess
import sys
import time

from bench.report import TARGETS, target
from bench.scenarios.scale import signatures_clear, signatures_load
from bench.stack import DATABASE_URL, LOGS, ROOT, SLUG, scalar

EXPORT_STATES = ("confirmed", "pending", "suspicious")


def _country_names_sql() -> str:
    """The export's JSON object of country names, as an SQL string literal."""
    code = "import django; django.setup(); from campaign.exports.cells import CountryName; print(CountryName._names())"
    names = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "campaign.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return "'" + names.replace("'", "''") + "'"


def scenario_export(ctx):
    command = ROOT / "campaign" / "exports" / "management" / "commands" / "export_supporters.py"
    if not command.exists():
        return {
            "available": False,
            "note": "not available: manage.py export_supporters does not exist yet",
            "targets": [],
        }
    if scalar("SELECT count(*) FROM petitions_signature WHERE consent_version = 'bench-stored'") < ctx.rows:
        signatures_clear()
        signatures_load(ctx.rows)
    out = LOGS / "export.csv"
    states = [arg for state in EXPORT_STATES for arg in ("--state", state)]
    timed = subprocess.run(
        [
            "/usr/bin/time",
            "-v",
            sys.executable,
            "manage.py",
            "export_supporters",
            "--petition",
            SLUG,
            "--all-supporters",
            *states,
            "--format",
            "csv",
            "--output",
            str(out),
        ],
        cwd=ROOT,
        env=ctx.stack.env,
        capture_output=True,
        text=True,
    )
    if timed.returncode != 0:
        return {"available": True, "error": timed.stderr[-2000:], "targets": [target("export runs", 0, ">=", 1)]}
    wall = _time_v(timed.stderr, "Elapsed (wall clock) time")
    peak_kb = int(_time_v(timed.stderr, "Maximum resident set size (kbytes)"))
    with open(out, "rb") as handle:
        header = handle.readline().decode().strip()
        exported = sum(1 for _ in handle)
    out.unlink(missing_ok=True)
    # The baseline: PostgreSQL writing the same rows and columns, timestamps as the same text.
    iso = """'YYYY-MM-DD"T"HH24:MI:SS"Z"'"""
    columns = {
        "name": "name",
        "country": "country",
        "consent_version": "consent_version",
        "language": "language",
        "state": "state",
        "keep_updated": "CASE WHEN keep_updated THEN 'yes' ELSE 'no' END",
        "signed_at": f"to_char(signed_at AT TIME ZONE 'UTC', {iso})",
        "confirmed_at": f"coalesce(to_char(confirmed_at AT TIME ZONE 'UTC', {iso}), '')",
        "email": "email",
        # The same work as the export's where the database can do it: the first word (of the
        # ciphertext here), the country's name from the same JSON object.
        "first_name": "coalesce(substring(name from '[^[:space:],;]+'), '')",
        "country_name": f"coalesce({_country_names_sql()}::jsonb ->> country, '')",
    }
    select = ", ".join(columns[c.strip('"')] for c in header.lstrip("\ufeff").split(","))
    in_states = ", ".join(f"'{state}'" for state in EXPORT_STATES)
    copy_sql = (
        f"COPY (SELECT {select} FROM petitions_signature WHERE petition_id = (SELECT id FROM petitions_petition "
        f"WHERE slug = '{SLUG}') AND state IN ({in_states}) AND erased_at IS NULL ORDER BY id) TO STDOUT WITH CSV HEADER"
    )
    started = time.monotonic()
    subprocess.run(["psql", DATABASE_URL, "-q", "-c", copy_sql], stdout=subprocess.DEVNULL, check=True)
    copy_seconds = time.monotonic() - started
    export_rate = round(exported / wall, 1) if wall else 0.0
    copy_rate = round(exported / copy_seconds, 1)
    ratio = round(export_rate / copy_rate, 3) if copy_rate else None
    peak_mb = round(peak_kb / 1024, 1)
    return {
        "available": True,
        "rows_exported": exported,
        "columns": header,
        "export_seconds": round(wall, 2),
        "copy_seconds": round(copy_seconds, 2),
        "export_rows_per_s": export_rate,
        "copy_rows_per_s": copy_rate,
        "peak_rss_mb": peak_mb,
        "ratio": ratio,
        "targets": [
            target("rows/s, decrypting", export_rate, ">=", TARGETS["export_rows_per_s"]),
            target("peak memory MB", peak_mb, "<=", TARGETS["export_peak_mb"]),
            target("every stored row exported", exported, ">=", ctx.rows),
        ],
    }


def _time_v(text, label):
    """A figure from GNU time -v's report: seconds (from h:mm:ss or m:ss.ss) or a plain number."""
    value = next(line.split(": ", 1)[1] for line in text.splitlines() if line.strip().startswith(label))
    if ":" in value:
        seconds = 0.0
        for part in value.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds
    return float(value)
