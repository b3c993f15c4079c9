"""Faults on the real stack, each ending with what was lost: nothing.

The promise to a signer: once the thank-you page shows, the signature exists and the
confirmation email will come, exactly once.
"""

import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.urls import reverse

from campaign.petitions.models import Signature
from campaign.petitions.services import email_lookup

from .stack import Visitor, confirm_link, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Long enough for the sweeper (every second, 2 s grace) to have sent anything twice if it would.
SETTLE_SECONDS = 5


def sign(stack, petition, address: str, *, ip: str, name: str = "Dana Sadykova"):
    """Load the petition page and sign it, as a supporter does. Returns both responses."""
    visitor = Visitor(stack.base_url, ip=ip)
    page = visitor.get(petition.get_absolute_url())
    if page.status_code != 200:
        return page, None
    response = visitor.submit(page, petition.get_absolute_url(), {"name": name, "email": address, "country": "KZ"})
    return page, response


def assert_thanked(page, response, petition) -> None:
    assert page.status_code == 200, f"the petition page answered {page.status_code}"
    assert response.status_code == 302, f"signing answered {response.status_code}: {response.text[:300]}"
    assert response.headers["Location"] == reverse("petitions:thanks", kwargs={"slug": petition.slug})


def assert_each_received_exactly_once(smtp, addresses) -> None:
    received = Counter(smtp.recipients())
    wrong = {a: received[a] for a in addresses if received[a] != 1}
    assert not wrong, f"emails received per address, where not exactly one: {wrong}"


def test_signing_goes_on_while_redis_is_down_and_every_email_arrives_once_it_is_back(
    seeded, make_stack, smtp, own_redis
):
    # The site, the worker and beat all use a Redis of this test's own, which it stops.
    stack = make_stack(redis_url_=own_redis.url, beat=True)
    addresses = [f"outage-{i}@example.org" for i in range(24)]
    timings = []
    for i, address in enumerate(addresses):
        if i == 8:
            own_redis.stop()
        if i == 16:
            own_redis.start()
        started = time.monotonic()
        page, response = sign(stack, seeded, address, ip=f"198.51.100.{i + 1}")
        timings.append(time.monotonic() - started)
        assert_thanked(page, response, seeded)
        assert Signature.objects.filter(petition=seeded, email_index=email_lookup(address)).count() == 1

    # A supporter signing during the outage waited about as long as anyone.
    # (Without the short broker timeouts in settings, publishing would hang for 10 s or more.)
    assert max(timings[8:16]) < 8, f"signing during the outage took up to {max(timings[8:16]):.1f}s"
    assert Signature.objects.filter(petition=seeded).count() == len(addresses)

    smtp.wait_for_each(addresses, timeout=60, diagnostics=stack.tails)
    time.sleep(SETTLE_SECONDS)
    assert_each_received_exactly_once(smtp, addresses)
    assert set(Signature.objects.values_list("email_state", flat=True)) == {Signature.EmailState.SENT}
    # A worker holding unacknowledged tasks survives the lost broker (campaign/broker.py,
    # tests/integration/test_broker_loss.py); restarts, if any, are printed.
    print(f"\nsigning took up to {max(timings):.2f}s; process restarts: {stack.restarts() or 'none'}")


def test_emails_are_retried_with_backoff_when_the_smtp_server_refuses_or_times_out(seeded, make_stack, smtp):
    # The first delivery attempt to each address fails: a 451 reply for some, no reply before
    # the client's timeout for others. No beat: the task's own retries must deliver; the
    # sweeper is only the backstop.
    refused = [f"smtp-refused-{i}@example.org" for i in range(3)]
    stalled = [f"smtp-stalled-{i}@example.org" for i in range(3)]
    smtp.fail_first_attempt({**dict.fromkeys(refused, "refuse"), **dict.fromkeys(stalled, "stall")}, stall_seconds=5)
    # The shared pause after a refusal (5 s doubling by default) is tested in tests/outbox/test_pace.py;
    # here it is capped at 8 s so three refusals in a row (5, 10, 20 s by default) leave the retries
    # room inside the wait; the first retry still comes no sooner than the 4 s the test asks.
    stack = make_stack(EMAIL_TIMEOUT=2, PETITION_EMAIL_PAUSE_SECONDS=4, PETITION_EMAIL_PAUSE_MAX_SECONDS=8)
    for i, address in enumerate(refused + stalled):
        assert_thanked(*sign(stack, seeded, address, ip=f"198.51.100.{i + 1}"), seeded)

    smtp.wait_for_each(refused + stalled, timeout=60, diagnostics=stack.tails)
    time.sleep(2)
    assert_each_received_exactly_once(smtp, refused + stalled)
    for address in refused + stalled:
        attempts = [a for a in smtp.attempts if address in a.recipients]
        assert [a.outcome for a in attempts] == ["refused" if address in refused else "stalled", "accepted"]
        # Backoff: the retry came seconds later, not straight away (first retry: 5-10 s).
        assert attempts[1].at - attempts[0].at >= 4, f"retried after {attempts[1].at - attempts[0].at:.1f}s"
    assert stack.logs().count("retrying in") >= 6


def _pool_processes(worker_pid: int) -> list[int]:
    """The worker's children (its prefork pool), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == worker_pid:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.parametrize("victim", ["whole-worker", "pool-process"])
def test_a_worker_killed_while_sending_loses_no_email(seeded, make_stack, smtp, victim):
    # The first email's DATA hangs until the worker sending it has been killed with SIGKILL.
    # Its batch's transaction dies with it: the emails are due again, and the sweeper wakes a sender.
    smtp.hold_next_message()
    stack = make_stack(beat=True, worker_concurrency=1)
    [worker] = [p for p in stack.processes if p.name == "worker"]
    addresses = [f"killed-{victim}-{i}@example.org" for i in range(5)]
    for i, address in enumerate(addresses):
        assert_thanked(*sign(stack, seeded, address, ip=f"198.51.100.{i + 1}"), seeded)

    wait_for(smtp.holding.is_set, timeout=30, what="the first email to reach DATA", diagnostics=stack.tails)
    if victim == "whole-worker":
        # The worker and its pool die at once; its supervisor starts it again, as compose does.
        worker.kill(signal.SIGKILL)
    else:
        pool = _pool_processes(worker.pid)
        assert pool, "the worker has no pool process to kill"
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
    smtp.release()

    smtp.wait_for_each(addresses, timeout=60, diagnostics=stack.tails)
    time.sleep(SETTLE_SECONDS)
    assert_each_received_exactly_once(smtp, addresses)
    [held] = [a for a in smtp.attempts if a.outcome == "held"]
    assert held.recipients[0] in addresses
    assert stack.restarts() == ({"worker": 1} if victim == "whole-worker" else {})


def test_fifty_simultaneous_submissions_of_one_address_make_one_signature_and_fifty_identical_answers(
    seeded, make_stack, smtp
):
    # One client address, well within its limit: held for an IP limit, a signature gets no email.
    stack = make_stack(web_threads=8, PETITION_RATE_IP=100)
    address = "double.clicker@example.org"
    visitor = Visitor(stack.base_url, ip="198.51.100.7")
    page = visitor.get(seeded.get_absolute_url())
    start = threading.Barrier(50)

    def submit(_):
        start.wait(timeout=30)
        response = visitor.submit(
            page, seeded.get_absolute_url(), {"name": "Arman Zhaksylykov", "email": address, "country": "KZ"}
        )
        return response.status_code, response.headers.get("Location"), response.content

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(submit, range(50)))

    assert len(set(answers)) == 1, Counter((status, location) for status, location, _ in answers)
    assert answers[0][:2] == (302, reverse("petitions:thanks", kwargs={"slug": seeded.slug}))
    assert Signature.objects.filter(petition=seeded, email_index=email_lookup(address)).count() == 1

    # Repeats ask for a fresh link, within the per-signature cap; every link confirms the one signature.
    smtp.wait_for_each([address], timeout=30, diagnostics=stack.tails)
    time.sleep(3)
    emails = smtp.to(address)
    assert 1 <= len(emails) <= 3
    assert len({confirm_link(e.message) for e in emails}) == 1


def test_dropped_database_connections_under_load_give_clean_errors_and_no_half_written_signature(
    seeded, make_stack, smtp, postgres
):
    # A task whose connection dies while it sends a batch fails; the batch's transaction rolls
    # back, and the sweeper hands its emails to another task, which sends only what the outbox's
    # ledger says did not go out.
    stack = make_stack(beat=True)
    addresses = [f"db-drop-{i}@example.org" for i in range(32)]
    stop = threading.Event()
    terminated = []
    with postgres.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    dsn = {
        k: v
        for k, v in {
            "dbname": postgres.settings_dict["NAME"],
            "user": postgres.settings_dict["USER"],
            "host": postgres.settings_dict["HOST"] or "127.0.0.1",
            "port": postgres.settings_dict["PORT"] or 5432,
        }.items()
        if v
    }

    def drop_connections():
        # Every connection the site, the worker and beat hold, every few hundred milliseconds.
        with psycopg.connect(**dsn, autocommit=True) as killer:
            while not stop.is_set():
                rows = killer.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
                    [own_pid],
                ).fetchall()
                terminated.append(len(rows))
                time.sleep(0.3)

    def attempt(i):
        address = addresses[i]
        page, response = sign(stack, seeded, address, ip=f"198.51.100.{i + 1}")
        final = response if response is not None else page
        return address, final.status_code, final.text

    killer = threading.Thread(target=drop_connections)
    killer.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            outcomes = list(pool.map(attempt, range(len(addresses))))
    finally:
        stop.set()
        killer.join(timeout=10)
    assert sum(terminated) > 0, "the test never dropped a connection"

    errors = [(address, status) for address, status, _ in outcomes if status != 302]
    for address, status, text in outcomes:
        assert status in (302, 500, 503), f"{address}: unexpected {status}"
        if status != 302:
            # The production error page (503 when the database is unreachable): no traceback, nothing typed.
            assert "Traceback" not in text and address not in text
            assert ("Back in a moment" if status == 503 else "Something went wrong") in text
    # Every thank-you page kept its promise.
    thanked = [address for address, status, _ in outcomes if status == 302]
    stored = set(Signature.objects.filter(petition=seeded).values_list("email", flat=True))
    assert set(thanked) <= stored
    # Those who saw an error try again, as people do; then everyone has exactly one signature.
    for address, _status in errors:
        i = addresses.index(address)
        assert_thanked(*sign(stack, seeded, address, ip=f"198.51.100.{i + 1}"), seeded)
    rows = list(Signature.objects.filter(petition=seeded))
    assert sorted(r.email for r in rows) == sorted(addresses)
    for row in rows:
        row.full_clean()  # nothing half-written: every row is whole by the model's own rules
        assert row.name == "Dana Sadykova" and row.email_index == email_lookup(row.email)

    smtp.wait_for_each(addresses, timeout=60, diagnostics=stack.tails)
    time.sleep(SETTLE_SECONDS)
    received = Counter(smtp.recipients())
    assert_each_received_exactly_once(smtp, addresses)
    print(
        f"\n{sum(terminated)} connections dropped; {len(errors)} of {len(addresses)} signings saw an error page;"
        f" emails per address: {sorted(Counter(received[a] for a in addresses).items())}"
    )


def test_every_public_page_answers_while_redis_is_down(seeded, make_stack, smtp, own_redis):
    # Web processes that never held a page in memory must not need the cache to show it.
    stack = make_stack(redis_url_=own_redis.url)
    address = "cache-outage@example.org"
    assert_thanked(*sign(stack, seeded, address, ip="198.51.100.77"), seeded)
    smtp.wait_for_each([address], timeout=30, diagnostics=stack.tails)
    [received] = smtp.to(address)
    own_redis.stop()

    visitor = Visitor(stack.base_url)
    slug = {"slug": seeded.slug}
    paths = [
        reverse("content:home"),
        reverse("content:timeline"),
        reverse("content:demands"),
        reverse("content:sources"),
        reverse("content:privacy"),
        reverse("petitions:sign", kwargs=slug),
        reverse("petitions:thanks", kwargs=slug),
        reverse("petitions:confirmed", kwargs=slug),
        reverse("petitions:resend", kwargs=slug),
        reverse("petition_count", kwargs=slug),
        confirm_link(received.message),
        received.message["List-Unsubscribe"].strip().split(",")[0].strip("<> "),
    ]
    for language in ("ru", "kk"):
        paths.append(reverse("content:home").replace("/en/", f"/{language}/"))
    answers = {path: visitor.get(path).status_code for path in paths}
    failing = {path: status for path, status in answers.items() if status != 200}
    assert not failing, failing

    health = visitor.get(reverse("healthz"))
    assert health.status_code == 503 and health.json()["cache"] == "down", health.text
