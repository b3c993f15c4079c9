"""Fixtures that start the real stack: gunicorn, celery worker and beat against the test's
PostgreSQL database and a Redis, and an SMTP server in this process that records every email.

Tests here are marked `services` and use a transactional database, so that the processes see
the rows the test writes and the test sees theirs. The processes run with production settings
(tests/integration/settings.py) and are stopped when the test ends, whatever happened.
"""

import os
import secrets
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.conftest import need

from .stack import ROOT, PostgresCluster, RedisServer, SmtpSink, Stack, free_port, redis_flush


def _database_url(connection) -> str:
    """The URL of the test database (pytest-django's test_<name>), for the subprocesses."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"])
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def log_dir():
    """Where the processes write their output. Our own directory, not pytest's tmp_path: on a
    shared machine other pytest runs prune old basetemp directories while this one runs."""
    path = Path(tempfile.mkdtemp(prefix="campaign-integration-"))
    yield path
    shutil.rmtree(path, ignore_errors=True) if not os.environ.get("KEEP_INTEGRATION_LOGS") else print(
        "logs kept in", path
    )


@pytest.fixture
def smtp():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def own_redis(log_dir):
    """A redis-server of this test's own, on its own port: the test may stop it."""
    need(shutil.which("redis-server") is not None, "the test needs redis-server (apt-get install redis-server)")
    server = RedisServer(log_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own, on its own port: the test may stop and restart it."""
    need(bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), "the test needs PostgreSQL's initdb")
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def make_stack(postgres, redis_url, smtp, log_dir):
    """Start web, worker and beat processes; `make_stack(redis=..., **env)` returns them ready.

    By default they use this run's Redis database (REDIS_URL), emptied before and after.
    """
    stacks: list[Stack] = []
    flushed: list[str] = []
    database_url = _database_url(postgres)

    def make(
        *,
        redis_url_: str | None = None,
        database_url_: str | None = None,
        web: bool = True,
        worker: bool = True,
        beat: bool = False,
        worker_concurrency: int = 2,
        web_threads: int = 1,
        **env,
    ) -> Stack:
        broker = redis_url_ or redis_url
        if broker == redis_url and broker not in flushed:
            redis_flush(broker)
            flushed.append(broker)
        port = free_port()
        stack = Stack(
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.integration.settings",
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                "DEBUG": "False",
                "SECRET_KEY": "integration-" + secrets.token_urlsafe(40),
                # The test process's own keys: both read and write the same signatures.
                "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
                "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_PROXY_SSL": "True",
                "TRUSTED_PROXY_COUNT": "1",
                "SITE_URL": f"http://127.0.0.1:{port}",
                "DATABASE_URL": database_url_ or database_url,
                "REDIS_URL": broker,
                "EMAIL_URL": smtp.url,
                "EMAIL_TIMEOUT": "5",
                "LOG_LEVEL": "DEBUG",
                "PETITION_OUTBOX_GRACE_SECONDS": "2",
                "INTEGRATION_SWEEP_SECONDS": "1",
                **{key: str(value) for key, value in env.items()},
            },
            log_dir=log_dir,
            web_port=port,
        )
        stacks.append(stack)
        started = []
        if web:
            started.append(stack.start_web(threads=web_threads))
        if worker:
            started.append(stack.start_worker(concurrency=worker_concurrency))
        if beat:
            started.append(stack.start_beat())
        stack.wait_ready(*started)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
    for broker in flushed:
        redis_flush(broker)
