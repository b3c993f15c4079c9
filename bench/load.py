"""Load and what it cost: wrk runs, the stack's CPU per request, and the two ways of comparing a
subject with its baseline so that whatever else the machine does falls on both."""

import json
import os
import re
import secrets
import statistics
import subprocess
import time
import urllib.request
from itertools import count

from bench.stack import BENCH, DATABASE_URL, SLUG, sql

CONNECTIONS = 64
WRK_THREADS = 2

# --- CPU accounting ---------------------------------------------------------------------------
# Throughput on a machine shared with other work drifts with their load; the CPU time the
# stack's own processes spend per request hardly does. Both are reported.

TICK = os.sysconf("SC_CLK_TCK")


def proc_table():
    """pid -> (ppid, cpu seconds) for every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    return table


def tree_cpu(table, root):
    """pid -> cpu seconds for a process and all its descendants."""
    found, stack = {}, [root]
    children = {}
    for pid, (ppid, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)
    while stack:
        pid = stack.pop()
        if pid in table:
            found[pid] = table[pid][1]
        stack.extend(children.get(pid, []))
    return found


def cpu_snapshot(stack):
    """Cumulative CPU seconds of the stack's processes, by component and process."""
    table = proc_table()
    snapshot = {name: tree_cpu(table, process.pid) for name, process in stack.procs.items()}
    name = DATABASE_URL.rsplit("/", 1)[1]
    pids = [
        pid
        for (pid,) in sql("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
    ]
    snapshot["postgres"] = {pid: table[pid][1] for pid in pids if pid in table}
    return snapshot


def cpu_per_request(before, after, requests):
    """CPU milliseconds per request for each component, and in total. A process that started
    during the run counts whole; one that ended (a recycled gunicorn worker) loses its last
    stretch, which makes the figure a slight underestimate."""
    per = {}
    for part, processes in after.items():
        spent = sum(cpu - before.get(part, {}).get(pid, 0.0) for pid, cpu in processes.items())
        per[part] = round(1000 * spent / max(1, requests), 2)
    per["total"] = round(sum(per.values()), 2)
    return per


def cpu_ratio(subject, baseline, part="gunicorn"):
    """The throughput ratio the web server's CPU per request predicts: the figure that drifts
    least with other load. (The worker's share of a signature, its email, is measured in the
    email scenario; a baseline measured while the worker drains would blur it.)"""
    spent = subject.get("cpu_ms_per_request", {}).get(part)
    base = baseline.get("cpu_ms_per_request", {}).get(part)
    return round(base / spent, 3) if spent and base else None


# --- load -------------------------------------------------------------------------------------


def measured(stack, run):
    """Run a load function; add the stack's CPU milliseconds per request to its figures."""
    before = cpu_snapshot(stack)
    result = run()
    result["cpu_ms_per_request"] = cpu_per_request(before, cpu_snapshot(stack), result["requests"])
    return result


def wrk(url, *, seconds, script="get.lua", env=None, connections=CONNECTIONS):
    cmd = [
        "/usr/bin/wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(BENCH / script),
        url,
    ]
    run_env = {**os.environ, "BENCH_DIR": str(BENCH), "BENCH_THREADS": str(WRK_THREADS), **(env or {})}
    out = subprocess.run(cmd, env=run_env, capture_output=True, text=True, timeout=seconds + 120)
    line = next((line for line in out.stdout.splitlines() if line.startswith("BENCH-JSON ")), None)
    if line is None:
        raise SystemExit(f"bench: wrk printed no figures:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("BENCH-JSON "))
    seconds_run = data["duration_us"] / 1e6
    errors = data["errors"]
    return {
        "requests": data["requests"],
        "seconds": round(seconds_run, 2),
        "per_s": round(data["requests"] / seconds_run, 1),
        "ok": data["requests"] - errors["status"],
        "errors": sum(errors.values()),
        "error_detail": errors,
        "bytes_per_response": round(data["bytes"] / max(1, data["requests"])),
        "p50_ms": round(data["latency_us"]["p50"] / 1000, 1),
        "p90_ms": round(data["latency_us"]["p90"] / 1000, 1),
        "p99_ms": round(data["latency_us"]["p99"] / 1000, 1),
        "max_ms": round(data["latency_us"]["max"] / 1000, 1),
    }


def bracketed(baseline, subject, seconds):
    """Baseline for half the time, the subject for all of it, the baseline again: drift on a
    shared machine falls on both sides of the comparison."""
    before = baseline(max(3, seconds // 2))
    result = subject(seconds)
    after = baseline(max(3, seconds // 2))
    base = {"before": before, "after": after, "per_s": round((before["per_s"] + after["per_s"]) / 2, 1)}
    if "cpu_ms_per_request" in before:
        parts = before["cpu_ms_per_request"]
        base["cpu_ms_per_request"] = {
            k: round((parts[k] + after["cpu_ms_per_request"].get(k, 0.0)) / 2, 2) for k in parts
        }
    return result, base


def alternating(baseline, subject, *, rounds, seconds, baseline_part="gunicorn", subject_part="gunicorn"):
    """Rounds of the baseline and the subject in turns, which goes first alternating: whatever
    else the machine does falls on both alike. The medians of the per-round ratios (by
    throughput and by the web server's CPU per request) and every round's figures."""
    pairs = []
    for n in range(rounds):
        if n % 2 == 0:
            base = baseline(seconds)
            subj = subject(seconds)
        else:
            subj = subject(seconds)
            base = baseline(seconds)
        pairs.append((base, subj))
    ratios = [s["per_s"] / b["per_s"] for b, s in pairs if b["per_s"]]
    cpu_ms = [
        (b.get("cpu_ms_per_request", {}).get(baseline_part), s.get("cpu_ms_per_request", {}).get(subject_part))
        for b, s in pairs
    ]
    cpu = [base / subj for base, subj in cpu_ms if base and subj]
    return {
        "rounds": rounds,
        "seconds": seconds,
        "ratio": round(statistics.median(ratios), 3) if ratios else None,
        "cpu_ratio": round(statistics.median(cpu), 3) if cpu else None,
        "ratios": [round(r, 3) for r in ratios],
        "baseline_per_s": [b["per_s"] for b, _s in pairs],
        "subject_per_s": [s["per_s"] for _b, s in pairs],
        "baseline_p99_ms": [b["p99_ms"] for b, _s in pairs],
        "subject_p99_ms": [s["p99_ms"] for _b, s in pairs],
        "baseline_cpu_ms": [base for base, _subj in cpu_ms],
        "subject_cpu_ms": [subj for _base, subj in cpu_ms],
        "subject_ok": [s["ok"] for _b, s in pairs],
        "subject_errors": [s["errors"] for _b, s in pairs],
        "baseline_errors": [b["errors"] for b, _s in pairs],
    }


# --- signing load -----------------------------------------------------------------------------


# Public pages are under a language prefix (campaign/urls.py); / only redirects to one.
HOME_PATH = "/en/"
SIGN_PATH = f"/en/petitions/{SLUG}/"


def csrf_pair(base):
    """One token/cookie pair, fetched like a browser does and valid for every request."""
    with urllib.request.urlopen(base + SIGN_PATH, timeout=10) as response:
        cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
        body = response.read().decode()
    cookie = re.search(r"csrftoken=([^;\s]+)", cookies).group(1)
    form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return cookie, form


def fetch_size(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return len(response.read())


# Each signing run numbers its supporters from its own start, so no client address signs in
# two runs (the per-address limit is 10 an hour) and no run's signatures are held as a bot's.
_FIRST_SUPPORTER = count(0, 65536)


def sign_env(path, run, csrf, rate=0):
    cookie, form = csrf
    return {
        "BENCH_PATH": path,
        "BENCH_RUN": run,
        "BENCH_CSRF": cookie,
        "BENCH_FORM": form,
        "BENCH_RATE": str(rate),
        "BENCH_FIRST": str(next(_FIRST_SUPPORTER)),
    }


def run_tag(prefix):
    return f"{prefix}{secrets.token_hex(3)}"


def drain(sink, expected, *, bound=300.0, stall=60.0):
    """Wait for the sink to have `expected` messages; give up after `bound` seconds, or
    `stall` seconds without progress. Returns the sink's stats."""
    start = time.monotonic()
    last_count, last_change = -1, start
    while True:
        stat = sink.stat()
        if stat["unique"] >= expected:
            return stat
        now = time.monotonic()
        if stat["unique"] != last_count:
            last_count, last_change = stat["unique"], now
        if now - start > bound or now - last_change > stall:
            return stat
        time.sleep(0.5)
