"""Compare two gunicorn settings side by side: both servers up at once on the bench database,
wrk against each in alternating short rounds, so the machine's drift falls on both.

    .venv/bin/python bench/ab_gunicorn.py "4 1" "2 4" [PATH] [ROUNDS] [RATE]

Each setting is "WORKERS THREADS [NAME=VALUE ...]" (threads > 1 means gthread; the rest are
environment variables, e.g. GUNICORN_WORKER_TMP_DIR=/tmp, or CHECKOUT=DIR to run another
checkout's code, e.g. a `git worktree` of an earlier commit); PATH "sign" POSTs signatures, at
RATE a second if given (paced, for latency below saturation), else as fast as they are answered.
Needs the database and Redis that `bench/run.py --keep-db` leaves; prints requests/s per round
and the median ratio B/A, by throughput and by gunicorn's CPU per request (which drifts less), and
the median p99 latency of each. No Celery worker runs (signatures leave their emails queued; the next
`bench/run.py` empties the queue).
"""

import os
import signal
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, SLUG, VENV_BIN, csrf_pair, run_tag, sign_env, stack_env, wrk  # noqa: E402 - the harness's helpers

import run  # noqa: E402

PORTS = (8611, 8612)


def start(setting, port, env):
    workers, threads, *extra = setting.split()
    extra = dict(e.split("=", 1) for e in extra)
    root = Path(extra.pop("CHECKOUT", ROOT))  # another checkout's code (a git worktree), same venv and database
    web_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings", "GUNICORN_BIND": f"127.0.0.1:{port}",
               "GUNICORN_WORKERS": workers, "GUNICORN_THREADS": threads, **extra}
    log = open(f"/tmp/campaign-bench/ab-{port}.log", "ab")
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "campaign.wsgi:application", "--config", "campaign/gunicorn.conf.py", "--no-control-socket"],
        cwd=root, env=web_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def main():
    a, b = sys.argv[1], sys.argv[2]
    path = sys.argv[3] if len(sys.argv) > 3 else "/en/"
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    rate = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    env = stack_env("bench-ab-" + "k" * 40)
    procs = [start(a, PORTS[0], env), start(b, PORTS[1], env)]
    try:
        for port in PORTS:
            run.wait_for(f"gunicorn on {port}", lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200)
        rates, cpu, p99 = {a: [], b: []}, {a: [], b: []}, {a: [], b: []}
        for n in range(rounds):
            for setting, port in ((a, PORTS[0]), (b, PORTS[1])) if n % 2 == 0 else ((b, PORTS[1]), (a, PORTS[0])):
                run.BASE = f"http://127.0.0.1:{port}"
                run.redis_flush()  # fresh rate-limit counters: otherwise later rounds sign as held "bots"
                proc = procs[PORTS.index(port)]
                before = sum(run._tree_cpu(run._proc_table(), proc.pid).values())
                if path == "sign":  # the signing POST, with a CSRF pair from this server
                    sign_path = f"/en/petitions/{SLUG}/"
                    result = wrk(sign_path, seconds=5, script="sign.lua", env=sign_env(sign_path, run_tag("ab"), csrf_pair(), rate=rate))
                else:
                    result = wrk(path, seconds=5)
                spent = sum(run._tree_cpu(run._proc_table(), proc.pid).values()) - before
                rates[setting].append(result["per_s"])
                p99[setting].append(result["p99_ms"])
                cpu[setting].append(1000 * spent / max(1, result["requests"]))
            print(
                f"round {n + 1}: {a!r} {rates[a][-1]}/s {cpu[a][-1]:.2f} ms CPU p99 {p99[a][-1]} ms,"
                f" {b!r} {rates[b][-1]}/s {cpu[b][-1]:.2f} ms CPU p99 {p99[b][-1]} ms",
                flush=True,
            )
        ratios = [rb / ra for ra, rb in zip(rates[a], rates[b])]
        cpu_ratios = [ca / cb for ca, cb in zip(cpu[a], cpu[b])]
        print(f"median {a!r} {statistics.median(rates[a])}/s, {b!r} {statistics.median(rates[b])}/s, B/A {statistics.median(ratios):.2f}")
        print(
            f"gunicorn CPU per request: {a!r} {statistics.median(cpu[a]):.2f} ms, {b!r} {statistics.median(cpu[b]):.2f} ms,"
            f" B/A by CPU {statistics.median(cpu_ratios):.2f}"
        )
        print(f"p99 at {run.CONNECTIONS} connections: {a!r} {statistics.median(p99[a])} ms, {b!r} {statistics.median(p99[b])} ms")
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
