"""The outbox is the signatures table: an email is due while its row is pending and due.

A sender claims a batch (rows locked for its transaction, nothing written to claim them) and
records each row's outcome before that transaction ends.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from campaign.petitions.models import Signature

EmailState = Signature.EmailState


def _email_due(now, *, overdue_by: float = 0):
    """Due emails (`overdue_by` seconds or more): pending and due. A sender that died in the
    middle of a batch left its rows so (its transaction rolled back)."""
    return Q(email_state=EmailState.PENDING, email_due_at__lte=now - timedelta(seconds=overdue_by))


# Far longer than a sender waits on one message (EMAIL_TIMEOUT), well past the sender task's time limit.
CLAIM_IDLE_LIMIT = "120s"


def signature_emails_claim(*, limit: int) -> list[Signature]:
    """Lock up to `limit` due emails, oldest first, for the caller's transaction; return their rows.

    Call it inside `transaction.atomic()` and record each row's outcome (the functions below)
    before that transaction ends: the rows are the caller's until it commits, and another
    sender skips them (SKIP LOCKED on PostgreSQL) instead of waiting. Nothing is written to
    claim them: a sender that dies, or loses its connection, leaves them pending and due by
    rolling back, and only what it sent in that transaction can go out twice. One write per
    email, its outcome: each write is a new version of a wide row with a dozen index entries.

    The query is the outbox index's own question (pending, ordered by due time): PostgreSQL
    walks that index in order and stops after `limit` rows, with or without statistics; the
    entries left dead by rows already sent are marked so by the first walk that meets them,
    and skipped after that.
    """
    connection = connections[router.db_for_write(Signature)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # For this transaction only, one round trip. A sender that goes silent without its
            # connection closing (its host lost, a frozen process) would hold its batch until
            # TCP noticed, hours later: PostgreSQL ends the session after this long idle in the
            # transaction, and the batch is due again. And the claim must walk the index in
            # order: right after a surge's inserts, before autovacuum has analysed them, the
            # planner can take the outbox for a few rows and read, join and sort all of it.
            cursor.execute(
                "SELECT set_config('idle_in_transaction_session_timeout', %s, true), set_config('enable_bitmapscan', 'off', true),"
                " set_config('enable_hashjoin', 'off', true), set_config('enable_sort', 'off', true)",
                [CLAIM_IDLE_LIMIT],
            )
    return list(
        Signature.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_email_due(timezone.now()))
        .select_related("petition")
        .only(
            "public_id",
            "name",
            "email",
            "language",
            "keep_updated",
            "state",
            "confirmed_at",
            "erased_at",
            "email_attempts",
            "email_requests",
            "petition__title",
            # The title in every signer's language (modeltranslation's columns): one deferred
            # column read per email would be a query per email.
            *(f"petition__title_{code}" for code, _name in settings.LANGUAGES),
            "petition__slug",
        )
        .order_by("email_due_at")[:limit]
    )


# The outcomes below are written by the transaction that claimed the rows, which holds them
# (on PostgreSQL; SQLite, for development, has no row locks and takes the database's write lock
# at the first write): no other sender can have touched them meanwhile, so they are found by
# key alone; a condition on email_state could lead PostgreSQL to scan the whole outbox index.


def signature_emails_sent(*, signature_ids: list[int]) -> None:
    Signature.objects.filter(pk__in=signature_ids).update(
        email_state=EmailState.SENT, email_sent_at=timezone.now(), email_attempts=0
    )


def signature_email_postpone(*, signature_id: int, attempts: int, delay: float | None = None) -> float:
    """Put the email back in the outbox after its `attempts`-th failed try, a transient one,
    due in `delay` seconds; return the delay.

    By default exponential backoff with full jitter, so a recovering SMTP server is not hit by a herd.
    """
    if delay is None:
        delay = random.uniform(0.5, 1.0) * min(600.0, 5.0 * 2**attempts)
    Signature.objects.filter(pk=signature_id).update(
        email_due_at=timezone.now() + timedelta(seconds=delay), email_attempts=attempts
    )
    return delay


def signature_emails_release(*, signature_ids: list[int], delay: float) -> None:
    """Put claimed emails back untried, due in `delay` seconds; no attempt is counted (the
    server failed on the messages before them, not on these)."""
    Signature.objects.filter(pk__in=signature_ids).update(email_due_at=timezone.now() + timedelta(seconds=delay))


def signature_email_failed(*, signature_id: int, attempts: int) -> None:
    Signature.objects.filter(pk=signature_id).update(email_state=EmailState.FAILED, email_attempts=attempts)


def signature_email_nothing_to_send(*, signature_id: int) -> None:
    Signature.objects.filter(pk=signature_id).update(email_state=EmailState.NONE)


def outbox_overdue_count(*, limit: int = 1000) -> int:
    """How many emails (up to `limit`) are overdue: their wake-up was lost (a broker outage),
    their worker died, or their retry came due and nobody was woken for it."""
    overdue = _email_due(timezone.now(), overdue_by=settings.PETITION_OUTBOX_GRACE_SECONDS)
    return len(Signature.objects.filter(overdue).values_list("pk", flat=True)[:limit])
