"""The real processes of the integration tier, and what the tests need to drive them.

Every process runs in its own process group, writes its output to a file the tests can read,
and is killed with its whole group when its test ends, whatever happened. Every wait is bounded
and fails with what the processes said.

The benchmark (bench/stack.py) starts its stack with the same helpers: ports, processes,
gunicorn's and the worker's command lines, readiness, databases and Redis.
"""

import asyncio
import contextlib
import email
import email.policy
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
import redis
import requests
from aiosmtpd.controller import Controller
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Ports this tier may use (one range per engineer on shared machines).
PORTS = range(8400, 8500)
_handed_out: set[int] = set()


def free_port(ports: range = PORTS) -> int:
    """A port in `ports` that nothing listens on, never the same one twice in a session.

    The search starts at a random place, so two runs at once rarely race for the same port.
    """
    start = random.randrange(len(ports))
    for port in list(ports)[start:] + list(ports)[:start]:
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"No free port left in {ports.start}-{ports.stop - 1}.")


def wait_for(predicate, *, timeout: float, what: str, diagnostics=lambda: "", interval: float = 0.1):
    """Poll until predicate() is truthy and return its value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {timeout:.0f}s waiting for {what}.\n{diagnostics()}")
        time.sleep(interval)


class Process:
    """A subprocess in its own process group, its stdout and stderr in one log file."""

    def __init__(self, name: str, args: list[str], *, env: dict, log_dir: Path):
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open for the process's whole life; closed in stop()
        self.restarts = 0
        self.stopping = False
        self.popen = self._spawn()

    def _spawn(self) -> subprocess.Popen:
        # The log may hold an earlier process's output under the same name: readiness is
        # judged on what this one prints.
        self._log.flush()
        self._spawned_at = self.log_path.stat().st_size
        return subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def restart(self) -> None:
        self._log.write(f"\n--- {self.name} exited with {self.popen.returncode}; restarted ---\n".encode())
        self._log.flush()
        self.restarts += 1
        self.popen = self._spawn()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def output_since_spawn(self) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(self._spawned_at)
            return log.read().decode("utf-8", "replace")

    def tail(self, lines: int = 40) -> str:
        # DEBUG lines (celery's are long) would bury what went wrong.
        text = "\n".join([line for line in self.output().splitlines() if " DEBUG " not in line][-lines:])
        return f"--- last lines of {self.name} ({self.log_path}) ---\n{text}"

    def wait_for_output(self, pattern: str, *, timeout: float) -> None:
        regex = re.compile(pattern)

        def seen():
            if not self.alive():
                raise AssertionError(f"{self.name} exited with {self.popen.returncode}.\n{self.tail()}")
            return regex.search(self.output_since_spawn())

        wait_for(seen, timeout=timeout, what=f"{self.name} to print {pattern!r}", diagnostics=self.tail)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (a celery worker and its pool, gunicorn and its workers)."""
        popen = self.popen  # a supervisor may replace it meanwhile
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, sig)
        if sig == signal.SIGKILL:
            popen.wait(timeout=10)

    def stop(self, grace: float = 3.0) -> None:
        self.stopping = True
        if self.alive() and grace:
            self.kill(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        # Whatever the group leader did, nothing of the group may outlive the test.
        self.kill(signal.SIGKILL)
        if not self._log.closed:
            self._log.close()


def gunicorn_command() -> list[str]:
    """gunicorn as production runs it (campaign/gunicorn.conf.py, which reads GUNICORN_* from the
    environment)."""
    return [
        str(BIN / "gunicorn"),
        "campaign.wsgi:application",
        "--config",
        "campaign/gunicorn.conf.py",
        # Its control socket has one default path per user: two servers would share it.
        "--no-control-socket",
    ]


def celery_worker_command(
    *, hostname: str, concurrency: int, loglevel: str = "DEBUG", queues: str | None = None, nice: int = 0
) -> list[str]:
    """The worker as compose runs it; `queues` and `nice` as its worker-updates service does."""
    return [
        *(["nice", "-n", str(nice)] if nice else []),
        str(BIN / "celery"),
        "-A",
        "campaign",
        "worker",
        "--loglevel",
        loglevel,
        "--concurrency",
        str(concurrency),
        "--hostname",
        hostname,
        # Mingling with and gossiping to other workers only slows start-up here.
        "--without-mingle",
        "--without-gossip",
        *(["--queues", queues] if queues else []),
    ]


WORKER_READY = r"@\S+ ready\."


def web_answers(base_url: str, web: Process) -> bool:
    """Whether the server answers /healthz; fails at once, with its output, if it has exited."""
    if not web.alive():
        raise AssertionError(f"{web.name} exited with {web.popen.returncode}.\n{web.tail()}")
    try:
        with requests.Session() as session:
            session.trust_env = False
            session.get(base_url + "/healthz", timeout=2)
    except requests.RequestException:
        return False
    return True


# --- PostgreSQL and Redis databases -------------------------------------------------------------


def _maintenance(url: str, statement: sql.Composable) -> None:
    """Run a statement against the server's `postgres` database (a database cannot drop itself)."""
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(statement)


def database_drop(url: str) -> None:
    """Drop the database `url` names, closing whatever connections it still has."""
    name = url.rsplit("/", 1)[1]
    _maintenance(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_recreate(url: str) -> None:
    """An empty database under the name `url` gives, whatever was there before."""
    database_drop(url)
    _maintenance(url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.rsplit("/", 1)[1])))


def redis_flush(url: str) -> None:
    """Empty the Redis database `url` names (and only that one)."""
    redis.Redis.from_url(url).flushdb()


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class Received:
    recipients: list[str]
    message: email.message.EmailMessage
    raw: bytes
    at: float


@dataclass
class Attempt:
    recipients: list[str]
    outcome: str  # "accepted", "refused", "stalled", "held"
    at: float


class SmtpSink:
    """An SMTP server in this process that records what it accepts.

    Tests can make it misbehave the way real providers do: refuse with 451 (greylisting, a
    full queue), stall past the client's timeout, or hold one message until released.
    """

    def __init__(self):
        self.port = free_port()
        self.received: list[Received] = []
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._fail_first: dict[str, str] = {}
        self._stall_seconds = 0.0
        self._seen_recipients: set[str] = set()
        self._hold_next = False
        self.holding = threading.Event()
        self._released = threading.Event()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self._released.set()
        self.controller.stop()

    # What the tests ask of it.
    def fail_first_attempt(self, faults: dict[str, str], *, stall_seconds: float = 0.0) -> None:
        """Make the first delivery attempt to each of these addresses fail: "refuse" answers
        451, "stall" answers nothing until the client has given up."""
        self._fail_first, self._stall_seconds = dict(faults), stall_seconds

    def hold_next_message(self) -> None:
        """The next DATA waits until release(): a send caught in the middle."""
        self._hold_next = True

    def release(self) -> None:
        self._released.set()

    # aiosmtpd's handler interface.
    async def handle_DATA(self, server, session, envelope):
        recipients = list(envelope.rcpt_tos)
        now = time.monotonic()
        with self._lock:
            first_time = not set(recipients) & self._seen_recipients
            self._seen_recipients.update(recipients)
            hold, self._hold_next = self._hold_next, False
        if hold:
            self._record(Attempt(recipients, "held", now))
            self.holding.set()
            # aiosmtpd cancels this coroutine if the client goes away meanwhile.
            while not self._released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        fault = self._fail_first.get(recipients[0]) if first_time else None
        if fault == "refuse":
            self._record(Attempt(recipients, "refused", now))
            return "451 4.7.1 Greylisted, try again later"
        if fault == "stall":
            self._record(Attempt(recipients, "stalled", now))
            await asyncio.sleep(self._stall_seconds)
            return "451 4.4.2 Timeout"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.attempts.append(Attempt(recipients, "accepted", now))
            self.received.append(Received(recipients, message, raw, now))
        return "250 2.0.0 OK"

    def _record(self, attempt: Attempt) -> None:
        with self._lock:
            self.attempts.append(attempt)

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address in r.recipients]

    def recipients(self) -> list[str]:
        with self._lock:
            return [address for r in self.received for address in r.recipients]

    def wait_for_each(self, addresses, *, timeout: float, diagnostics=lambda: "") -> None:
        """Wait until every address has received at least one message."""
        wanted = set(addresses)

        def missing():
            return wanted - set(self.recipients())

        wait_for(
            lambda: not missing(),
            timeout=timeout,
            what=f"emails to {len(wanted)} addresses",
            diagnostics=lambda: f"{len(missing())} never arrived, e.g. {sorted(missing())[:3]}\n{diagnostics()}",
            interval=0.2,
        )


def confirm_link(message: email.message.EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/petitions/confirm/[^/\s]+/", text).group(0)


# --- Redis of our own -------------------------------------------------------------------------------


class RedisServer:
    """A redis-server on its own port, so a test can stop it without touching anyone else's."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.log_dir = log_dir
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # No persistence: when it comes back, whatever was queued is gone, as after a crash.
        self.process = Process(
            f"redis-{self.port}",
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            env=dict(os.environ),
            log_dir=self.log_dir,
        )
        self.process.wait_for_output(r"Ready to accept connections", timeout=10)

    def stop(self) -> None:
        if self.process:
            self.process.stop()
            self.process = None


# --- The site, the worker, beat -----------------------------------------------------------------------


class Stack:
    """Web (gunicorn), worker and beat processes sharing one environment.

    The worker and beat are restarted when they exit, as docker-compose's
    `restart: unless-stopped` does in production.
    """

    def __init__(self, *, env: dict, log_dir: Path, web_port: int):
        self.env = env
        self.log_dir = log_dir
        self.web_port = web_port
        self.processes: list[Process] = []
        self.web: Process | None = None
        self._supervised: list[Process] = []
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def _spawn(self, name: str, args: list[str], *, supervised: bool = False, **extra_env) -> Process:
        process = Process(name, args, env={**self.env, **extra_env}, log_dir=self.log_dir)
        self.processes.append(process)
        if supervised:
            self._supervised.append(process)
            if self._supervisor is None:
                self._supervisor = threading.Thread(target=self._supervise, daemon=True)
                self._supervisor.start()
        return process

    def _supervise(self) -> None:
        while not self._stopping.wait(0.2):
            for process in list(self._supervised):
                if not process.stopping and not process.alive():
                    process.restart()

    def restarts(self) -> dict[str, int]:
        return {p.name: p.restarts for p in self.processes if p.restarts}

    def start_web(self, *, workers: int = 2, threads: int = 1) -> Process:
        self.web = self._spawn(
            "web",
            gunicorn_command(),
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            GUNICORN_WORKERS=str(workers),
            GUNICORN_THREADS=str(threads),
        )
        return self.web

    def start_worker(self, name: str = "worker", *, concurrency: int = 2) -> Process:
        return self._spawn(
            name, celery_worker_command(hostname=f"{name}-{self.web_port}@%h", concurrency=concurrency), supervised=True
        )

    def start_beat(self) -> Process:
        return self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "campaign",
                "beat",
                "--loglevel",
                "DEBUG",
                "--schedule",
                str(self.log_dir / "celerybeat-schedule"),
                "--pidfile",
                "",
            ],
            supervised=True,
        )

    def wait_ready(self, *processes: Process, timeout: float = 45) -> None:
        for process in processes:
            if process is self.web:
                wait_for(
                    lambda: web_answers(self.base_url, self.web),
                    timeout=timeout,
                    what="the web server to answer",
                    diagnostics=self.web.tail,
                )
            elif "beat" in process.name:
                process.wait_for_output(r"beat: Starting", timeout=timeout)
            else:
                process.wait_for_output(WORKER_READY, timeout=timeout)

    def logs(self) -> str:
        return "\n".join(p.output() for p in self.processes)

    def tails(self) -> str:
        return "\n".join(p.tail(25) for p in self.processes)

    def stop(self) -> None:
        self._stopping.set()
        for process in self.processes:
            process.stopping = True
        if self._supervisor:
            self._supervisor.join(timeout=5)
        # The test is over: nothing these processes could still do matters, so no grace
        # period (gunicorn alone waits out every keep-alive connection).
        for process in reversed(self.processes):
            process.stop(grace=0)


# --- A visitor's browser, minus the browser ---------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Visitor:
    """Plays a supporter's browser behind the production TLS proxy.

    The site runs as in production (DEBUG off, secure cookies, SECURE_PROXY_SSL), so every
    request carries the proxy's X-Forwarded-Proto and X-Forwarded-For, and cookies are sent
    by hand because they are marked Secure.
    """

    def __init__(self, base_url: str, *, ip: str = "203.0.113.10", timeout: float = 15):
        self.base_url = base_url
        self.ip = ip
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.responses: list[requests.Response] = []
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment between us and the site

    def url(self, path_or_url: str) -> str:
        return urljoin(self.base_url, path_or_url)

    def request(self, method: str, path_or_url: str, *, referer: str | None = None, **kwargs) -> requests.Response:
        url = self.url(path_or_url)
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.ip,
            "Accept-Language": "en-GB,en;q=0.8",
            **kwargs.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if referer:
            parts = urlsplit(self.url(referer))
            headers["Referer"] = f"https://{parts.netloc}{parts.path}"
        response = self.session.request(
            method, url, headers=headers, allow_redirects=False, timeout=self.timeout, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        self.responses.append(response)
        return response

    def get(self, path_or_url: str, **kwargs) -> requests.Response:
        return self.request("GET", path_or_url, **kwargs)

    def submit(self, page: requests.Response, action: str, data: dict, **kwargs) -> requests.Response:
        """POST a form from a page this visitor loaded, with that page's CSRF token."""
        token = CSRF_INPUT.search(page.text)
        assert token, f"no CSRF token in the form at {page.url}"
        return self.request(
            "POST", action, data={"csrfmiddlewaretoken": token.group(1), **data}, referer=page.url, **kwargs
        )


# --- PostgreSQL of our own --------------------------------------------------------------------------


class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb, pg_ctl) on its own port, so a test can stop and
    restart it without touching the machine's shared server. initdb refuses root: as root, the
    cluster runs as the `postgres` system user."""

    def __init__(self):
        self.port = free_port()
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
        if not found:
            raise RuntimeError("no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        self.bin = found[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="campaign-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            record = pwd.getpwnam("postgres")
            os.chown(self.dir, record.pw_uid, record.pw_gid)
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr}\n{self.tail()}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        # fsync off: the test restarts the server, it never needs the data to survive a power cut.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w", "-t", "30", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast`: a restart's shutdown, every client disconnected; `immediate`: a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        self.running = False

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "--- last lines of the cluster's log ---\n" + "\n".join(text.splitlines()[-lines:])

    def remove(self) -> None:
        if self.running:
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
