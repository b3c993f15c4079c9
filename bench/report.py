"""The targets, the machine, and what the bench prints and writes (bench/results/latest.json)."""

import json
import os
import platform
import runpy
import socket
import statistics
import subprocess
from pathlib import Path

from bench.stack import ROOT, WORKER_CONCURRENCY

TARGETS = {
    "signatures_per_s": 333,
    "signing_ratio": 0.6,
    "signing_p99_ms": 250,
    "email_per_s": 333,
    "email_ratio": 0.5,
    "pages_ratio": 0.8,
    "scale_ratio": 0.9,
    "export_rows_per_s": 100_000,
    "rotation_peak_mb": 150,
    "export_peak_mb": 150,
    "retention_peak_mb": 150,
}


def target(name, value, op, limit):
    ok = value is not None and (value >= limit if op == ">=" else value <= limit)
    return {"target": f"{name} {op} {limit}", "value": value, "pass": bool(ok)}


def machine_info():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    versions = {"python": platform.python_version()}
    for label, cmd in (
        ("postgresql", ["psql", "--version"]),
        ("redis", ["redis-server", "--version"]),
        ("wrk", ["/usr/bin/wrk", "-v"]),
    ):
        try:
            text = subprocess.run(cmd, capture_output=True, text=True, timeout=5)
            versions[label] = (text.stdout or text.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            versions[label] = "unknown"
    return {
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "versions": versions,
        "gunicorn": {
            k: v
            for k, v in runpy.run_path(str(ROOT / "campaign" / "gunicorn.conf.py")).items()
            if k in ("workers", "threads", "worker_class")
        },
        "celery_worker_concurrency": WORKER_CONCURRENCY,
    }


def projection(scenarios):
    """Signatures per second the stack's own CPU allows with the machine to itself: the web
    server's and PostgreSQL's share of a signature, plus its email as the email scenario
    measured it (in the signing run the worker lags, so its share there is too small)."""
    if "signing" not in scenarios:
        return None
    sign = scenarios["signing"]["signing"]["cpu_ms_per_request"]
    email = scenarios.get("email", {}).get("celery_cpu_ms_per_email", {}).get("total")
    email = email if email is not None else sign["worker"] + sign["sink"]
    per_signature = round(sign["gunicorn"] + sign["postgres"] + email, 2)
    return {
        "cpu_ms_per_signature": per_signature,
        "web_ms": sign["gunicorn"],
        "postgres_ms": sign["postgres"],
        "email_ms": email,
        "signatures_per_s_on_dedicated_cores": round(os.cpu_count() * 1000 / per_signature),
        "cores": os.cpu_count(),
        "not_counted": "Redis (shared server), wrk",
    }


def finish(results, output):
    """Add the end-of-run figures, write `output` (JSON) and print the table; whether all passed."""
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["projection"] = projection(results["scenarios"])
    results["all_pass"] = all(t["pass"] for r in results["scenarios"].values() for t in r.get("targets", []))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)
    print(f"bench: wrote {output}")
    return results["all_pass"]


def print_table(results):
    rows = [("scenario", "target", "measured", "pass")]
    for name, result in results["scenarios"].items():
        if result.get("available") is False:
            rows.append((name, "-", result["note"], "n/a"))
        for t in result.get("targets", []):
            rows.append((name, t["target"], str(t["value"]), "PASS" if t["pass"] else "FAIL"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    print("\n".join(lines))
    print("CPU figures are the stack's own CPU milliseconds per request (web = gunicorn).")
    print(figures_summary(results))
    if results.get("projection"):
        p = results["projection"]
        print(
            f"projection: {p['cpu_ms_per_signature']} ms CPU per signature (web {p['web_ms']},"
            f" PostgreSQL {p['postgres_ms']}, email {p['email_ms']})"
            f" = {p['signatures_per_s_on_dedicated_cores']}/s on {p['cores']} cores with nothing else"
        )


def _web_cpu(figures):
    return figures.get("cpu_ms_per_request", {}).get("gunicorn")


def figures_summary(results):
    """One line per comparison: throughput, and the stack's CPU milliseconds per request."""
    s = results["scenarios"]
    out = []
    cpu = _web_cpu
    if "signing" in s:
        r = s["signing"]
        out.append(
            f"signing: {r['signing']['per_s']}/s, web {cpu(r['signing'])} ms CPU each"
            f" (p99 {r['signing']['p99_ms']} ms) vs bare insert {r['bare_insert']['per_s']}/s,"
            f" {cpu(r['bare_insert'])} ms; ratio {r['bracket_ratio']}, by CPU {r['bracket_cpu_ratio']}"
        )
        rounds = r["ratio_rounds"]
        out.append(
            f"  {rounds['rounds']} alternating {rounds['seconds']} s rounds: ratio median {rounds['ratio']} (each: "
            f"{', '.join(str(x) for x in rounds['ratios'])}), by CPU {rounds['cpu_ratio']}"
        )
        out.append(
            f"  paced at 333/s: {r['paced_at_target']['per_s']}/s, p99 {r['paced_at_target']['p99_ms']} ms;"
            f" {r['suspicious']} held as suspicious; all emails at the sink {r['drained_seconds_after_load']} s"
            " after load"
        )
    if "email" in s:
        r = s["email"]
        out.append(
            f"email: Celery {r['celery_to_sink_per_s']}/s, {r['celery_cpu_ms_per_email']['total']} ms CPU each"
            f" vs raw smtplib {r['raw_smtplib_per_s']}/s, {r['raw_cpu_ms_per_email']} ms; by CPU {r['cpu_ratio']}"
        )
    if "pages" in s:
        # Every page the pages scenario measured, in its order (bench/scenarios/pages.py).
        for name, r in s["pages"].items():
            if not isinstance(r, dict) or "page" not in r:
                continue
            out.append(
                f"{name}: {r['page']['per_s']}/s, {cpu(r['page'])} ms CPU vs static"
                f" {r['static_same_size']['per_s']}/s, {cpu(r['static_same_size'])} ms ({r['bytes']} bytes);"
                f" by CPU {r['cpu_ratio']}"
            )
    if "scale" in s:
        r = s["scale"]
        for name in ("home", "signing"):
            rounds = r[name]
            out.append(
                f"{name} with {r['rows']:,} rows vs none, {rounds['rounds']} alternating {rounds['seconds']} s rounds:"
                f" {statistics.median(rounds['subject_per_s'])}/s vs {statistics.median(rounds['baseline_per_s'])}/s"
                f" (medians), ratio median {rounds['ratio']} (each: {', '.join(str(x) for x in rounds['ratios'])}),"
                f" by CPU {rounds['cpu_ratio']}"
            )
    if "export" in s and s["export"].get("available") and "ratio" in s["export"]:
        r = s["export"]
        out.append(
            f"export: {r['export_rows_per_s']} rows/s decrypting vs COPY of the ciphertext {r['copy_rows_per_s']}"
            f" rows/s, peak {r['peak_rss_mb']} MB"
        )
    if "rotation" in s and "rows_per_s" in s["rotation"]:
        r = s["rotation"]
        out.append(
            f"key rotation: {r['rows']:,} rows re-encrypted at {r['rows_per_s']} rows/s, peak {r['peak_rss_mb']} MB;"
            f" every row opens under the new key alone: {r['all_open_under_new_key']}"
        )
    return "\n".join(out)
