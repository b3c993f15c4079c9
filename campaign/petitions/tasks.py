"""Celery tasks: thin, JSON arguments (ids), idempotent; the work is in services."""

import logging

from celery import shared_task
from django.db import OperationalError

from . import exports, moderation, outbox, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def send_signature_emails() -> dict:
    """Send the emails that are due, in batches over one connection, for as long as they
    keep coming (see services.signature_emails_wake and outbox.send_due).

    Idempotent: a batch is locked for its sender's transaction and each row is written with
    its outcome in it, so a repeat delivery of this message finds nothing it may send twice.
    Works for ~20 s (well inside its time limit and the broker's visibility timeout), then
    hands what is left to a fresh task.
    """
    # In-process (no broker, tests and `make run`) there is no other process to share a
    # backlog with, and nobody to wait for.
    eager = send_signature_emails.app.conf.task_always_eager
    outcome, more = outbox.send_due(
        linger_seconds=0.0 if eager else outbox.LINGER_SECONDS,
        # A backlog bigger than one batch: wake a second worker process to share it.
        on_full_batch=None if eager else send_signature_emails.delay,
        before_last_claim=services.signature_emails_sender_stopping,
    )
    if more:
        send_signature_emails.delay()
    if outcome.retry_in:
        # Postponed emails are due again after their backoff: wake a sender then.
        send_signature_emails.apply_async(countdown=max(outcome.retry_in))
    return {"sent": outcome.sent, "failed": outcome.failed, "postponed": outcome.postponed, "none": outcome.nothing_to_send}


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def resend_signature_email(request_key: str) -> None:
    """The work of a "Didn't get the email?" request: look the address up, ask for its email.
    The address is in the cache under `request_key` (never a task argument: those get logged)."""
    services.signature_resend(request_key=request_key)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def hold_signature(signature_id: int, reasons: list[str]) -> None:
    """Hold a signature for review that a sender was emailing when its request tried to."""
    services.signature_hold(signature_id=signature_id, reasons=reasons)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def sweep_email_outbox() -> int:
    """Wake a sender for emails a broker outage or a dead worker left behind."""
    overdue = services.outbox_overdue_count()
    if overdue:
        logger.info("Outbox sweeper found %s overdue emails; waking a sender.", overdue)
        send_signature_emails.delay()
    return overdue


@shared_task(soft_time_limit=300, time_limit=330)
def update_signature_counts() -> None:
    services.signature_counts_update()


@shared_task(soft_time_limit=1200, time_limit=1300)
def recount_signatures() -> None:
    services.signature_counts_recount()


@shared_task(soft_time_limit=1200, time_limit=1300)
def purge_expired_data() -> dict:
    return services.personal_data_purge()


# --- Exports ---------------------------------------------------------------------------------

@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=exports.JOB_TIME_LIMIT - 60,
    time_limit=exports.JOB_TIME_LIMIT,
)
def run_export_job(job_id: int) -> str:
    """Write a large export's file; a repeat delivery finds the job claimed and does nothing."""
    return exports.export_job_run(job_id=job_id)


@shared_task(soft_time_limit=300, time_limit=330)
def purge_export_files() -> dict:
    return exports.export_files_purge()


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


@shared_task(**_INVALIDATION_TASK)
def apply_invalidation(invalidation_id: int, after_pk: int = 0) -> None:
    cursor = moderation.invalidation_apply(invalidation_id=invalidation_id, after_pk=after_pk)
    if cursor is not None:
        apply_invalidation.delay(invalidation_id, cursor)


@shared_task(**_INVALIDATION_TASK)
def reverse_invalidation(invalidation_id: int) -> None:
    if moderation.invalidation_reversal_apply(invalidation_id=invalidation_id):
        reverse_invalidation.delay(invalidation_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def resume_invalidations() -> int:
    """Hand invalidations whose worker went quiet (lost task, broker outage) to a worker again."""
    stalled = moderation.invalidations_stalled()
    for invalidation_id, state in stalled:
        moderation.invalidation_touch(invalidation_id=invalidation_id)
        task = apply_invalidation if state == "running" else reverse_invalidation
        task.delay(invalidation_id)
    if stalled:
        logger.warning("Resumed %s stalled invalidation(s).", len(stalled))
    return len(stalled)
