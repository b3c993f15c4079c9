"""Key rotation: every stored signature re-encrypted under a new key by `manage.py
rotate_field_keys`, its rows/s and peak memory; then every row checked under the new key alone,
and rotated back so that later scenarios (and a --keep-db database) open with the stack's keys."""

import subprocess
import sys

from bench.report import TARGETS, target
from bench.scenarios.export import _time_v
from bench.scenarios.scale import signatures_clear, signatures_load
from bench.stack import LOGS, ROOT, scalar
from campaign.petitions import crypto

NEW_KEY = crypto.key_new()


def _rotate(env, keys):
    return subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "manage.py", "rotate_field_keys"],
        cwd=ROOT,
        env={**env, "FIELD_ENCRYPTION_KEYS": ",".join(keys)},
        capture_output=True,
        text=True,
    )


def scenario_rotation(ctx):
    if scalar("SELECT count(*) FROM petitions_signature WHERE consent_version = 'bench-stored'") < ctx.rows:
        signatures_clear()
        signatures_load(ctx.rows)
    old = ctx.stack.env["FIELD_ENCRYPTION_KEYS"]
    rows = scalar("SELECT count(*) FROM petitions_signature WHERE name <> ''")
    timed = _rotate(ctx.stack.env, [NEW_KEY, old])
    if timed.returncode != 0:
        return {"error": timed.stderr[-2000:], "targets": [target("rotation runs", 0, ">=", 1)]}
    wall = _time_v(timed.stderr, "Elapsed (wall clock) time")
    peak_mb = round(_time_v(timed.stderr, "Maximum resident set size (kbytes)") / 1024, 1)
    new_id = crypto.key_id(crypto.key_decode(NEW_KEY, name="bench"))
    not_new = scalar(
        "SELECT count(*) FROM petitions_signature WHERE (name <> '' AND name NOT LIKE %s)"
        " OR (email <> '' AND email NOT LIKE %s)",
        (f"v1:{new_id}:%", f"v1:{new_id}:%"),
    )
    # Every row opened with the new key alone, through the export (which decrypts each one); to a
    # file of its own (the command writes beside its target and renames: never onto a device).
    out = LOGS / "rotation-check.csv"
    check = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "export_supporters",
            "--petition",
            "free-kazakhstan-detainees",
            "--all-supporters",
            "--state",
            "confirmed",
            "--state",
            "pending",
            "--state",
            "suspicious",
            "-o",
            str(out),
        ],
        cwd=ROOT,
        env={**ctx.stack.env, "FIELD_ENCRYPTION_KEYS": NEW_KEY},
        capture_output=True,
        text=True,
    )
    out.unlink(missing_ok=True)
    back = _rotate(ctx.stack.env, [old, NEW_KEY])
    all_open = not_new == 0 and check.returncode == 0
    return {
        "rows": rows,
        "seconds": round(wall, 2),
        "rows_per_s": round(rows / wall, 1) if wall else None,
        "peak_rss_mb": peak_mb,
        "report": timed.stdout.strip()[-300:],
        "all_open_under_new_key": all_open,
        "rotated_back": back.returncode == 0,
        "targets": [
            target("rows not under the new key", not_new, "<=", 0),
            target("every row opens under the new key alone", int(check.returncode == 0), ">=", 1),
            target("peak memory MB", peak_mb, "<=", TARGETS["rotation_peak_mb"]),
        ],
    }
