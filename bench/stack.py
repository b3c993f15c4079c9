"""The bench's stack: gunicorn with the bench's URLconf, one Celery worker, the SMTP sink.

Processes, ports, readiness, databases and Redis come from the integration tier's helpers
(tests/integration/stack.py); what is the bench's own is here: production settings with DEBUG
off, the baselines' URLconf, the worker at production's concurrency, a sink cheap enough that
its CPU does not blur the figures, and processes known by name so their CPU can be counted.
"""

import atexit
import base64
import hashlib
import os
import smtplib
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.integration.stack import (
    WORKER_READY,
    Process,
    celery_worker_command,
    database_drop,
    database_recreate,
    free_port,
    gunicorn_command,
    redis_flush,
    wait_for,
    web_answers,
)

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LOGS = Path(os.environ.get("BENCH_LOGS", "/tmp/campaign-bench"))
# The bench's ports, apart from the integration tier's: two runs at once each find free ones.
PORTS = range(8600, 8700)
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/campaign_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
# The scale scenario's second server: a database with no signatures, the next Redis database.
EMPTY_DATABASE_URL = DATABASE_URL + "_empty"
EMPTY_REDIS_URL = f"{REDIS_URL.rsplit('/', 1)[0]}/{int(REDIS_URL.rsplit('/', 1)[1]) + 1}"
SLUG = "free-kazakhstan-detainees"
WORKER_CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", "4"))  # as docker-compose.yml runs it
UPDATE_WORKER_CONCURRENCY = 2  # docker-compose.yml's worker-updates
UPDATE_WORKER_NICE = 10


# The stack's encryption keys: fixed, so that a --keep-db database opens in the next run; for
# the bench's throwaway databases only.
BENCH_KEYS = {
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(hashlib.sha256(b"bench field key").digest()).decode(),
    "BLIND_INDEX_KEY": base64.urlsafe_b64encode(hashlib.sha256(b"bench blind index key").digest()).decode(),
}


def seal_loaded() -> int:
    """Encrypt the rows a scenario loaded in clear with one SQL statement (bench/seal.py)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "campaign.settings", "DATABASE_URL": DATABASE_URL, **BENCH_KEYS}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "seal.py")], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return int(done.stdout.split()[-1])


def sql(query, params=None):
    """Run one statement on the bench database (autocommit); its rows, if it returns any."""
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def scalar(query, params=None):
    return sql(query, params)[0][0]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)


def local_url(port):
    return f"http://127.0.0.1:{port}"


def stack_env(secret, *, base, sink_port):
    """Production's settings from the environment, DEBUG off, behind one trusted proxy."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "campaign.settings",
        "DEBUG": "False",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}",
        "SITE_URL": base,
        "LOG_LEVEL": "WARNING",
        **BENCH_KEYS,
    }


class Sink:
    """The harness's side of bench/smtp_sink.py: its counts, its recipients, a reset."""

    def __init__(self, port):
        self.port = port

    def command(self, command):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as smtp:
            _code, reply = smtp.docmd(command)
        return reply.decode()

    def reset(self):
        self.command("XRESET")

    def stat(self):
        messages, unique, size, first, last, refused = self.command("XSTAT").split()
        return {
            "messages": int(messages),
            "unique": int(unique),
            "bytes": int(size),
            "first": float(first),
            "last": float(last),
            "refused": int(refused),
        }

    def down(self, seconds):
        """Answer 421 to every message for `seconds`: a provider down or rate-limiting us."""
        self.command(f"XDOWN {seconds}")

    def recipients(self):
        path = LOGS / "sink-recipients.txt"
        self.command(f"XDUMP {path}")
        return set(path.read_text().split())


class BenchStack:
    """The processes of one bench run, by name ("gunicorn", "worker", "sink", "gunicorn_empty"),
    each in its own process group; whatever is still running when the bench exits is stopped."""

    def __init__(self, secret, *, concurrency=WORKER_CONCURRENCY, log_dir=LOGS):
        self.web_port, self.empty_port, sink_port = free_port(PORTS), free_port(PORTS), free_port(PORTS)
        self.base, self.empty_base = local_url(self.web_port), local_url(self.empty_port)
        self.env = stack_env(secret, base=self.base, sink_port=sink_port)
        self.sink = Sink(sink_port)
        self.concurrency = concurrency
        self.log_dir = log_dir
        self.procs: dict[str, Process] = {}
        atexit.register(self.stop_all)

    def start(self, name, args, env=None):
        self.procs[name] = Process(name, args, env=env or self.env, log_dir=self.log_dir)
        return self.procs[name]

    def stop(self, name, grace=20.0):
        """SIGTERM, then SIGKILL to the group after `grace` seconds: a worker finishes its batch."""
        process = self.procs.pop(name, None)
        if process is not None:
            process.stop(grace=grace)

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)

    def alive(self, name):
        return name in self.procs and self.procs[name].alive()

    def start_sink(self):
        # The provider is another machine in production: here its stand-in yields the CPU to the site.
        self.start("sink", ["nice", "-n", "19", sys.executable, str(BENCH / "smtp_sink.py"), str(self.sink.port)])
        self.procs["sink"].wait_for_output(r"sink listening", timeout=60)

    def start_gunicorn(self, name, env, port):
        """gunicorn as production runs it, with the bench's URLconf (the baselines), on `port`."""
        web_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings", "GUNICORN_BIND": f"127.0.0.1:{port}"}
        web = self.start(name, gunicorn_command(), env=web_env)
        wait_for(lambda: web_answers(local_url(port), web), timeout=60, what=name, diagnostics=web.tail)

    def start_worker(self):
        """The workers as production's compose runs them: one for signing's emails and the rest, one
        for updates to supporters at a lower CPU priority."""
        worker = self.start(
            "worker",
            celery_worker_command(hostname="bench@%h", concurrency=self.concurrency, loglevel="INFO", queues="celery"),
        )
        updates = self.start(
            "worker_updates",
            celery_worker_command(
                hostname="bench-updates@%h",
                concurrency=UPDATE_WORKER_CONCURRENCY,
                loglevel="INFO",
                queues="updates",
                nice=UPDATE_WORKER_NICE,
            ),
        )
        worker.wait_for_output(WORKER_READY, timeout=60)
        updates.wait_for_output(WORKER_READY, timeout=60)

    def stop_workers(self):
        self.stop("worker")
        self.stop("worker_updates")

    def broker_purge(self):
        """Empty Celery's queue and kombu's unacked bookkeeping in the bench's Redis database, and
        the stopped senders' flag (an update's sender would otherwise give way to them)."""
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.delete("celery", "updates", "unacked", "unacked_index", "unacked_mutex")
        if flags := client.keys("*petitions:email-sender-woken"):
            client.delete(*flags)

    def start_empty_server(self):
        """A second web server, the same code and settings, on a database with no signatures and a
        Redis database of its own (so the two never share cached pages or counters)."""
        database_recreate(EMPTY_DATABASE_URL)
        env = {
            **self.env,
            "DATABASE_URL": EMPTY_DATABASE_URL,
            "REDIS_URL": EMPTY_REDIS_URL,
            "SITE_URL": self.empty_base,
        }
        manage(env, "migrate", "--no-input")
        manage(env, "seed_campaign")
        redis_flush(EMPTY_REDIS_URL)
        self.start_gunicorn("gunicorn_empty", env, self.empty_port)

    def stop_empty_server(self):
        self.stop("gunicorn_empty")
        database_drop(EMPTY_DATABASE_URL)
        redis_flush(EMPTY_REDIS_URL)

    def up(self, *, reuse_db):
        """The database (created, migrated and seeded unless reused), then the sink, gunicorn, the worker."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for old in self.log_dir.glob("*.log"):
            old.unlink()
        if not reuse_db:
            print("bench: creating database, migrating, collecting static files ...", flush=True)
            database_recreate(DATABASE_URL)
            manage(self.env, "migrate", "--no-input")
            manage(self.env, "seed_campaign")
        manage(self.env, "collectstatic", "--no-input")
        redis_flush(REDIS_URL)
        self.start_sink()
        self.start_gunicorn("gunicorn", self.env, self.web_port)
        self.start_worker()
