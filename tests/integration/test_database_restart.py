"""PostgreSQL restarted while people sign: a cluster of the test's own (initdb, pg_ctl), never the
machine's shared server.

While it is down every request answers within seconds: the page or a short, translated 503 with
Retry-After, never a 500. When it is back, web and worker reconnect by themselves (no process
restarted), every thank-you page's signature is stored whole, and every signer gets the email
exactly once: a sender's batch in flight when the server went down is rolled back, and what it
had sent is known from the outbox's ledger (campaign/outbox/ledger.py), not sent again.
"""

import os
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from campaign.petitions import crypto
from campaign.petitions.services import email_lookup

from .stack import ROOT, Visitor
from .test_faults import SETTLE_SECONDS, assert_thanked, sign

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DOWN_SECONDS = 4
SIGNERS = 3
WORKER_PROCESSES = 2
HEADINGS = {"ru": "Скоро вернёмся", "kk": "Жақында ораламыз"}


def _ip(i: int) -> str:
    """One client address per signer, each in its own /24: no per-address or per-subnet hold."""
    return f"203.{i // 250 % 250}.{i % 250}.7"


def _prepare(cluster) -> str:
    """The cluster's database, migrated and seeded as `make run` does."""
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE campaign")
    url = cluster.url("campaign")
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "DJANGO_SETTINGS_MODULE": "campaign.settings"}
    for command in (["migrate", "--no-input"], ["seed_campaign"]):
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return url


def test_a_postgresql_restart_while_people_sign_loses_nothing_and_shows_a_503(seeded, make_stack, smtp, own_postgres):
    url = _prepare(own_postgres)
    stack = make_stack(database_url_=url, beat=True, web_threads=2, worker_concurrency=WORKER_PROCESSES)
    web_pid = stack.web.pid
    stop = threading.Event()
    outcomes = []  # (address, status, seconds, response)
    counter = iter(range(10_000))

    def signer():
        while not stop.is_set():
            i = next(counter)
            address = f"pg-restart-{i}@example.org"
            started = time.monotonic()
            page, response = sign(stack, seeded, address, ip=_ip(i))
            final = response if response is not None else page
            outcomes.append((address, final.status_code, time.monotonic() - started, final))
            time.sleep(0.1)

    with ThreadPoolExecutor(max_workers=SIGNERS) as pool:
        running = [pool.submit(signer) for _ in range(SIGNERS)]
        visitor = Visitor(stack.base_url, ip="198.51.99.1")
        page = visitor.get(seeded.get_absolute_url())
        time.sleep(2)
        own_postgres.stop("fast")
        down_at = len(outcomes)
        # While it is down: the sign form (loaded before) posted in Russian and Kazakh, and /healthz.
        translated = {}
        for language in HEADINGS:
            action = seeded.get_absolute_url().replace("/en/", f"/{language}/")
            form = {"name": "Dana Sadykova", "email": f"pg-{language}@example.org", "country": "KZ"}
            translated[language] = visitor.submit(page, action, form)
        health = visitor.get("/healthz")
        time.sleep(DOWN_SECONDS)
        own_postgres.start()
        up_at = len(outcomes)
        time.sleep(3)
        stop.set()
        for future in running:
            future.result()

    statuses = Counter(status for _address, status, _s, _r in outcomes)
    assert set(statuses) <= {302, 503}, statuses
    assert statuses[503] > 0, f"no request met the database down: {statuses}"
    slowest = max(seconds for _a, _s, seconds, _r in outcomes)
    assert slowest < 8, f"a signing took {slowest:.1f}s"
    for _address, status, _seconds, response in outcomes:
        if status == 503:
            assert response.headers["Retry-After"] == "30"
            assert "Back in a moment" in response.text and "Traceback" not in response.text
            assert _address not in response.text
    for language, heading in HEADINGS.items():
        response = translated[language]
        assert response.status_code == 503 and heading in response.text, (language, response.status_code)
        assert f'lang="{language}"' in response.text
    assert health.status_code == 503 and health.json()["database"] == "down", health.text

    # Those who saw the 503 sign again, as the page asks.
    retried = [address for address, status, _s, _r in outcomes if status == 503]
    for address in retried:
        assert_thanked(*sign(stack, seeded, address, ip=_ip(int(address.split("-")[2].split("@")[0]))), seeded)

    addresses = [address for address, *_ in outcomes]
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT email_index, email, name, country FROM petitions_signature").fetchall()
    opened = [(crypto.decrypt(r[1], purpose=b"petitions.signature.email"), r[0], r) for r in rows]
    opened = [row for row in opened if row[0].startswith("pg-restart-")]
    assert sorted(email for email, _i, _r in opened) == sorted(addresses)  # each stored once, none lost
    assert all(  # nothing half-written
        index == email_lookup(email)
        and crypto.decrypt(r[2], purpose=b"petitions.signature.name") == "Dana Sadykova"
        and r[3] == "KZ"
        for email, index, r in opened
    )

    smtp.wait_for_each(addresses, timeout=60, diagnostics=stack.tails)
    time.sleep(SETTLE_SECONDS)
    received = Counter(smtp.recipients())
    twice = [a for a in addresses if received[a] == 2]
    per_address = Counter(received[a] for a in addresses)
    assert per_address == {1: len(addresses)}, f"addresses by emails received: {dict(per_address)}"
    assert stack.web.pid == web_pid and stack.web.alive() and stack.restarts() == {}, stack.restarts()
    print(
        f"\n{len(outcomes)} signings under load ({up_at - down_at} while PostgreSQL was down {DOWN_SECONDS}s):"
        f" {dict(statuses)}; slowest {slowest:.1f}s; {len(retried)} signed again after a 503;"
        f" {len(rows)} stored; {len(addresses) - len(twice)} emailed once, {len(twice)} twice; no process restarted"
    )
