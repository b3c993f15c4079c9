"""Waking the email sender: what code that makes an email due calls (`wake`).

One broker message per signature costs more than the rest of the request's writes; instead, a
flag in the cache says a sender task is on its way or at work, and only a request that finds
no flag publishes one. A sender keeps claiming while signatures come in; before it stops it
clears the flag (`sender_stopping`) and claims once more. So a signature committed while the
flag was still set is committed before that last claim, which finds it, and one committed
after finds the flag gone and wakes a new sender. The flag expires (a sender that died, a
message the broker lost), and the row is the outbox: a broker outage only delays the email
until the sweeper's next run.
"""

import logging

from django.core.cache import cache
from django.db import transaction

from campaign.dispatch import dispatcher

logger = logging.getLogger(__name__)

SEND_TASK = "campaign.petitions.tasks.send_signature_emails"
WAKE_KEY = "petitions:email-sender-woken"
WAKE_SECONDS = 30  # longer than a sender works before it hands over to a fresh task (sending.send_due)


def wake() -> None:
    """Make sure a worker sends what is due, once the current transaction commits."""
    transaction.on_commit(publish)


def publish(*, first_in: bool | None = None) -> None:
    """Publish a sender task unless the flag says one is on its way or at work. `first_in`:
    the caller has tried the flag already (`counted_with_flag`), so it is not tried again."""
    try:
        if first_in is None:
            first_in = dispatcher().first_in(WAKE_KEY, WAKE_SECONDS)
        if first_in:
            dispatcher().send(SEND_TASK)
    except Exception:  # noqa: BLE001 - the row is the outbox; the sweeper sends it later
        logger.warning("Could not wake the email sender; the outbox sweeper will.")


def counted_with_flag(counters: list[tuple[str, int]]) -> tuple[list[int], bool]:
    """Count these rate-limit events (as abuse.count_events) and try the sender's flag, in one
    cache round trip: the only one on the signing path. Returns the new counts, and whether
    this caller must publish a sender (`publish(first_in=...)`)."""
    return dispatcher().count_and_first_in(counters, WAKE_KEY, WAKE_SECONDS)


def sender_stopping() -> None:
    """Called by a sender before its last claim: later signatures must wake another one."""
    try:
        cache.delete(WAKE_KEY)
    except Exception:  # noqa: BLE001 - the flag expires by itself
        logger.warning("Could not clear the email sender's flag; it expires by itself.")


def sender_at_work() -> bool:
    """Whether a confirmation sender is on its way or at work, i.e. signers are arriving now.
    False while the cache is unreachable (read as a miss) and in-process, where no flag is set."""
    return bool(cache.get(WAKE_KEY))
