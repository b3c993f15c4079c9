"""What moderators do to chosen signatures: reject, clear, restore, resend, erase.

Every function here that writes is a keyword-only service. None of them touches
Petition.signature_count: they change Signature.state and ask the batched counter to move the
rows into or out of the public count.
"""

import logging

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, F, QuerySet, Value, When

from campaign.outbox import wake as outbox_wake
from campaign.petitions import counting, services
from campaign.petitions.models import AuditEntry, Signature

from .audit import audit_record, selection_details, single_petition
from .erasure import signatures_personal_data_erase
from .lookups import RESTORED_STATE

logger = logging.getLogger(__name__)
State = Signature.State

# --- Acting on chosen signatures ----------------------------------------------------------------

# The state a restored signature goes back to: where it was, with any confirmation that
# arrived while it was rejected taken into account.


def signatures_eligible(*, action: str, signatures: QuerySet) -> QuerySet:
    """The chosen signatures an action would change: what confirmation pages count."""
    rows = Signature.objects.filter(pk__in=signatures.order_by().values("pk"))
    if action == "reject":
        return rows.exclude(state=State.REJECTED)
    if action == "clear":
        return rows.filter(state=State.SUSPICIOUS)
    if action == "restore":
        return rows.filter(state=State.REJECTED)
    if action == "hold":
        # Back under review after a clearing: only those still as the clearing left them.
        return rows.filter(state__in=(State.CONFIRMED, State.PENDING))
    if action == "resend":
        return (
            rows.filter(
                confirmed_at__isnull=True,
                erased_at__isnull=True,
                email_requests__lt=settings.PETITION_MAX_EMAILS_PER_SIGNATURE,
            )
            .exclude(state=State.REJECTED)
            .exclude(services.email_withheld())
        )
    if action == "erase":
        return rows.filter(erased_at__isnull=True)
    raise ValueError(f"unknown action {action!r}")


def _act(
    *, actor, action: str, signatures: QuerySet, filters: dict | None, reason: str = "", change, undoes=None
) -> int:
    with transaction.atomic():
        rows = signatures_eligible(action=action, signatures=signatures)
        petition = single_petition(rows)
        details = selection_details(rows, filters, reason)
        if undoes is not None:
            details["undoes"] = undoes
        count = change(rows)
        audit_record(actor=actor, action=f"signatures_{action}", count=count, petition=petition, details=details)
    counting.signature_counts_schedule()
    return count


def signatures_reject(
    *, actor: AbstractBaseUser, signatures: QuerySet, reason: str = "", filters: dict | None = None
) -> int:
    """Reject as spam: the signatures leave the public count. Returns how many changed."""
    return _act(actor=actor, action="reject", signatures=signatures, filters=filters, reason=reason, change=_reject)


def _reject(rows: QuerySet) -> int:
    return rows.update(state_before_invalidation=F("state"), state=State.REJECTED)


def _restore(rows: QuerySet) -> int:
    return rows.update(state=RESTORED_STATE, state_before_invalidation="", invalidation=None)


def _hold(rows: QuerySet) -> int:
    return rows.update(state=State.SUSPICIOUS)


def signatures_clear(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Clear suspicion: confirmed ones count again, the others once they confirm. Those whose
    email was withheld while they were held (an IP or subnet limit) get it now."""

    def change(rows):
        ids = list(rows.values_list("pk", flat=True))
        count = Signature.objects.filter(pk__in=ids).update(
            state=Case(When(confirmed_at__isnull=False, then=Value(State.CONFIRMED)), default=Value(State.PENDING))
        )
        services.signature_held_emails_send(signature_ids=ids)
        return count

    return _act(actor=actor, action="clear", signatures=signatures, filters=filters, change=change)


def signatures_restore(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Undo a rejection: back to the state before it (a restored row leaves its invalidation)."""
    return _act(actor=actor, action="restore", signatures=signatures, filters=filters, change=_restore)


def signatures_resend(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Send the confirmation link again to unconfirmed signers, within the per-signature cap."""

    def change(rows):
        ids = list(rows.values_list("pk", flat=True))
        count = 0
        for start in range(0, len(ids), 1000):
            count += services.signature_emails_request(Signature.objects.filter(pk__in=ids[start : start + 1000]))
        outbox_wake.wake()
        return count

    return _act(actor=actor, action="resend", signatures=signatures, filters=filters, change=change)


def signatures_erase(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Erase personal data but keep an anonymous row, so counts and totals stay true.

    The person must not outlive the erasure elsewhere either (erasure.signatures_personal_data_erase):
    audit entries, export job records and invalidations that quoted them keep the rest, and
    every prepared export file that may hold one of them is deleted. The audit log records
    filter names and ids, never values (filter_names).
    """

    def change(rows):
        return signatures_personal_data_erase(signature_ids=list(rows.values_list("pk", flat=True)))

    return _act(actor=actor, action="erase", signatures=signatures, filters=filters, change=change)


# --- Undo ------------------------------------------------------------------------------------------

# What takes each undoable action back. Resending cannot be unsent, nor an erasure unerased.
UNDO_ACTIONS = {
    "signatures_reject": ("restore", _restore),
    "signatures_restore": ("reject", _reject),
    "signatures_clear": ("hold", _hold),
}


def audit_entry_undoable(entry: AuditEntry) -> bool:
    """An action whose entry lists every signature it changed, and which was not undone yet."""
    return (
        entry.action in UNDO_ACTIONS
        and "ids" in entry.details
        and not AuditEntry.objects.filter(details__undoes=entry.pk).exists()
    )


def audit_entry_undo(*, actor: AbstractBaseUser, entry: AuditEntry) -> int:
    """Take back the action of one audit entry, on the signatures it changed that nobody has
    changed since. Recorded as its own entry naming the one it undoes. Returns how many."""
    with transaction.atomic():
        # One undo per entry, even from two tabs at once: the entry's row is the lock.
        entry = AuditEntry.objects.select_for_update().get(pk=entry.pk)
        if not audit_entry_undoable(entry):
            return 0
        action, change = UNDO_ACTIONS[entry.action]
        signatures = Signature.objects.filter(pk__in=entry.details["ids"])
        return _act(actor=actor, action=action, signatures=signatures, filters=None, change=change, undoes=entry.pk)


# Criteria that can name or locate a person; the others (country, dates) cannot.
