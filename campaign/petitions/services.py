"""Every write to petitions and signatures goes through here.

Views, admin actions, tasks and commands call these functions; nothing is hidden in
save() overrides or signals.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from . import abuse
from .models import Petition, Signature

logger = logging.getLogger(__name__)
State = Signature.State
EmailState = Signature.EmailState


def canonical_email(email: str) -> str:
    """The key for "one signature per person": the address trimmed and case-folded.

    Dots and plus-tags are kept as they are. Only some providers ignore them, and merging
    two real people's addresses would silently drop a signature; repeat signing with
    plus-tags is left to the per-domain rate limit and the moderators.
    """
    return email.strip().casefold()


def petition_seed(*, slug: str, title: str, text: str, goal: int, translations: dict[str, dict[str, str]]) -> bool:
    """Create the campaign's petition if it is missing; never overwrite edits. A translation is
    filled in only where it is empty and the English text is still the one it translates."""
    columns = {f"{field}_{language}": value for language, texts in translations.items() for field, value in texts.items()}
    petition, created = Petition.objects.get_or_create(
        slug=slug, defaults={"title_en": title, "text_en": text, **columns, "goal": goal, "is_featured": True}
    )
    if not created and (petition.title_en, petition.text_en) == (title, text):
        empty = {name: value for name, value in columns.items() if not getattr(petition, name)}
        if empty:
            Petition.objects.filter(pk=petition.pk).update(**empty)
    return created


# --- Signing ------------------------------------------------------------------------------


EMAIL_WAKE_KEY = "petitions:email-sender-woken"
EMAIL_WAKE_SECONDS = 30  # longer than a sender works before it hands over to a fresh task (outbox.send_due)


def signature_emails_wake() -> None:
    """Make sure a worker sends what is due, once the current transaction commits.

    One broker message per signature cost more than the rest of the request's writes;
    instead, a flag in the cache says a sender task is on its way or at work, and only a
    request that finds no flag publishes one. A sender keeps claiming while signatures come
    in; before it stops it clears the flag and claims once more. So a signature committed
    while the flag was still set is committed before that last claim, which finds it, and one
    committed after finds the flag gone and wakes a new sender. The flag expires (a sender
    that died, a message the broker lost), and the row is the outbox: a broker outage only
    delays the email until the sweeper's next run.
    """
    transaction.on_commit(_wake_sender)


def _wake_sender(*, flagged: bool | None = None) -> None:
    """Publish a sender task unless the flag says one is on its way or at work. `flagged`:
    the caller has set the flag already (True) or failed to (False), so it is not tried again."""
    from .tasks import send_signature_emails

    try:
        if flagged is None:
            flagged = send_signature_emails.app.conf.task_always_eager or cache.add(
                EMAIL_WAKE_KEY, 1, timeout=EMAIL_WAKE_SECONDS
            )
        if flagged:
            send_signature_emails.delay()
    except Exception:  # noqa: BLE001 - the row is the outbox; the sweeper sends it later
        logger.warning("Could not wake the email sender; the outbox sweeper will.")


def signature_emails_sender_stopping() -> None:
    """Called by a sender before its last claim: later signatures must wake another one."""
    try:
        cache.delete(EMAIL_WAKE_KEY)
    except Exception:  # noqa: BLE001 - the flag expires by itself
        logger.warning("Could not clear the email sender's flag; it expires by itself.")


def _update_unless_being_sent(queryset, **changes) -> int:
    """Update these rows, less those a sender holds right now (see signature_emails_claim);
    return how many were updated.

    A web request never waits for a sender: its batch can take seconds when the mail server
    is slow, and a handful of waiting requests would hold every web worker.
    """
    with transaction.atomic():
        ids = list(queryset.select_for_update(skip_locked=True).values_list("pk", flat=True))
        return Signature.objects.filter(pk__in=ids).update(**changes) if ids else 0


def _request_email(queryset) -> int:
    """Ask for one more email for these signatures, up to the per-signature cap.

    A fresh request gets a fresh retry budget: an address whose last email failed for good
    (a full mailbox, a provider outage) deserves as many tries as the first time. A row whose
    email a sender is sending this moment is left alone: that email is the one asked for (and
    if this attempt fails, it is tried again).
    """
    eligible = queryset.filter(email_requests__lt=settings.PETITION_MAX_EMAILS_PER_SIGNATURE, erased_at__isnull=True).exclude(
        state=State.REJECTED
    )
    return _update_unless_being_sent(
        eligible, email_state=EmailState.PENDING, email_requests=F("email_requests") + 1, email_due_at=timezone.now(),
        email_attempts=0,
    )


def signature_hold(*, signature_id: int, reasons: list[str], wait: bool = True) -> None:
    """Hold a signature for review, unless a moderator rejected it meanwhile.

    Without `wait` (a web request), a row a sender holds right now is not waited for: the
    hold goes to a worker (tasks.hold_signature), which waits.
    """
    rows = Signature.objects.filter(pk=signature_id).exclude(state=State.REJECTED)
    changes = {"state": State.SUSPICIOUS, "suspicion": reasons}
    if wait:
        rows.update(**changes)
    elif not _update_unless_being_sent(rows, **changes) and rows.exists():
        from .tasks import hold_signature

        hold_signature.delay(signature_id, reasons)


_INSERT_CACHE: dict[str, tuple[str, list]] = {}  # database vendor -> (statement, fields)


def _insert_sql(connection) -> tuple[str, list]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, for every column of a signature.

    The one write of every signature of a surge. Compiling it with the ORM cost more CPU
    than PostgreSQL spends running it, and a duplicate then cost an IntegrityError inside
    a savepoint; the statement is built once from the model, and the database answers a
    duplicate with no row instead. (PostgreSQL, and SQLite from 3.35.)
    """
    key = connection.vendor
    if key not in _INSERT_CACHE:
        fields = [f for f in Signature._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        conflict = ", ".join(quote(Signature._meta.get_field(name).column) for name in ("petition", "email_canonical"))
        sql = (
            f"INSERT INTO {quote(Signature._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(Signature._meta.pk.column)}"
        )
        _INSERT_CACHE[key] = (sql, fields)
    return _INSERT_CACHE[key]


def _insert_unless_signed(signature: Signature) -> bool:
    """Insert the row; False if this address has signed this petition already."""
    connection = connections[router.db_for_write(Signature)]
    sql, fields = _insert_sql(connection)
    # pre_save fills auto_now_add (signed_at) as save() would.
    values = [f.get_db_prep_save(f.pre_save(signature, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    signature.pk = row[0]
    return True


def signature_create(
    *,
    petition: Petition,
    name: str,
    email: str,
    country: str,
    show_publicly: bool = False,
    keep_updated: bool = False,
    language: str = "en",
    ip_address: str | None = None,
    honeypot: bool = False,
) -> None:
    """Record a signature, or for an address that already signed, send it another email.

    Returns nothing on purpose: the caller must answer a repeat signer exactly as a new one.
    """
    email = email.strip()
    canonical = canonical_email(email)
    domain = canonical.rpartition("@")[2]
    reasons = abuse.immediate_suspicions(email_domain=domain, honeypot=honeypot)
    checks = abuse.rate_checks(petition_id=petition.pk, ip=ip_address, email_domain=domain, name=name)
    signature = Signature(
        petition=petition,
        name=name,
        email=email,
        email_canonical=canonical,
        email_domain=domain,
        country=country,
        show_publicly=show_publicly,
        keep_updated=keep_updated,
        language=language,
        consent_version=settings.PETITION_CONSENT_VERSION,
        ip_address=ip_address,
        state=State.SUSPICIOUS if reasons else State.PENDING,
        suspicion=reasons,
        email_due_at=timezone.now(),
    )
    inserted = _insert_unless_signed(signature)
    if inserted:
        wake = True
    else:
        # Signed before (possibly a split second ago, in a concurrent request).
        wake = bool(_request_email(Signature.objects.filter(petition=petition, email_canonical=canonical)))
    transaction.on_commit(
        lambda: _after_signing(signature_id=signature.pk if inserted else None, checks=checks, reasons=reasons, wake=wake)
    )


def _after_signing(*, signature_id: int | None, checks: list, reasons: list[str], wake: bool) -> None:
    """Once the signature is committed: count it against the rate limits, hold it if it is
    over one, and wake the email sender as `signature_emails_wake` does.

    On Redis the counters and the wake-up flag are one round trip (the signature's only one).
    Counting after the insert means a signature over a limit is written, then marked held a
    moment later by an UPDATE; such signatures are rare, and held ones get their email too.
    """
    from .tasks import send_signature_emails

    counters = [(key, window) for key, window, _reason, _limit in checks]
    # In-process (eager, no Redis) there is no flag: the sender runs at once.
    together = wake and hasattr(cache, "incr_windowed_add") and not send_signature_emails.app.conf.task_always_eager
    counts, flagged = [], None
    try:
        if together:
            counts, flagged = cache.incr_windowed_add(counters, EMAIL_WAKE_KEY, 1, EMAIL_WAKE_SECONDS)
        else:
            counts = abuse.count_events(counters)
    except Exception:  # noqa: BLE001 - sign anyway, unchecked; the row is the outbox, the sweeper sends it
        logger.warning("Rate limits skipped%s: the cache is unreachable.", " and the email sender not woken" if together else "")
        flagged = False if together else None
    held = abuse.over_limits(checks, counts)
    if held and signature_id is not None:
        try:
            signature_hold(signature_id=signature_id, reasons=reasons + held, wait=False)
        except Exception:  # noqa: BLE001 - the signature stands, unheld; never a 500 after it is kept
            logger.exception("Could not hold signature %s for review.", signature_id)
    if wake:
        _wake_sender(flagged=flagged)


def signature_confirm(*, signature_id: int) -> Signature | None:
    """Confirm a signature; confirming again changes nothing. None if it is gone."""
    now = timezone.now()
    base = Signature.objects.filter(pk=signature_id, erased_at__isnull=True, confirmed_at__isnull=True)
    with transaction.atomic():
        if not base.filter(state=State.PENDING).update(state=State.CONFIRMED, confirmed_at=now):
            # Held for review or rejected: record the confirmation, the moderators decide.
            base.update(confirmed_at=now)
    signature = Signature.objects.filter(pk=signature_id, erased_at__isnull=True).select_related("petition").first()
    if signature and signature.state == State.CONFIRMED:
        signature_counts_schedule()
    return signature


def signature_resend(*, petition: Petition, email: str) -> None:
    """Send a fresh link to an address if it signed; the caller answers the same either way."""
    existing = Signature.objects.filter(petition=petition, email_canonical=canonical_email(email))
    if _request_email(existing):
        signature_emails_wake()


def signature_unsubscribe(*, signature_id: int) -> bool:
    """Withdraw the "keep me updated" choice. True if the signature exists.

    Recorded also for someone who never ticked the box: every email carries the link, and
    pressing it is a choice worth keeping. The first time is the one recorded.
    """
    signature = Signature.objects.filter(pk=signature_id, erased_at__isnull=True)
    signature.filter(unsubscribed_at__isnull=True).update(keep_updated=False, unsubscribed_at=timezone.now())
    return signature.exists()


# --- The email outbox -----------------------------------------------------------------------


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
    email, its outcome: a claim state cost a second, and each write is a new version of a
    wide row with a dozen index entries.

    The query is the outbox index's own question (pending, ordered by due time): PostgreSQL
    walks that index in order and stops after `limit` rows (0.1-0.3 ms, seen with 50,000 dead
    entries before 1,000 live ones, with or without statistics); the entries left dead by rows
    already sent are marked so by the first walk that meets them, and skipped after that.
    """
    connection = connections[router.db_for_write(Signature)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # For this transaction only, one round trip. A sender that goes silent without its
            # connection closing (its host lost, a frozen process) would hold its batch until
            # TCP noticed, hours later: PostgreSQL ends the session after this long idle in the
            # transaction, and the batch is due again. And the claim walks the index in order:
            # right after a surge's inserts, before autovacuum has analysed them, the planner
            # took the outbox for a few rows and read, joined and sorted all of it for each
            # batch of 20 (seen with 1,000 pending rows behind 49,000 sent ones: 4 ms a batch).
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
            "name", "email", "language", "keep_updated", "state", "confirmed_at", "erased_at", "email_attempts",
            "petition__title", "petition__slug",
        )
        .order_by("email_due_at")[:limit]
    )


# The outcomes below are written by the transaction that claimed the rows, which holds them
# (on PostgreSQL; SQLite, for development, has no row locks and takes the database's write lock
# at the first write): no other sender can have touched them meanwhile, so they are found by
# key alone. (A condition on email_state once led PostgreSQL to scan the whole outbox index,
# dead entries and all, for every ten rows recorded.)


def signature_emails_sent(*, signature_ids: list[int]) -> None:
    Signature.objects.filter(pk__in=signature_ids).update(
        email_state=EmailState.SENT, email_sent_at=timezone.now(), email_attempts=0
    )


def signature_email_postpone(*, signature_id: int, attempts: int) -> float:
    """Put the email back in the outbox after its `attempts`-th failed try, a transient one;
    return the delay in seconds.

    Exponential backoff with full jitter, so a recovering SMTP server is not hit by a herd.
    """
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


# --- The public count -------------------------------------------------------------------------


def signature_counts_schedule() -> None:
    """Ask for a count update soon, at most one request every few seconds however busy."""
    from .tasks import update_signature_counts

    def publish():
        try:
            # In-process (no Redis) there is no beat to catch up with what a skipped request
            # would leave out, and the update runs at once, so nothing is skipped there.
            if update_signature_counts.app.conf.task_always_eager or cache.add(
                "petitions:count-update-scheduled", 1, timeout=5
            ):
                update_signature_counts.apply_async(countdown=2)
        except Exception:  # noqa: BLE001 - the periodic run catches up
            logger.warning("Could not schedule a count update; the periodic one will run.")

    transaction.on_commit(publish)


def _count_batch(petition_id: int, batch_size: int) -> int:
    """Move one batch of signatures into or out of the stored count. Returns rows moved."""
    with transaction.atomic():
        # The lock: one counter per petition at a time.
        Petition.objects.select_for_update().filter(pk=petition_id).values_list("pk", flat=True).first()
        rows = Signature.objects.filter(petition_id=petition_id)
        to_count = list(rows.filter(state=State.CONFIRMED, counted=False).values_list("pk", flat=True)[:batch_size])
        to_uncount = list(
            rows.filter(counted=True).exclude(state=State.CONFIRMED).values_list("pk", flat=True)[:batch_size]
        )
        added = rows.filter(pk__in=to_count, state=State.CONFIRMED, counted=False).update(counted=True) if to_count else 0
        removed = (
            rows.filter(pk__in=to_uncount, counted=True).exclude(state=State.CONFIRMED).update(counted=False)
            if to_uncount
            else 0
        )
        # Never below zero: a stored count that drifted low must not make this update fail
        # (the column is unsigned), or the counter and the recount that heals it would stall.
        Petition.objects.filter(pk=petition_id).update(
            signature_count=Greatest(F("signature_count") + added - removed, Value(0)), count_updated_at=timezone.now()
        )
    return len(to_count) + len(to_uncount)


def signature_counts_update(*, batch_size: int = 5000) -> None:
    """Bring every petition's stored count up to date with confirmations and moderation."""
    for petition_id in Petition.objects.values_list("pk", flat=True):
        while _count_batch(petition_id, batch_size) >= batch_size:
            pass


def signature_counts_recount() -> None:
    """Heal any drift: recompute each stored count from the rows themselves."""
    signature_counts_update()
    for petition_id in Petition.objects.values_list("pk", flat=True):
        with transaction.atomic():
            Petition.objects.select_for_update().filter(pk=petition_id).values_list("pk", flat=True).first()
            true_count = Signature.objects.filter(petition_id=petition_id, counted=True).count()
            Petition.objects.filter(pk=petition_id).update(signature_count=true_count, count_updated_at=timezone.now())


# --- Retention ------------------------------------------------------------------------------------


def personal_data_purge() -> dict[str, int]:
    """Apply the privacy page's promises: drop old unconfirmed signatures and old IP addresses."""
    now = timezone.now()
    unconfirmed_before = now - timedelta(days=settings.PETITION_UNCONFIRMED_RETENTION_DAYS)
    ip_before = now - timedelta(days=settings.PETITION_IP_RETENTION_DAYS)
    # "If you do not confirm your signature, we delete it after 30 days": rejected and
    # invalidated ones too (an invalidation's reversal restores what is left of it). Only a
    # confirmed signature is ever counted, so these deletions never move the public count; a
    # row still marked counted waits for the counter to take it out first.
    deleted, _ = Signature.objects.filter(
        confirmed_at__isnull=True, signed_at__lt=unconfirmed_before, counted=False
    ).delete()
    ips = Signature.objects.filter(signed_at__lt=ip_before, ip_address__isnull=False).update(ip_address=None)
    return {"deleted_unconfirmed": deleted, "ips_cleared": ips}
