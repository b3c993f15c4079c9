"""The worker's broker vanishing under it: the same worker process goes on serving.

Redis is killed (SIGKILL, no persistence) while the worker holds an unacknowledged task, five
times in a row. No supervisor restart is allowed: the worker's PID is the same at the end, and
every signature's email arrives exactly once (what Redis lost, the outbox sweeper re-sends).
"""

import signal
import time
from collections import Counter

import pytest
from django.urls import reverse

from .stack import Visitor, wait_for
from .test_faults import SETTLE_SECONDS, assert_each_received_exactly_once, assert_thanked, sign

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

KILLS = 5


def test_the_worker_survives_redis_killed_under_it_five_times(seeded, make_stack, smtp, own_redis):
    stack = make_stack(redis_url_=own_redis.url, web=True, beat=True, worker_concurrency=2)
    [worker] = [p for p in stack.processes if p.name == "worker"]
    pid = worker.pid
    addresses = []
    for kill in range(KILLS):
        # The next email's DATA hangs: the worker holds that task, unacknowledged, when Redis dies.
        smtp.holding.clear()
        smtp._released.clear()
        smtp.hold_next_message()
        batch = [f"broker-loss-{kill}-{i}@example.org" for i in range(3)]
        for i, address in enumerate(batch):
            assert_thanked(*sign(stack, seeded, address, ip=f"198.51.{100 + kill}.{i + 1}"), seeded)
        addresses += batch
        wait_for(smtp.holding.is_set, timeout=30, what="a task to hold an email", diagnostics=stack.tails)
        connected = worker.output().count("Connected to ")
        own_redis.process.kill(signal.SIGKILL)
        own_redis.process = None
        time.sleep(1)
        smtp.release()
        own_redis.start()
        wait_for(
            lambda before=connected: worker.output().count("Connected to ") > before or not worker.alive(),
            timeout=30,
            what="the worker to reconnect",
            diagnostics=stack.tails,
        )
        assert worker.alive() and worker.pid == pid, f"kill {kill + 1}: the worker died\n{worker.tail()}"
        assert "worker" not in stack.restarts(), stack.restarts()

    smtp.wait_for_each(addresses, timeout=60, diagnostics=stack.tails)
    time.sleep(SETTLE_SECONDS)
    assert_each_received_exactly_once(smtp, addresses)
    assert worker.pid == pid and stack.restarts().get("worker") is None
    print(
        f"\n{KILLS} Redis kills under a busy worker; worker PID unchanged; emails: {Counter(Counter(smtp.recipients()).values())}"
    )


def test_a_resend_asked_for_while_redis_is_down_arrives_once_it_is_back(seeded, make_stack, smtp, own_redis):
    # Redis is the cache and the broker: the request is recorded in PostgreSQL's outbox, and
    # beat's sweeper hands it to a sender when Redis returns.
    stack = make_stack(redis_url_=own_redis.url, beat=True)
    address = "resend-outage@example.org"
    assert_thanked(*sign(stack, seeded, address, ip="198.51.100.5"), seeded)
    smtp.wait_for_each([address], timeout=30, diagnostics=stack.tails)
    own_redis.stop()

    visitor = Visitor(stack.base_url, ip="198.51.100.6")
    page = visitor.get(reverse("petitions:resend", kwargs={"slug": seeded.slug}))
    assert page.status_code == 200
    started = time.monotonic()
    answer = visitor.submit(page, page.url, {"email": address})
    assert answer.status_code == 200 and time.monotonic() - started < 8
    time.sleep(2)  # a sender still at work may already send it; otherwise the sweeper does, after Redis is back
    own_redis.start()

    wait_for(lambda: len(smtp.to(address)) == 2, timeout=45, what="the resent email", diagnostics=stack.tails)
    time.sleep(SETTLE_SECONDS)
    assert len(smtp.to(address)) == 2
