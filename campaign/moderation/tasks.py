"""Moderation's Celery tasks; named as before moderation was its own app (queued messages carry the name)."""

import logging

from celery import shared_task
from django.db import OperationalError

from . import invalidations, retention

logger = logging.getLogger(__name__)


# --- Bulk invalidation (moderation) ---------------------------------------------------------
# Each run works for about a minute, well inside its time limit and the broker's visibility
# timeout, then hands the rest to a fresh task; a rerun from an earlier point is harmless.

_INVALIDATION_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 240,
    "time_limit": 270,
    # A database restart is worth waiting out; the row's state says where to carry on.
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 8,
}


@shared_task(**_INVALIDATION_TASK, name="campaign.petitions.tasks.apply_invalidation")
def apply_invalidation(invalidation_id: int, after_pk: int = 0) -> None:
    cursor = invalidations.invalidation_apply(invalidation_id=invalidation_id, after_pk=after_pk)
    if cursor is not None:
        apply_invalidation.delay(invalidation_id, cursor)


@shared_task(**_INVALIDATION_TASK, name="campaign.petitions.tasks.reverse_invalidation")
def reverse_invalidation(invalidation_id: int) -> None:
    if invalidations.invalidation_reversal_apply(invalidation_id=invalidation_id):
        reverse_invalidation.delay(invalidation_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, name="campaign.petitions.tasks.resume_invalidations")
def resume_invalidations() -> int:
    """Hand invalidations whose worker went quiet (lost task, broker outage) to a worker again."""
    stalled = invalidations.invalidations_stalled()
    for invalidation_id, state in stalled:
        invalidations.invalidation_touch(invalidation_id=invalidation_id)
        task = apply_invalidation if state == "running" else reverse_invalidation
        task.delay(invalidation_id)
    if stalled:
        logger.warning("Resumed %s stalled invalidation(s).", len(stalled))
    return len(stalled)


# --- Retention ------------------------------------------------------------------------------


@shared_task(acks_late=True, soft_time_limit=1200, time_limit=1300)
def anonymise_signatures() -> int:
    """Anonymise what retention says is due; a run cut short by its time limit leaves whole
    batches done, and the next run carries on from there."""
    return sum(item.anonymised for item in retention.signatures_anonymise_due())
