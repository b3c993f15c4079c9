"""Every write to petitions and signatures goes through here.

Views, admin actions, tasks and commands call these functions; nothing is hidden in
save() overrides or signals.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from campaign.dispatch import dispatcher
from campaign.outbox import wake as outbox_wake

from . import abuse, counting, crypto, sources
from .models import Invalidation, Petition, Signature

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


def email_lookup(email: str) -> str:
    """The blind index an address's signature is found by (Signature.email_index)."""
    return crypto.email_index(canonical_email(email))


def signature_email_fields(*, email: str) -> dict[str, str]:
    """The address as stored (encrypted by its field) and what is derived from it: the one place
    that derives them, so that every writer finds the same duplicates."""
    email = email.strip()
    canonical = canonical_email(email)
    return {"email": email, "email_index": crypto.email_index(canonical), "email_domain": canonical.rpartition("@")[2]}


def signature_name_fields(*, name: str) -> dict[str, str]:
    """The name as stored (encrypted by its field) and its blind indexes for moderators."""
    return {"name": name, "name_words": crypto.name_words(name), "name_shape": crypto.name_shape(name)}


def petition_seed(*, slug: str, title: str, text: str, goal: int, translations: dict[str, dict[str, str]]) -> bool:
    """Create the campaign's petition if it is missing; never overwrite edits. A translation is
    filled in only where it is empty and the English text is still the one it translates."""
    columns = {
        f"{field}_{language}": value for language, texts in translations.items() for field, value in texts.items()
    }
    petition, created = Petition.objects.get_or_create(
        slug=slug, defaults={"title_en": title, "text_en": text, **columns, "goal": goal, "is_featured": True}
    )
    if not created and (petition.title_en, petition.text_en) == (title, text):
        empty = {name: value for name, value in columns.items() if not getattr(petition, name)}
        if empty:
            Petition.objects.filter(pk=petition.pk).update(**empty)
    return created


# --- Signing ------------------------------------------------------------------------------


def _update_unless_being_sent(queryset, **changes) -> int:
    """Update these rows, less those a sender holds right now (see outbox/storage.py, signature_emails_claim);
    return how many were updated.

    A web request never waits for a sender: its batch can take seconds when the mail server
    is slow, and a handful of waiting requests would hold every web worker.
    """
    with transaction.atomic():
        ids = list(queryset.select_for_update(skip_locked=True).values_list("pk", flat=True))
        return Signature.objects.filter(pk__in=ids).update(**changes) if ids else 0


def email_withheld() -> Q:
    """Signatures held for an IP or subnet limit: no email until a moderator clears them."""
    withheld = Q()
    for reason in abuse.EMAIL_WITHHELD_REASONS:
        # The JSON text of the list holds each reason in quotes (as moderation/lookups.py, suspicion_query).
        withheld |= Q(suspicion__icontains=f'"{reason}"')
    return Q(state=State.SUSPICIOUS) & withheld


def signature_emails_request(queryset) -> int:
    """Ask for one more email for these signatures, up to the per-signature cap.

    A fresh request gets a fresh retry budget: an address whose last email failed for good
    (a full mailbox, a provider outage) deserves as many tries as the first time. A row whose
    email a sender is sending this moment is left alone: that email is the one asked for (and
    if this attempt fails, it is tried again).
    """
    eligible = (
        queryset.filter(email_requests__lt=settings.PETITION_MAX_EMAILS_PER_SIGNATURE, erased_at__isnull=True)
        .exclude(state=State.REJECTED)
        .exclude(email_withheld())
    )
    return _update_unless_being_sent(
        eligible,
        email_state=EmailState.PENDING,
        email_requests=F("email_requests") + 1,
        email_due_at=timezone.now(),
        email_attempts=0,
    )


def signature_hold(*, signature_id: int, reasons: list[str], wait: bool = True) -> None:
    """Hold a signature for review, unless a moderator rejected it meanwhile.

    Held for an IP or subnet limit, its email (if not sent yet) is withheld until a moderator
    clears it (signature_held_emails_send).

    Without `wait` (a web request), a row a sender holds right now is not waited for: the
    hold goes to a worker (tasks.hold_signature), which waits.
    """
    rows = Signature.objects.filter(pk=signature_id).exclude(state=State.REJECTED)
    changes = {"state": State.SUSPICIOUS, "suspicion": reasons}
    if any(reason in abuse.EMAIL_WITHHELD_REASONS for reason in reasons):
        changes["email_state"] = Case(
            When(email_state=EmailState.PENDING, then=Value(EmailState.NONE)), default=F("email_state")
        )
    if wait:
        rows.update(**changes)
    elif not _update_unless_being_sent(rows, **changes) and rows.exists():
        dispatcher().send("campaign.petitions.tasks.hold_signature", signature_id, reasons)


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
        conflict = ", ".join(quote(Signature._meta.get_field(name).column) for name in ("petition", "email_index"))
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
    leave_name_off: bool = False,
    language: str = "en",
    ip_address: str | None = None,
    honeypot: bool = False,
    source_code: str = "",
) -> None:
    """Record a signature, or for an address that already signed, send it another email.
    `source_code` is the `?source=` of the link signed by: kept if it names an active source,
    ignored otherwise (a repeat signer keeps the source of their first signature).

    Returns nothing on purpose: the caller must answer a repeat signer exactly as a new one.
    """
    email_fields = signature_email_fields(email=email)
    domain = email_fields["email_domain"]
    reasons = abuse.immediate_suspicions(email_domain=domain, honeypot=honeypot)
    checks = abuse.rate_checks(petition_id=petition.pk, ip=ip_address, email_domain=domain, name=name)
    signature = Signature(
        petition=petition,
        **signature_name_fields(name=name),
        **email_fields,
        country=country,
        show_publicly=show_publicly,
        keep_updated=keep_updated,
        leave_name_off=leave_name_off,
        language=language,
        consent_version=settings.PETITION_CONSENT_VERSION,
        ip_address=ip_address,
        state=State.SUSPICIOUS if reasons else State.PENDING,
        suspicion=reasons,
        email_due_at=timezone.now(),
        source=sources.source_active(code=source_code) if source_code else None,
    )
    inserted = _insert_unless_signed(signature)
    if inserted:
        wake = True
    else:
        # Signed before (possibly a split second ago, in a concurrent request).
        wake = bool(
            signature_emails_request(
                Signature.objects.filter(petition=petition, email_index=email_fields["email_index"])
            )
        )
    transaction.on_commit(
        lambda: _after_signing(
            signature_id=signature.pk if inserted else None, checks=checks, reasons=reasons, wake=wake
        )
    )


def _after_signing(*, signature_id: int | None, checks: list, reasons: list[str], wake: bool) -> None:
    """Once the signature is committed: count it against the rate limits, hold it if it is
    over one, and wake the email sender as `outbox.wake.wake` does.

    The counters and the sender's wake-up flag are one cache round trip (the signature's only
    one: outbox.wake.counted_with_flag).
    Counting after the insert means a signature over a limit is written, then marked held a
    moment later by an UPDATE, before the sender is woken; held ones get their email, except
    those held for an IP or subnet limit (see signature_hold). A sender already at work can
    take a row between its commit and its hold: that email goes out.
    """
    counters = [(key, window) for key, window, _reason, _limit in checks]
    counts, first_in = [], None
    try:
        if wake:
            counts, first_in = outbox_wake.counted_with_flag(counters)
        else:
            counts = abuse.count_events(counters)
    except Exception:  # noqa: BLE001 - sign anyway, unchecked; the row is the outbox, the sweeper sends it
        logger.warning(
            "Rate limits skipped%s: the cache is unreachable.", " and the email sender not woken" if wake else ""
        )
        first_in = dispatcher().first_in_unknown() if wake else None
    held = abuse.over_limits(checks, counts)
    if held and signature_id is not None:
        try:
            signature_hold(signature_id=signature_id, reasons=reasons + held, wait=False)
        except Exception:  # the signature stands, unheld; never a 500 after it is kept
            logger.exception("Could not hold signature %s for review.", signature_id)
    if wake:
        outbox_wake.publish(first_in=first_in)


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
        counting.signature_counts_schedule()
    return signature


def signature_resend_request(*, petition: Petition, email: str, ip_address: str | None) -> None:
    """A "Didn't get the email?" request: hand the address to a worker, touching no signature here.

    Whether an address signed must not show in how long the answer takes, so the lookup is
    the worker's (signature_resend), after the answer. Each client address may ask
    PETITION_RATE_LIMITS["resend"] times an hour per petition; beyond that nothing is
    enqueued, and the visitor sees the same page.
    """
    checks = abuse.resend_checks(petition_id=petition.pk, ip=ip_address)
    try:
        if abuse.over_limits(checks, abuse.count_events([(key, window) for key, window, _r, _l in checks])):
            return
        # The address waits in the cache under a random key, and the task carries only the key:
        # a task's arguments end up in worker logs, and an address must never be logged.
        key = secrets.token_urlsafe(18)
        # The address's blind index, not the address: the cache holds no one's address either.
        cache.set(RESEND_KEY.format(key), [petition.pk, email_lookup(email)], timeout=RESEND_SECONDS)
    except Exception:  # noqa: BLE001 - Redis unreachable: the outbox row records the request instead
        # Only during an outage is the lookup the request's; the per-signature cap still bounds the emails,
        # and the outbox sweeper sends the email once Redis is back.
        logger.warning("Cache unreachable: resend request recorded in the outbox.")
        signature_resend_record(petition_id=petition.pk, email=email)
        return

    def publish():
        try:
            dispatcher().send("campaign.petitions.tasks.resend_signature_email", key)
        except Exception:  # noqa: BLE001 - the broker is unreachable: record it in the outbox now
            logger.warning("Broker unreachable: resend request recorded in the outbox.")
            cache.delete(RESEND_KEY.format(key))
            signature_resend_record(petition_id=petition.pk, email=email)

    transaction.on_commit(publish)


RESEND_KEY = "petitions:resend:{}"
RESEND_SECONDS = 3600  # a request the workers have not reached within the hour is dropped


def signature_resend(*, request_key: str) -> None:
    """Send a fresh link to an address if it signed (a worker's half of signature_resend_request).
    Each request is read once; a repeat delivery of the task finds nothing."""
    request = cache.get(RESEND_KEY.format(request_key))
    if request is None:
        return
    cache.delete(RESEND_KEY.format(request_key))
    petition_id, index = request
    # A request cached before the addresses were encrypted holds the address itself.
    _resend(petition_id=petition_id, index=email_lookup(index) if "@" in index else index)


def signature_resend_record(*, petition_id: int, email: str) -> None:
    """Make the email of this address's signature due again (within the cap); the outbox sends it."""
    _resend(petition_id=petition_id, index=email_lookup(email))


def _resend(*, petition_id: int, index: str) -> None:
    existing = Signature.objects.filter(petition_id=petition_id, email_index=index)
    if signature_emails_request(existing):
        outbox_wake.wake()


def signature_held_emails_send(*, signature_ids: list[int]) -> int:
    """Send the email withheld from these signatures while they were held (see signature_hold):
    those never emailed, not confirmed, not erased and no longer held. Returns how many."""
    count = (
        Signature.objects.filter(
            pk__in=signature_ids,
            email_state=EmailState.NONE,
            email_sent_at__isnull=True,
            confirmed_at__isnull=True,
            erased_at__isnull=True,
        )
        .exclude(state__in=[State.SUSPICIOUS, State.REJECTED])
        .update(email_state=EmailState.PENDING, email_due_at=timezone.now(), email_attempts=0)
    )
    if count:
        outbox_wake.wake()
    return count


def signature_unsubscribe(*, signature_id: int) -> bool:
    """Withdraw the "keep me updated" choice. True if the signature exists.

    Recorded also for someone who never ticked the box: every email carries the link, and
    pressing it is a choice worth keeping. The first time is the one recorded.
    """
    signature = Signature.objects.filter(pk=signature_id, erased_at__isnull=True)
    signature.filter(unsubscribed_at__isnull=True).update(keep_updated=False, unsubscribed_at=timezone.now())
    return signature.exists()


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
    return {"deleted_unconfirmed": deleted, "ips_cleared": ips, "invalidation_ips_cleared": _invalidation_ips_purge()}


def _invalidation_ips_purge() -> int:
    """An invalidation by IP holds the IP of the signatures it rejected: it goes once none of
    them still has one, so it outlives no signer's IP (reversing works by the links)."""
    still_held = Signature.objects.filter(invalidation=OuterRef("pk"), ip_address__isnull=False)
    stale = (
        Invalidation.objects.filter(criteria__has_key="ip")
        .exclude(state=Invalidation.State.RUNNING)
        .exclude(Exists(still_held))
    )
    cleared = 0
    for invalidation in stale.only("pk", "criteria"):
        criteria = {key: value for key, value in invalidation.criteria.items() if key != "ip"}
        criteria["scrubbed"] = sorted({*criteria.get("scrubbed", []), "ip"})
        cleared += Invalidation.objects.filter(pk=invalidation.pk).update(criteria=criteria)
    return cleared
