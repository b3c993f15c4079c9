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

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project's root, for `bench` and `tests`
from bench.load import CONNECTIONS, SIGN_PATH, csrf_pair, proc_table, run_tag, sign_env, tree_cpu, wrk  # noqa: E402
from bench.stack import LOGS, REDIS_URL, ROOT, local_url, stack_env  # noqa: E402
from tests.integration.stack import gunicorn_command, redis_flush, wait_for  # noqa: E402

PORTS = (8611, 8612)


def start(setting, port, env):
    workers, threads, *extra = setting.split()
    extra = dict(e.split("=", 1) for e in extra)
    root = Path(extra.pop("CHECKOUT", ROOT))  # another checkout's code (a git worktree), same venv and database
    web_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": workers,
        "GUNICORN_THREADS": threads,
        **extra,
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"ab-{port}.log", "ab") as log:  # the server keeps its own copy of the descriptor
        return subprocess.Popen(
            gunicorn_command(),
            cwd=root,
            env=web_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def answers(port):
    try:
        with urllib.request.urlopen(f"{local_url(port)}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main():
    a, b = sys.argv[1], sys.argv[2]
    path = sys.argv[3] if len(sys.argv) > 3 else "/en/"
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    rate = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    env = stack_env("bench-ab-" + "k" * 40, base=local_url(PORTS[0]), sink_port=8625)
    procs = [start(a, PORTS[0], env), start(b, PORTS[1], env)]
    try:
        for port in PORTS:
            wait_for(lambda port=port: answers(port), timeout=60, what=f"gunicorn on {port}")
        rates, cpu, p99 = {a: [], b: []}, {a: [], b: []}, {a: [], b: []}
        for n in range(rounds):
            for setting, port in ((a, PORTS[0]), (b, PORTS[1])) if n % 2 == 0 else ((b, PORTS[1]), (a, PORTS[0])):
                base = local_url(port)
                redis_flush(REDIS_URL)  # fresh rate-limit counters: otherwise later rounds sign as held "bots"
                proc = procs[PORTS.index(port)]
                before = sum(tree_cpu(proc_table(), proc.pid).values())
                if path == "sign":  # the signing POST, with a CSRF pair from this server
                    env = sign_env(SIGN_PATH, run_tag("ab"), csrf_pair(base), rate=rate)
                    result = wrk(base + SIGN_PATH, seconds=5, script="sign.lua", env=env)
                else:
                    result = wrk(base + path, seconds=5)
                spent = sum(tree_cpu(proc_table(), proc.pid).values()) - before
                rates[setting].append(result["per_s"])
                p99[setting].append(result["p99_ms"])
                cpu[setting].append(1000 * spent / max(1, result["requests"]))
            print(
                f"round {n + 1}: {a!r} {rates[a][-1]}/s {cpu[a][-1]:.2f} ms CPU p99 {p99[a][-1]} ms,"
                f" {b!r} {rates[b][-1]}/s {cpu[b][-1]:.2f} ms CPU p99 {p99[b][-1]} ms",
                flush=True,
            )
        ratios = [rb / ra for ra, rb in zip(rates[a], rates[b], strict=True)]
        cpu_ratios = [ca / cb for ca, cb in zip(cpu[a], cpu[b], strict=True)]
        print(
            f"median {a!r} {statistics.median(rates[a])}/s, {b!r} {statistics.median(rates[b])}/s, B/A {statistics.median(ratios):.2f}"
        )
        print(
            f"gunicorn CPU per request: {a!r} {statistics.median(cpu[a]):.2f} ms, {b!r} {statistics.median(cpu[b]):.2f} ms,"
            f" B/A by CPU {statistics.median(cpu_ratios):.2f}"
        )
        print(
            f"p99 at {CONNECTIONS} connections: {a!r} {statistics.median(p99[a])} ms, {b!r} {statistics.median(p99[b])} ms"
        )
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
