"""Sending updates to supporters: claim a batch of due deliveries, send it over one connection
at the provider's pace, record each outcome once.

A batch is one transaction holding its rows locked (FOR UPDATE SKIP LOCKED), as the signature
outbox does (sending.py): a sender that dies rolls its batch back, and only what it sent in that
transaction can go out again. Each recipient is checked again here: someone who unsubscribed,
withdrew or was erased after the update was queued is skipped, never sent to.
"""

import logging
import random
import re
import secrets
import smtplib
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formatdate, make_msgid
from functools import lru_cache

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.db import connections, router, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from campaign.petitions.models import SupporterUpdate, UpdateDelivery
from campaign.petitions.tokens import manage_token_make, unsubscribe_token_make

from . import pace, wake
from .emails import _link, email_language, is_connection_failure, is_transient, recipient_address
from .sending import _sendmail, provider_refused
from .storage import CLAIM_IDLE_LIMIT
from .updates import still_wants_updates

logger = logging.getLogger(__name__)

Delivery = UpdateDelivery.State
BATCH_SIZE = 100
# Random per process, so nothing an organizer writes can be mistaken for one.
_TOKEN = secrets.token_hex(8)
_UNSUB, _MANAGE, _TO, _DATE, _MSGID = (f"ph{_TOKEN}{slot}" for slot in ("unsub", "manage", "to", "date", "msgid"))
_SLOTS = {p.encode(): p for p in (_UNSUB, _MANAGE, _TO, _DATE, _MSGID)}
_SPLIT = re.compile(b"(" + b"|".join(re.escape(p) for p in _SLOTS) + b")")
# Longer values could push a body line past what 8bit transfer allows (998 bytes).
_MAX_VALUE_BYTES = 400


@dataclass(frozen=True)
class _Rendered:
    subject: str
    text: str
    html: str
    # The whole message as bytes, cut where each recipient's values go (see _pieces).
    pieces: tuple = ()


def _render(update: SupporterUpdate, language: str, *, test: bool = False) -> _Rendered:
    """The update in `language` (English where it has none), with placeholders for the links."""
    with translation.override(language):
        petition = update.petition
        context = {
            "language": language,
            "petition": petition,
            "petition_url": settings.SITE_URL + petition.get_absolute_url(),
            "subject": update.subject,
            "body": update.body,
            "keep_updated": True,
            "unsubscribe_url": _UNSUB,
            "manage_url": _MANAGE,
            "site_url": settings.SITE_URL,
        }
        subject = " ".join(update.subject.split())
        if test:
            subject = gettext("[Test] %(subject)s") % {"subject": subject}
        text = render_to_string("petitions/email/update.txt", context)
        html = render_to_string("petitions/email/update.html", context)
    return _Rendered(subject=subject, text=text, html=html)


def _pieces(rendered: _Rendered, language: str) -> tuple:
    """The message rendered once, MIME and all, as bytes literals and the placeholders where a
    recipient's values go: a surge of updates pays for templates and MIME once per language."""
    message = update_message(
        rendered,
        to=f"{_TO}@example.invalid",
        language=language,
        unsubscribe_url=_UNSUB,
        manage_url=_MANAGE,
        headers={"Date": _DATE, "Message-ID": _MSGID},
    )
    data = message.message().as_bytes(linesep="\r\n").replace(f"{_TO}@example.invalid".encode(), _TO.encode())
    if b"Content-Transfer-Encoding: quoted-printable" in data or b"Content-Transfer-Encoding: base64" in data:
        return ()  # encoded lines could cut a placeholder: every message is rendered in full
    return tuple(_SLOTS.get(part, part) for part in _SPLIT.split(data) if part)


@lru_cache(maxsize=8)
def _from_addr(from_email: str) -> str:
    return sanitize_address(from_email, "utf-8")  # a full header parse: once, not per email


def update_message(
    rendered: _Rendered, *, to: str, language: str, unsubscribe_url: str, manage_url: str, headers: dict | None = None
) -> EmailMultiAlternatives:
    def fill(text: str, quote) -> str:
        return text.replace(_UNSUB, quote(unsubscribe_url)).replace(_MANAGE, quote(manage_url))

    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=fill(rendered.text, str),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": language,
            **(headers or {}),
        },
    )
    message.attach_alternative(fill(rendered.html, escape), "text/html")
    return message


def update_preview(*, update: SupporterUpdate, language: str) -> _Rendered:
    """What a supporter reading `language` gets (links shown as the petition's address)."""
    rendered = _render(update, language)
    url = settings.SITE_URL + update.petition.get_absolute_url()
    return _Rendered(
        subject=rendered.subject,
        text=rendered.text.replace(_UNSUB, url).replace(_MANAGE, url),
        html=rendered.html.replace(_UNSUB, url).replace(_MANAGE, url),
    )


def update_test_send(*, update: SupporterUpdate, to: str, language: str) -> None:
    """Send the update to a staff member only, marked as a test; its links lead to the petition."""
    rendered = _render(update, language, test=True)
    url = settings.SITE_URL + update.petition.get_absolute_url()
    update_message(rendered, to=to, language=language, unsubscribe_url=url, manage_url=url).send()


def _deliver(connection, rendered: _Rendered, signature, language: str) -> None:
    """Send the update to this supporter, over the open connection; raises what the server said."""
    unsubscribe_url = _link("petitions:unsubscribe", unsubscribe_token_make(public_id=signature.public_id), language)
    manage_url = _link("petitions:manage", manage_token_make(public_id=signature.public_id), language)
    if isinstance(connection, SMTPBackend) and rendered.pieces:
        to_addr = recipient_address(signature.email, settings.DEFAULT_CHARSET)
        values = {
            _TO: to_addr,
            _DATE: formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
            _MSGID: make_msgid(domain=DNS_NAME),
            _UNSUB: unsubscribe_url,
            _MANAGE: manage_url,
        }
        encoded = {slot: value.encode() for slot, value in values.items()}
        # Links are URL-safe (the HTML part needs no escaping) and short; anything else: in full.
        if all(len(v) <= _MAX_VALUE_BYTES and b"\r" not in v and b"\n" not in v for v in encoded.values()) and (
            escape(unsubscribe_url) == unsubscribe_url and escape(manage_url) == manage_url
        ):
            data = b"".join(encoded[piece] if isinstance(piece, str) else piece for piece in rendered.pieces)
            _sendmail(connection.connection, _from_addr(settings.DEFAULT_FROM_EMAIL), to_addr, data)
            return
    message = update_message(
        rendered, to=signature.email, language=language, unsubscribe_url=unsubscribe_url, manage_url=manage_url
    )
    connection.send_messages([message])


def _claim(limit: int) -> list[UpdateDelivery]:
    """Lock up to `limit` due deliveries for the caller's transaction (see storage.py's claim).

    Ordered by the outbox index alone, which PostgreSQL walks in order and stops after `limit`
    rows; a second sort key would make it read and sort every row queued at the same moment."""
    connection = connections[router.db_for_write(UpdateDelivery)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Right after queueing, before autovacuum analysed the new rows, the planner may
            # otherwise read, join and sort the whole outbox for a batch.
            cursor.execute(
                "SELECT set_config('idle_in_transaction_session_timeout', %s, true),"
                " set_config('enable_bitmapscan', 'off', true), set_config('enable_hashjoin', 'off', true),"
                " set_config('enable_sort', 'off', true)",
                [CLAIM_IDLE_LIMIT],
            )
    return list(
        UpdateDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=Delivery.PENDING, due_at__lte=timezone.now())
        .select_related("signature", "update", "update__petition")
        .order_by("due_at")[:limit]
    )


def _record(ids: list[int], **fields) -> None:
    if ids:
        UpdateDelivery.objects.filter(pk__in=ids).update(**fields)


@dataclass
class UpdateOutcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    postponed: int = 0
    paused_for: float = 0.0
    rested_for: float = 0.0  # seconds given way to signers (UPDATE_YIELD_FACTOR)


def _send_batch(connection, rows: list[UpdateDelivery], rendered: dict, outcome: UpdateOutcome) -> None:
    sent, skipped = [], []
    for index, row in enumerate(rows):
        signature = row.signature
        if not still_wants_updates(signature):
            skipped.append(row.pk)
            continue
        if (left := pace.wait_turn()) if pace.interval() > 0 else 0:
            _record([r.pk for r in rows[index:]], due_at=timezone.now() + timedelta(seconds=left))
            outcome.postponed += len(rows) - index
            outcome.paused_for = left
            break
        language = email_language(signature)
        key = (row.update_id, language)
        if key not in rendered:
            once = _render(row.update, language)
            rendered[key] = _Rendered(once.subject, once.text, once.html, _pieces(once, language))
        try:
            connection.open()  # False, and nothing done, while the connection is open
            _deliver(connection, rendered[key], signature, language)
        except Exception as exc:  # noqa: BLE001 - the row goes back with its error; the batch goes on
            if is_connection_failure(exc) or not isinstance(exc, smtplib.SMTPException):
                connection.close()  # the next message gets a fresh session
            if provider_refused(exc) or (not hasattr(exc, "smtp_code") and is_transient(exc)):
                # The provider refused or is unreachable: every sender pauses, the rest wait untried.
                _level, seconds = pace.pause()
                _record([r.pk for r in rows[index + 1 :]], due_at=timezone.now() + timedelta(seconds=seconds))
                outcome.postponed += len(rows) - index - 1
                outcome.paused_for = seconds
                _retry_or_fail(row, exc, outcome, delay=seconds)
                break
            _retry_or_fail(row, exc, outcome)
            continue
        sent.append(row.pk)
    _record(sent, state=Delivery.SENT, sent_at=timezone.now())
    _record(skipped, state=Delivery.SKIPPED)
    outcome.sent += len(sent)
    outcome.skipped += len(skipped)
    if sent:
        pace.recovered()


def _retry_or_fail(row: UpdateDelivery, exc: BaseException, outcome: UpdateOutcome, delay: float | None = None) -> None:
    attempts = row.attempts + 1
    if is_transient(exc) and attempts < settings.PETITION_EMAIL_MAX_RETRIES:
        if delay is None:
            delay = random.uniform(0.5, 1.0) * min(600.0, 5.0 * 2**attempts)
        _record([row.pk], attempts=attempts, due_at=timezone.now() + timedelta(seconds=delay))
        outcome.postponed += 1
        logger.warning("Update delivery %s failed (%s); retrying in %.0fs.", row.pk, type(exc).__name__, delay)
        return
    _record([row.pk], attempts=attempts, state=Delivery.FAILED)
    outcome.failed += 1
    logger.error("Update delivery %s failed for good (%s).", row.pk, type(exc).__name__)


def update_deliveries_send(*, budget_seconds: float = 20.0, batch_size: int = BATCH_SIZE) -> tuple[UpdateOutcome, bool]:
    """Send due update deliveries, batch by batch over one connection, until none are due or the
    budget is spent. Returns what happened and whether more is due now."""
    outcome, deadline, rendered = UpdateOutcome(), time.monotonic() + budget_seconds, {}
    if left := pace.paused_for():
        outcome.paused_for = left
        return outcome, False
    connection = mail.get_connection()
    try:
        while True:
            started = time.monotonic()
            with transaction.atomic():
                rows = _claim(pace.batch_limit(batch_size))
                if rows:
                    _send_batch(connection, rows, rendered, outcome)
            if not rows or outcome.paused_for:
                return outcome, False
            now = time.monotonic()
            if now > deadline:
                return outcome, True
            # Signers first: while they arrive, the update shares the machine at a fraction of its
            # speed (outside the batch's transaction, so no row stays locked meanwhile).
            if settings.UPDATE_YIELD_FACTOR > 0 and wake.sender_at_work():
                rest = min((now - started) * settings.UPDATE_YIELD_FACTOR, deadline - now)
                outcome.rested_for += rest
                time.sleep(rest)
    finally:
        connection.close()
