"""What the provider accepted, recorded outside the database as soon as it did.

A batch's outcomes are written in its transaction (storage.py): when the sender's database
connection dies mid-batch (a PostgreSQL restart, a killed backend), the transaction rolls back
and the batch's emails are due again, although some went out; and until the sender notices, at
its next query, another sender may have claimed the same rows. So each email is reserved here
(SET NX) before it is sent and marked sent once the provider took it (with the next reservation,
or when the batch ends uncommitted); a sender that finds an email marked sent records it without sending, and
one that finds it reserved leaves it for later. Keys carry the row's request count: an email
asked for again (a resend) is a new email, one put back for later (a backoff) keeps its key.

The cache is Redis in production. While it is unreachable, emails are sent without this record,
as before: only a database failure at the same time can then send one twice.
"""

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

SENDING = "sending"
SENT = "sent"
# A reservation outlives one message's send (a few EMAIL_TIMEOUTs of connect, commands and
# DATA); a sender killed in mid-send leaves it, and the email goes out again after it expires.
SENDING_MIN_SECONDS = 20
# A mark outlives a database outage; it is deleted once the batch's outcomes are committed.
SENT_SECONDS = 6 * 3600


# Mark the emails accepted since the last call sent (KEYS[2..]), then reserve KEYS[1]: nil if
# reserved, else what holds it. One command: a pipeline costs the sender twice the CPU.
_RESERVE = """
for i = 2, #KEYS do redis.call('SET', KEYS[i], 'sent', 'EX', ARGV[2]) end
if redis.call('SET', KEYS[1], 'sending', 'NX', 'EX', ARGV[1]) then return false end
return redis.call('GET', KEYS[1])
"""
_scripts = {}  # per Redis client


def _key(signature) -> str:
    return cache.make_and_validate_key(f"outbox:email:{signature.pk}:{signature.email_requests}")


class Ledger:
    """One batch's use of the record. On Redis, one round trip per email: the previous email's
    mark and this one's reservation go in one script. After the first sign that the cache is
    unreachable it is not asked again in this batch (each try would cost a connection attempt)."""

    def __init__(self) -> None:
        self.available = True
        self.sending_seconds = max(SENDING_MIN_SECONDS, 2 * (getattr(settings, "EMAIL_TIMEOUT", None) or 10))
        self.unmarked = []  # keys of emails accepted but not yet marked sent
        get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
        self.redis = get_client(write=True) if get_client is not None else None  # None: the in-process cache
        if self.redis is not None and id(self.redis) not in _scripts:
            _scripts[id(self.redis)] = self.redis.register_script(_RESERVE)

    def _run(self, commands) -> list | None:
        """Run (method, args, kwargs) commands in one round trip: their replies, or None if unreachable."""
        if not self.available:
            return None
        try:
            if self.redis is None:
                return [getattr(cache, method)(*args, **kwargs) for method, args, kwargs in commands]
            pipe = self.redis.pipeline(transaction=False)
            for method, args, kwargs in commands:
                getattr(pipe, method)(*args, **kwargs)
            return pipe.execute()
        except Exception:  # noqa: BLE001 - the record is a second line; sending goes on without it
            return self._unavailable()

    def _marks(self) -> list:
        marks, self.unmarked = self.unmarked, []
        if self.redis is None:
            return [("set", (key, SENT, SENT_SECONDS), {}) for key in marks]
        return [("set", (key, SENT), {"ex": SENT_SECONDS}) for key in marks]

    def reserve(self, signature) -> str | None:
        """Reserve this email for this sender: None if it is ours to send (or the record is
        unavailable), else SENT (it went out already) or SENDING (another sender has it)."""
        key = _key(signature)
        if self.redis is None:
            replies = self._run(
                [*self._marks(), ("add", (key, SENDING, self.sending_seconds), {}), ("get", (key,), {})]
            )
            state = None if replies is None or replies[-2] else replies[-1]
        elif self.available:
            try:
                state = _scripts[id(self.redis)](
                    keys=[key, *self.unmarked], args=[self.sending_seconds, SENT_SECONDS], client=self.redis
                )
            except Exception:  # noqa: BLE001 - the record is a second line; sending goes on without it
                return self._unavailable()
            self.unmarked = []
            state = state.decode() if state else None
        else:
            return None
        return state if state in (SENT, SENDING) else None

    def _unavailable(self) -> None:
        logger.warning("Cache unavailable: emails in this batch are sent without the outbox ledger.")
        self.available = False

    def sent(self, signature) -> None:
        """The provider accepted it: marked with the next reservation, or when the batch ends."""
        if self.available:
            self.unmarked.append(_key(signature))

    def release(self, signature) -> None:
        """It did not go out: another try may send it."""
        self._run([*self._marks(), ("delete", (_key(signature),), {})])

    def settle(self) -> None:
        """The batch ended without its outcomes committed: mark what went out."""
        if self.unmarked:
            self._run(self._marks())

    def forget(self, signatures) -> None:
        """The batch's outcomes are committed: its marks are no longer needed."""
        self.unmarked = []
        keys = [_key(signature) for signature in signatures]
        if keys:
            self._run([("delete", tuple(keys), {})] if self.redis is not None else [("delete_many", (keys,), {})])
