"""Bulk invalidation: choose signatures by criteria, reject them in batches, reverse it.

Like the actions, these services never touch Petition.signature_count; the batched counter
follows the state changes.
"""

import logging
import time
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import NotSupportedError, transaction
from django.db.models import Count, F, Max, QuerySet
from django.utils import timezone

from campaign.dispatch import dispatcher
from campaign.petitions import counting
from campaign.petitions.models import AuditEntry, Invalidation, Petition, Signature

from .audit import audit_record, criteria_names
from .lookups import CRITERIA_KEYS, RESTORED_STATE, criteria_query

logger = logging.getLogger(__name__)
State = Signature.State

# A name shape is not among them: many names share it, and it names nobody.
PERSONAL_CRITERIA = ("ip", "email_domain")


def invalidations_scrub(*, signature_ids: list[int]) -> int:
    """Drop the values of personal criteria from every invalidation whose filter selects one
    of these signatures (before they are erased). Returns how many were scrubbed.

    A scrubbed invalidation keeps its criteria's names; one still running matches nothing
    more and finishes (its stored filter is gone); reversing works as before, by its links.
    """
    scrubbed = 0
    if not signature_ids:
        return 0
    chosen = Signature.objects.filter(pk__in=signature_ids)
    # Retention may have scrubbed an invalidation's IP alone: its other personal criteria still count.
    for invalidation in Invalidation.objects.only("pk", "petition_id", "criteria"):
        criteria = invalidation.criteria
        if not any(criteria.get(key) for key in PERSONAL_CRITERIA):
            continue
        unpinned = {key: value for key, value in criteria.items() if key != "max_pk"}
        try:
            selects = chosen.filter(petition_id=invalidation.petition_id).filter(criteria_query(unpinned)).exists()
        except (ValueError, NotSupportedError):
            selects = True  # a filter this database cannot evaluate: scrub rather than keep
        if not selects:
            continue
        kept = {key: value for key, value in criteria.items() if key not in PERSONAL_CRITERIA}
        kept["scrubbed"] = sorted(
            {*criteria.get("scrubbed", []), *(key for key in PERSONAL_CRITERIA if criteria.get(key))}
        )
        Invalidation.objects.filter(pk=invalidation.pk).update(criteria=kept)
        scrubbed += 1
    return scrubbed


# --- Bulk invalidation -------------------------------------------------------------------------


def criteria_from(
    *,
    ip: str = "",
    email_domain: str = "",
    name_shape: str = "",
    country: str = "",
    signed_from: datetime | None = None,
    signed_to: datetime | None = None,
) -> dict:
    """Criteria as stored on an Invalidation: JSON, only what was given."""
    criteria = {
        "ip": ip,
        "email_domain": email_domain,
        "name_shape": name_shape,
        "country": country,
        "signed_from": signed_from.isoformat() if signed_from else "",
        "signed_to": signed_to.isoformat() if signed_to else "",
    }
    return {key: value for key, value in criteria.items() if value}


def _invalidation_candidates(petition_id: int, criteria: dict) -> QuerySet:
    if criteria.get("scrubbed"):
        # Its personal criteria were erased with a signer: what is left would match too much.
        return Signature.objects.none()
    return (
        Signature.objects.filter(petition_id=petition_id).filter(criteria_query(criteria)).exclude(state=State.REJECTED)
    )


def invalidation_preview(*, petition: Petition, criteria: dict, sample_size: int = 20) -> dict:
    """What applying these criteria now would do; the returned criteria pin the rows.

    The highest signature id at preview time becomes part of the criteria, so signatures
    arriving between preview and apply are not swept up unseen.
    """
    pinned = {**criteria, "max_pk": Signature.objects.aggregate(top=Max("pk"))["top"] or 0}
    rows = _invalidation_candidates(petition.pk, pinned)
    by_state = dict.fromkeys((State.CONFIRMED, State.PENDING, State.SUSPICIOUS), 0)
    for state, count in _count_by(rows, "state"):
        by_state[state] = count
    return {
        "criteria": pinned,
        "matched": sum(by_state.values()),
        "by_state": by_state,
        "counted": rows.filter(counted=True).count(),
        "sample": list(
            rows.order_by("-signed_at").only("name", "email", "country", "ip_address", "state", "signed_at")[
                :sample_size
            ]
        ),
    }


def _count_by(rows: QuerySet, field: str):
    return rows.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n")


def invalidation_create(
    *, actor: AbstractBaseUser, petition: Petition, criteria: dict, reason: str, matched: int
) -> Invalidation:
    """Record a bulk invalidation and hand it to a worker, which applies it in batches."""
    if not any(criteria.get(key) for key in CRITERIA_KEYS):
        raise ValueError("an invalidation needs at least one criterion besides the petition")
    with transaction.atomic():
        invalidation = Invalidation.objects.create(
            petition=petition,
            criteria=criteria,
            reason=reason,
            matched=matched,
            created_by=actor,
            heartbeat_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="invalidation_create",
            count=matched,
            petition=petition,
            details={"invalidation": invalidation.pk, "criteria": criteria_names(criteria), "reason": reason},
        )
        transaction.on_commit(lambda: _publish("campaign.petitions.tasks.apply_invalidation", invalidation.pk))
    return invalidation


def _publish(task_name: str, invalidation_id: int) -> None:
    try:
        dispatcher().send(task_name, invalidation_id)
    except Exception:  # noqa: BLE001 - the row says what is left to do; the sweeper resumes it
        logger.warning("Could not enqueue work for invalidation %s; the sweeper will resume it.", invalidation_id)


def _in_batches(next_batch, *, seconds: float) -> bool:
    """Run `next_batch` (one transaction each; False when nothing was left) until nothing is
    left or about `seconds` have passed, asking for a count update after each batch. True if
    it stopped for time, with work left."""
    deadline = time.monotonic() + seconds
    while True:
        with transaction.atomic():
            if not next_batch():
                return False
        counting.signature_counts_schedule()
        if time.monotonic() > deadline:
            return True


def _finish(invalidation: Invalidation, from_state: str, to_state: str) -> bool:
    """Move the invalidation from `from_state` to `to_state` (once: a rerun finds it moved)
    and refresh it. True if this call moved it."""
    if not Invalidation.objects.filter(pk=invalidation.pk, state=from_state).update(
        state=to_state, finished_at=timezone.now()
    ):
        return False
    invalidation.refresh_from_db()
    return True


def invalidation_apply(
    *, invalidation_id: int, after_pk: int = 0, batch_size: int = 1000, seconds: float = 60.0
) -> int | None:
    """Reject the next batches of an invalidation's signatures, for about `seconds`.

    Returns the id to continue after, or None once it is finished (or not running). Safe to
    run again from any earlier point: rows already rejected are skipped, so none is counted twice.
    """
    invalidation = Invalidation.objects.filter(pk=invalidation_id, state=Invalidation.State.RUNNING).first()
    if invalidation is None:
        return None
    candidates = _invalidation_candidates(invalidation.petition_id, invalidation.criteria)
    cursor = after_pk

    def reject_next_batch() -> bool:
        nonlocal cursor
        ids = list(candidates.filter(pk__gt=cursor).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return False
        cursor = ids[-1]
        changed = (
            Signature.objects.filter(pk__in=ids)
            .exclude(state=State.REJECTED)
            .update(state_before_invalidation=F("state"), state=State.REJECTED, invalidation=invalidation)
        )
        Invalidation.objects.filter(pk=invalidation.pk).update(
            affected=F("affected") + changed, heartbeat_at=timezone.now()
        )
        return True

    if _in_batches(reject_next_batch, seconds=seconds):
        return cursor
    with transaction.atomic():
        if _finish(invalidation, Invalidation.State.RUNNING, Invalidation.State.DONE):
            audit_record(
                actor=invalidation.created_by,
                action="invalidation_done",
                count=invalidation.affected,
                petition=invalidation.petition,
                details={"invalidation": invalidation.pk, "matched": invalidation.matched},
            )
    return None


def invalidation_reverse(*, actor: AbstractBaseUser, invalidation_id: int) -> bool:
    """Start undoing a finished invalidation as a whole. False if it is not finished."""
    with transaction.atomic():
        if not Invalidation.objects.filter(pk=invalidation_id, state=Invalidation.State.DONE).update(
            state=Invalidation.State.REVERSING, restored=0, heartbeat_at=timezone.now()
        ):
            return False
        invalidation = Invalidation.objects.select_related("petition").get(pk=invalidation_id)
        to_restore = Signature.objects.filter(invalidation=invalidation, state=State.REJECTED).count()
        audit_record(
            actor=actor,
            action="invalidation_reverse",
            count=to_restore,
            petition=invalidation.petition,
            details={"invalidation": invalidation.pk, "reason": invalidation.reason},
        )
        transaction.on_commit(lambda: _publish("campaign.petitions.tasks.reverse_invalidation", invalidation_id))
    return True


def invalidation_reversal_apply(*, invalidation_id: int, batch_size: int = 1000, seconds: float = 60.0) -> bool:
    """Restore the next batches of a reversing invalidation. True while there is more to do."""
    invalidation = Invalidation.objects.filter(pk=invalidation_id, state=Invalidation.State.REVERSING).first()
    if invalidation is None:
        return False
    linked = Signature.objects.filter(invalidation=invalidation)

    def restore_next_batch() -> bool:
        ids = list(linked.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return False
        batch = Signature.objects.filter(pk__in=ids, invalidation=invalidation)
        restored = batch.filter(state=State.REJECTED).update(
            state=RESTORED_STATE, state_before_invalidation="", invalidation=None
        )
        # Anything else linked was already changed by hand since; it only leaves the invalidation.
        batch.update(invalidation=None)
        Invalidation.objects.filter(pk=invalidation.pk).update(
            restored=F("restored") + restored, heartbeat_at=timezone.now()
        )
        return True

    if _in_batches(restore_next_batch, seconds=seconds):
        return True
    with transaction.atomic():
        if _finish(invalidation, Invalidation.State.REVERSING, Invalidation.State.REVERSED):
            # Whoever asked for the reversal (the task itself carries only the invalidation's id).
            request = (
                AuditEntry.objects.filter(action="invalidation_reverse", details__invalidation=invalidation.pk)
                .select_related("actor")
                .order_by("-pk")
                .first()
            )
            audit_record(
                actor=request.actor if request else None,
                action="invalidation_reversed",
                count=invalidation.restored,
                petition=invalidation.petition,
                details={"invalidation": invalidation.pk},
            )
    return False


def invalidations_stalled(*, quiet_seconds: int = 600) -> list[tuple[int, str]]:
    """Invalidations still running or reversing whose worker has gone quiet: a lost task, a
    broker outage. The sweeper hands them to a worker again; redoing a batch is harmless."""
    quiet_since = timezone.now() - timedelta(seconds=quiet_seconds)
    return list(
        Invalidation.objects.filter(
            state__in=[Invalidation.State.RUNNING, Invalidation.State.REVERSING], heartbeat_at__lt=quiet_since
        ).values_list("pk", "state")
    )


def invalidation_touch(*, invalidation_id: int) -> None:
    """Mark an invalidation as handed to a worker just now, so the sweeper waits before the next try."""
    Invalidation.objects.filter(pk=invalidation_id).update(heartbeat_at=timezone.now())
