"""What the provider accepted, recorded outside the database the moment it did.

A batch's outcomes are written in its transaction (storage.py): when the sender's database
connection dies mid-batch (a PostgreSQL restart, a killed backend), the transaction rolls back
and the batch's emails are due again, although some went out; and until the sender notices, at
its next query, another sender may have claimed the same rows. So each email is reserved here
(SET NX) before it is sent and marked sent as soon as the provider took it; a sender that finds
an email marked sent records it without sending, and one that finds it reserved leaves it for
later. Keys carry the row's request count: an email asked for again (a resend) is a new email,
while one put back for later (a backoff, a release) keeps its key.

The cache is Redis in production. While it is unreachable, emails are sent without this record,
as before: only a database failure at the same time can then send one twice.
"""

from django.conf import settings
from django.core.cache import cache

SENDING = "sending"
SENT = "sent"
# A reservation outlives one message's send (a few EMAIL_TIMEOUTs of connect, commands and
# DATA); a sender killed in mid-send leaves it, and the email goes out again after it expires.
SENDING_MIN_SECONDS = 20
# A mark outlives a database outage; it is deleted once the batch's outcomes are committed.
SENT_SECONDS = 6 * 3600


def _key(signature) -> str:
    return f"outbox:email:{signature.pk}:{signature.email_requests}"


class Ledger:
    """One batch's use of the record. After the first sign that the cache is unreachable it is
    not asked again in this batch (each try would cost a connection attempt)."""

    def __init__(self) -> None:
        self.available = True
        self.sending_seconds = max(SENDING_MIN_SECONDS, 2 * (getattr(settings, "EMAIL_TIMEOUT", None) or 10))

    def reserve(self, signature) -> str | None:
        """Reserve this email for this sender: None if it is ours to send (or the record is
        unavailable), else SENT (it went out already) or SENDING (another sender has it)."""
        if not self.available:
            return None
        key = _key(signature)
        if cache.add(key, SENDING, self.sending_seconds):
            return None
        # Not added: it is someone else's, or the cache is down (add answers False then).
        state = cache.get(key)
        if state in (SENT, SENDING):
            return state
        # Nothing there: the cache is down (or, rarely, the reservation expired in between).
        self.available = False
        return None

    def sent(self, signature) -> None:
        """The provider accepted it: no sender may send it again, whatever becomes of the batch."""
        if self.available:
            cache.set(_key(signature), SENT, SENT_SECONDS)

    def release(self, signature) -> None:
        """It did not go out: another try may send it."""
        if self.available:
            cache.delete(_key(signature))

    def forget(self, signatures) -> None:
        """The batch's outcomes are committed: its marks are no longer needed."""
        if self.available and signatures:
            cache.delete_many([_key(signature) for signature in signatures])
