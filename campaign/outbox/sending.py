"""Sending what the outbox holds: claim a batch of due emails, send it over one connection,
record what happened to each.

A batch pays for the claim and the bookkeeping once, for many emails (a task per email pays
a broker message, a claim, a read, a render and two commits each), and its messages come from
`emails.prepared_signature_email`. A batch is one transaction: its rows are locked, not
marked, while they are sent (see `storage.signature_emails_claim`), and each row is written
once, with its outcome. What the provider accepted is also recorded at once outside the
database (`ledger`), so a batch rolled back by a lost connection sends nothing twice.
"""

import contextlib
import logging
import random
import re
import smtplib
import time
from dataclasses import dataclass, field
from functools import lru_cache

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction

from . import pace, storage
from .emails import (
    PLAIN_ADDRESS,
    PreparedEmail,
    build_signature_email,
    is_connection_failure,
    is_transient,
    prepared_signature_email,
)
from .ledger import SENT, Ledger

logger = logging.getLogger(__name__)

# Emails per batch, each batch one transaction. A worker killed in mid-batch (SIGKILL, OOM),
# or one whose database connection drops, rolls its batch back: what it sent is known from
# the ledger, and only the message in flight when a worker is killed can go out twice.
BATCH_SIZE = 20
# When this many batches in a row were full from the start, more is waiting than one process
# sends, and a second sender is woken (see send_due).
SHARE_AFTER_FULL_BATCHES = 5
# How long a sender waits for more signatures before it stops (see send_due).
LINGER_SECONDS = 0.2
# A server that fails this many messages in a row mid-session (stalls past the timeout, hangs
# up), or this many in one batch, is not asked about the rest of the batch now: they go back
# untried, due again in a few seconds (RELEASE_SECONDS, with jitter).
SICK_AFTER = 2
SICK_PER_BATCH = 5
RELEASE_SECONDS = 5.0
# A batch begun inside the budget may run this much past it, well inside the task's soft
# time limit (60 s, tasks.py); then its untried rest goes back.
BATCH_GRACE_SECONDS = 15.0


class _Unreachable(Exception):
    """No connection could be opened: the server is down for every message. Its cause is what
    the connection attempt raised."""


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    postponed: int = 0
    nothing_to_send: int = 0
    retry_in: list[float] = field(default_factory=list)  # seconds until each postponed email is due
    paused_for: float = 0.0  # the provider refused or was unreachable: every sender waits this long
    # The task's soft time limit, met in mid-batch: raised once the batch's outcomes are committed.
    interrupted: BaseException | None = None

    def add(self, other: "Outcome") -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.postponed += other.postponed
        self.nothing_to_send += other.nothing_to_send
        self.retry_in += other.retry_in
        self.paused_for = max(self.paused_for, other.paused_for)


# One mail connection per worker process, reused across batches and tasks. It belongs to the
# settings it was made for (tests and `settings` overrides change them), and is reopened
# when the server has dropped it.
_connection = None
_connection_key = None


def _settings_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
    )


def _drop_connection() -> None:
    global _connection
    if _connection is not None:
        with contextlib.suppress(Exception):  # it is being thrown away anyway
            _connection.close()
    _connection = None


def _closed_while_idle(exc: BaseException) -> bool:
    """Servers close connections left idle (some say 421 first, some just hang up). That is
    no fault of the message: it is sent again at once on a fresh connection, not after a backoff."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib reports a reply that never came as a disconnection too: that server is
        # stalling, not idle, and the message waits out a backoff.
        return not isinstance(exc.__context__, TimeoutError)
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


def smtp_quoted(address: str) -> str:
    """The address as smtplib.quoteaddr writes it into MAIL and RCPT. That parses the address
    in full, twice per email a quarter of the sender's CPU; a plain address comes out as itself."""
    return f"<{address}>" if PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


_sender_quoted = lru_cache(maxsize=8)(smtp_quoted)  # the envelope sender hardly ever changes


_LEADING_PERIOD = re.compile(rb"(?m)^\.")


def _sendmail(smtp: smtplib.SMTP, from_addr: str, to_addr: str, data: bytes) -> None:
    """smtplib.SMTP.sendmail for one recipient, with the addresses quoted by `smtp_quoted`:
    the same commands, the same exceptions, the same RSET or close after a refusal.

    To a server that offers PIPELINING (RFC 2920; Postfix, Exim and the big providers do), MAIL,
    RCPT and DATA go in one write and their three replies are read together: two round trips
    per message instead of four.
    """

    def refused(code: int) -> None:
        smtp.close() if code == 421 else smtp._rset()

    smtp.ehlo_or_helo_if_needed()
    size = f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    mail = f"FROM:{_sender_quoted(from_addr)}{size}"
    rcpt = f"TO:{smtp_quoted(to_addr)}"
    if smtp.does_esmtp and smtp.has_extn("pipelining"):
        smtp.send(f"mail {mail}\r\nrcpt {rcpt}\r\ndata\r\n")
        replies = []
        while len(replies) < 3 and (not replies or replies[-1][0] != 421):  # after a 421 the server hangs up
            replies.append(smtp.getreply())
        replies += [(421, b"")] * (3 - len(replies))
        (mail_code, mail_reply), (rcpt_code, rcpt_reply), (data_code, data_reply) = replies
        if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
            smtp.send(b".\r\n")  # a server that took DATA with no recipient: end it empty
            smtp.getreply()
    else:
        smtp.putcmd("mail", mail)
        mail_code, mail_reply = smtp.getreply()
        if mail_code == 250:
            smtp.putcmd("rcpt", rcpt)
            rcpt_code, rcpt_reply = smtp.getreply()
            if rcpt_code in (250, 251):
                smtp.putcmd("data")
                data_code, data_reply = smtp.getreply()
    if mail_code != 250:
        refused(mail_code)
        raise smtplib.SMTPSenderRefused(mail_code, mail_reply, from_addr)
    if rcpt_code not in (250, 251):
        refused(rcpt_code)
        raise smtplib.SMTPRecipientsRefused({to_addr: (rcpt_code, rcpt_reply)})
    if data_code != 354:
        refused(data_code)
        raise smtplib.SMTPDataError(data_code, data_reply)
    # The message as smtplib's data() sends it: leading periods doubled, ended by CRLF "." CRLF.
    body = _LEADING_PERIOD.sub(b"..", data)
    smtp.send(body + (b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n"))
    code, reply = smtp.getreply()
    if code != 250:
        refused(code)
        raise smtplib.SMTPDataError(code, reply)


def provider_refused(exc: BaseException) -> bool:
    """421 or 451: the provider is down or rate-limiting us, not refusing this message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code in (421, 451) for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code in (421, 451)


def _deliver(signature) -> bool:
    """Send this signature's email; False if it is owed none. Raises what the server said."""
    global _connection, _connection_key
    for _try in range(2):
        if _connection is None or _connection_key != _settings_key():
            _drop_connection()
            _connection, _connection_key = mail.get_connection(), _settings_key()
        try:
            # False means "already open": a connection that may have idled out on the server.
            reused = _connection.open() is False
        except SoftTimeLimitExceeded:
            _drop_connection()
            raise  # the task's time is up, not the server's fault: the batch goes back untried
        except Exception as exc:
            _drop_connection()
            raise _Unreachable from exc
        try:
            if isinstance(_connection, SMTPBackend):
                prepared: PreparedEmail | None = prepared_signature_email(signature)
                if prepared is None:
                    return False
                _sendmail(_connection.connection, prepared.from_addr, prepared.to_addr, prepared.data)
            else:  # an API backend (anymail), the console, files, tests' locmem: Django's own message
                message = build_signature_email(signature)
                if message is None:
                    return False
                _connection.send_messages([message])
            return True
        except Exception as exc:
            if reused and _closed_while_idle(exc):
                _drop_connection()
                continue
            if is_connection_failure(exc) or not isinstance(exc, smtplib.SMTPException):
                _drop_connection()  # after a reply about this message alone (smtplib sent RSET), the session goes on
            raise
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _send_batch(signatures: list, deadline: float = float("inf"), ledger: Ledger | None = None) -> Outcome:
    """Send a batch claimed in the caller's transaction, and record in it what happened to each.
    Past `deadline` (time.monotonic()) the rest go back untried."""
    outcome, sent, busy = Outcome(), [], []
    ledger = ledger or Ledger()

    def put_back(row, exc, delay: float | None = None) -> None:
        attempts = row.email_attempts + 1
        if is_transient(exc) and attempts < settings.PETITION_EMAIL_MAX_RETRIES:
            delay = storage.signature_email_postpone(signature_id=row.pk, attempts=attempts, delay=delay)
            outcome.retry_in.append(delay)
            outcome.postponed += 1
            logger.warning("Email for signature %s failed (%s); retrying in %.0fs.", row.pk, type(exc).__name__, delay)
            return
        storage.signature_email_failed(signature_id=row.pk, attempts=attempts)
        outcome.failed += 1
        logger.error("Email for signature %s failed for good (%s).", row.pk, type(exc).__name__)

    def release(rows, why: str):
        delay = random.uniform(0.5, 1.0) * RELEASE_SECONDS
        storage.signature_emails_release(signature_ids=[row.pk for row in rows], delay=delay)
        outcome.postponed += len(rows)
        outcome.retry_in += [delay] * len(rows)
        logger.warning("%s; %d more emails wait %.0fs.", why, len(rows), delay)

    def hold(rows, seconds: float) -> None:
        """Every sender is paused: these go back untried, due when the pause ends."""
        storage.signature_emails_release(signature_ids=[row.pk for row in rows], delay=seconds)
        outcome.postponed += len(rows)
        outcome.retry_in += [seconds] * len(rows)
        outcome.paused_for = max(outcome.paused_for, seconds)

    def refused(row, rest, exc) -> None:
        """The provider refused (421/451) or could not be reached: pause every sender. Only
        the first refusal since a message went out counts as a try of this row, so an outage
        of any length fails nothing; the rest go back untried."""
        level, seconds = pace.pause()
        if level == 1:
            put_back(row, exc, delay=seconds)
            outcome.paused_for = max(outcome.paused_for, seconds)
        else:
            rest = [row, *rest]
            logger.warning(
                "Email for signature %s deferred (%s); retrying in %.0fs.", row.pk, type(exc).__name__, seconds
            )
        if rest:
            hold(rest, seconds)

    paced = pace.interval() > 0
    if not paced and signatures and (left := pace.paused_for()):
        hold(signatures, left)
        return outcome
    failures_in_a_row = failures = 0
    for index, signature in enumerate(signatures):
        if time.monotonic() > deadline:
            release(signatures[index:], "Sending time is up")
            break
        if paced and (left := pace.wait_turn()):
            hold(signatures[index:], left)
            break
        if state := ledger.reserve(signature):
            if state == SENT:  # sent by a sender whose batch was rolled back: record it, send nothing
                sent.append(signature.pk)
            else:  # SENDING: another sender has it now; ask again later
                busy.append(signature)
            continue
        try:
            delivered = _deliver(signature)
        except SoftTimeLimitExceeded as exc:
            # The message in flight may have gone out: it may come twice (once its reservation
            # expires), never not at all.
            _drop_connection()
            release(signatures[index:], "The sender task ran out of time")
            outcome.interrupted = exc
            break
        except _Unreachable as unreachable:
            ledger.release(signature)
            # The rest of the batch would meet the same closed door: it waits out the pause too.
            refused(signature, signatures[index + 1 :], unreachable.__cause__)
            break
        except Exception as exc:  # noqa: BLE001 - the row goes back with its error; the batch goes on
            ledger.release(signature)
            if provider_refused(exc):
                refused(signature, signatures[index + 1 :], exc)
                break
            put_back(signature, exc)
            if not is_connection_failure(exc):
                failures_in_a_row = 0
                continue  # a reply about this message alone: the session goes on
            # The server stalled or hung up on this message; the next one gets a fresh
            # connection, unless it keeps doing that.
            failures_in_a_row, failures = failures_in_a_row + 1, failures + 1
            if (failures_in_a_row >= SICK_AFTER or failures >= SICK_PER_BATCH) and signatures[index + 1 :]:
                release(signatures[index + 1 :], f"SMTP server failed {failures} messages of this batch")
                break
            continue
        failures_in_a_row = 0
        if not delivered:
            ledger.release(signature)
            storage.signature_email_nothing_to_send(signature_id=signature.pk)
            outcome.nothing_to_send += 1
            continue
        ledger.sent(signature)
        sent.append(signature.pk)
    if busy:
        release(busy, "Another sender holds some of this batch's emails")
    if sent:
        storage.signature_emails_sent(signature_ids=sent)
        outcome.sent += len(sent)
        pace.recovered()
    return outcome


def send_due(
    *,
    batch_size: int = BATCH_SIZE,
    budget_seconds: float = 20.0,
    linger_seconds: float = 0.0,
    on_full_batch=None,
    before_last_claim=None,
) -> tuple[Outcome, bool]:
    """Send due emails batch by batch until none are left or the time budget is spent.

    After a batch that was not full it waits `linger_seconds` for more to come in (during a
    surge a batch per fifth of a second, not a task per handful of signatures), and when nothing came it calls `before_last_claim`
    and claims once more. `on_full_batch` is called once, when the first
    SHARE_AFTER_FULL_BATCHES batches were all full: more is waiting than one process sends.
    Returns what happened and whether work was left for another run.
    """
    outcome, deadline, idle = Outcome(), time.monotonic() + budget_seconds, False
    batch_size = pace.batch_limit(batch_size)
    full_batches = 0 if on_full_batch is not None else None
    while True:
        ledger = Ledger()
        try:
            with transaction.atomic():
                batch = storage.signature_emails_claim(limit=batch_size)
                done = _send_batch(batch, deadline + BATCH_GRACE_SECONDS, ledger) if batch else None
        except BaseException:
            ledger.settle()  # rolled back (a lost connection): what went out must not go out again
            raise
        if batch:
            ledger.forget(batch)  # committed: the rows say what happened
        if not batch:
            if linger_seconds and not idle:
                idle = True
                time.sleep(linger_seconds)
                continue
            if before_last_claim is not None:
                before_last_claim()
                before_last_claim, linger_seconds = None, 0.0
                continue
            return outcome, False
        idle = False
        outcome.add(done)
        if done.interrupted is not None:
            raise done.interrupted  # after the commit: what was sent is recorded
        if done.paused_for:
            return outcome, False  # the task wakes a sender when the pause ends
        if full_batches is not None:
            full_batches = full_batches + 1 if len(batch) == batch_size else None
            if full_batches == SHARE_AFTER_FULL_BATCHES:
                on_full_batch()
                full_batches = None
        if time.monotonic() > deadline:
            return outcome, True
        if len(batch) < batch_size and linger_seconds:
            time.sleep(linger_seconds)
