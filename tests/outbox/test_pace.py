"""The provider's pace: a configured rate for all senders together, and a pause shared by all of
them when the provider answers 421/451 or is unreachable, growing while it keeps refusing.

Against the in-process SMTP server of test_sending.py, with pauses waited out for real (short
ones), on the in-process cache and on Redis (where worker processes share the pace).
"""

import threading
import time

import pytest
from django.core.cache import cache

from campaign.outbox import pace
from campaign.outbox.tasks import send_signature_emails
from campaign.petitions.models import Signature
from tests.outbox.test_sending import outbox_row, smtp, smtp_server  # noqa: F401 - fixtures

EmailState = Signature.EmailState
RATE = 20.0  # messages per second


@pytest.fixture(params=["in-process cache", "redis"])
def pace_cache(request, settings):
    """The cache the pace lives in; on Redis, its keys are cleared before and after."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "campaign.redis_cache.RedisCache",
                "LOCATION": request.getfixturevalue("redis_url"),
                "KEY_PREFIX": "test-pace",
            }
        }
    cache.delete_many(pace._keys())
    yield request.param
    cache.delete_many(pace._keys())


@pytest.fixture
def paced(settings):
    settings.PETITION_EMAIL_RATE = RATE
    settings.PETITION_EMAIL_PAUSE_SECONDS, settings.PETITION_EMAIL_PAUSE_MAX_SECONDS = 0.2, 0.8
    settings.PETITION_EMAIL_MAX_RETRIES = 3  # fewer than the refusals an outage brings


def send_until_done(seconds: float = 30.0) -> None:
    """Run the sender as workers would be woken (pauses and backoffs waited out for real)."""
    deadline = time.monotonic() + seconds
    while Signature.objects.filter(email_state=EmailState.PENDING).exists():
        assert time.monotonic() < deadline, "the backlog did not drain"
        send_signature_emails()
        time.sleep(0.05)


def test_an_outage_then_recovery_sends_each_email_once_at_the_configured_pace(smtp, paced, pace_cache):  # noqa: F811
    smtp.reset(reply="421 4.7.0 Try again later, closing connection")
    outage = 2.0
    smtp.down_until = time.monotonic() + outage
    addresses = [f"waiting.{n}@example.org" for n in range(40)]
    for address in addresses:
        outbox_row(email=address)

    send_until_done()

    # Nothing lost, nothing twice, though the provider refused more often than the retries allow.
    assert set(Signature.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert sorted(to for (to,), _message in smtp.received) == sorted(addresses)
    # No hammering: a handful of tries in 2 s (without the pause, a try every few milliseconds),
    # the pauses growing. A 421 on a kept-open connection is tried once more at once on a fresh
    # one (sending._closed_while_idle): those pairs are not pauses.
    assert 2 <= len(smtp.refused_at) <= 12
    gaps = [b - a for a, b in zip(smtp.refused_at, smtp.refused_at[1:], strict=False)]
    pauses = [gap for gap in gaps if gap > 0.1]
    # Each pause at least as long as its level's (0.2 s doubling to 0.8 s): load only lengthens them.
    assert len(pauses) >= 2, gaps
    assert all(gap >= 0.9 * min(0.2 * 2**level, 0.8) for level, gap in enumerate(pauses)), gaps
    # The backlog went out after the recovery at the configured pace (loosely: a loaded machine
    # only slows it down).
    accepted = smtp.accepted_at
    assert accepted[0] >= smtp.down_until
    rate = (len(accepted) - 1) / (accepted[-1] - accepted[0])
    assert RATE / 4 < rate <= RATE * 1.15


def test_every_sender_takes_its_turn_from_one_pace(paced, settings, redis_url):
    """Worker processes share the slots through Redis: two senders together keep the rate."""
    settings.CACHES = {"default": {"BACKEND": "campaign.redis_cache.RedisCache", "LOCATION": redis_url}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    cache.delete_many(pace._keys())
    stamps, per_sender = [], 15

    def sender():
        for _ in range(per_sender):
            assert pace.wait_turn() == 0.0
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 2 * per_sender
    assert (len(stamps) - 1) / (stamps[-1] - stamps[0]) <= RATE * 1.15

    level, seconds = pace.pause()
    assert level == 1 and seconds == pytest.approx(0.2)
    assert pace.wait_turn() > 0  # paused: no slot, whoever asks
    assert pace.pause() == (1, pytest.approx(0.2, abs=0.05))  # a second refusal meanwhile does not lengthen it
    time.sleep(0.25)
    assert pace.pause()[0] == 2 and pace.paused_for() == pytest.approx(0.4, abs=0.05)
    pace.recovered()
    time.sleep(0.45)
    assert pace.pause() == (1, pytest.approx(0.2))
    cache.delete_many(pace._keys())
