"""The sender's Celery tasks. Their names are those they had before the outbox was its own app:
messages already queued under those names must still be understood."""

import logging
import time

from celery import shared_task

from campaign.dispatch import dispatcher

from . import sending, storage, update_sending, updates, wake

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    name="campaign.petitions.tasks.send_signature_emails",
)
def send_signature_emails() -> dict:
    """Send the emails that are due, in batches over one connection, for as long as they
    keep coming (see wake.py and sending.send_due).

    Idempotent: a batch is locked for its sender's transaction and each row is written with
    its outcome in it, so a repeat delivery of this message finds nothing it may send twice.
    Works for ~20 s (well inside its time limit and the broker's visibility timeout), then
    hands what is left to a fresh task.
    """
    shares_work = dispatcher().shares_work
    outcome, more = sending.send_due(
        linger_seconds=sending.LINGER_SECONDS if shares_work else 0.0,
        # A backlog bigger than one batch: wake a second worker process to share it.
        on_full_batch=send_signature_emails.delay if shares_work else None,
        before_last_claim=wake.sender_stopping,
    )
    if more:
        send_signature_emails.delay()
    if outcome.retry_in:
        # Postponed emails are due again after their backoff: wake a sender then.
        send_signature_emails.apply_async(countdown=max(outcome.retry_in))
    return {
        "sent": outcome.sent,
        "failed": outcome.failed,
        "postponed": outcome.postponed,
        "none": outcome.nothing_to_send,
    }


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150, name="campaign.petitions.tasks.sweep_email_outbox")
def sweep_email_outbox() -> int:
    """Wake a sender for emails a broker outage or a dead worker left behind."""
    overdue = storage.outbox_overdue_count()
    if overdue:
        logger.info("Outbox sweeper found %s overdue emails; waking a sender.", overdue)
        send_signature_emails.delay()
    for update_id in updates.updates_stalled_ids():
        send_supporter_update.delay(update_id)
    return overdue


# Sender tasks an update starts: each sends batches over its own connection (rows are claimed
# with SKIP LOCKED), so a large update goes out on more than one worker process.
UPDATE_SENDERS = 2
QUEUE_BUDGET_SECONDS = 20.0


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    name="campaign.petitions.tasks.send_supporter_update",
)
def send_supporter_update(update_id: int) -> int:
    """Queue the update's recipients (or hand the rest to a fresh task after ~20 s), then start
    its senders. Idempotent: queueing skips who is queued already."""
    deadline, queued = time.monotonic() + QUEUE_BUDGET_SECONDS, 0
    while (batch := updates.update_deliveries_queue(update_id=update_id)) and time.monotonic() < deadline:
        queued += batch
    if batch:
        send_supporter_update.delay(update_id)
    for _sender in range(UPDATE_SENDERS):
        send_update_emails.delay()
    return queued


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    name="campaign.petitions.tasks.send_update_emails",
)
def send_update_emails() -> dict:
    """Send the update deliveries that are due, batch by batch, for ~20 s; then hand over to a
    fresh task, or, when none is left, mark finished updates sent.

    Idempotent: a delivery is locked for its sender's transaction and written with its
    outcome in it; a repeat finds nothing to send twice."""
    outcome, more = update_sending.update_deliveries_send()
    if more:
        send_update_emails.delay()
    elif outcome.paused_for or outcome.postponed:
        # In-process (no broker) a countdown is not waited for: the sweeper comes back instead.
        if dispatcher().shares_work:
            send_update_emails.apply_async(countdown=max(outcome.paused_for, 5.0))
    else:
        for update_id in updates.updates_sending_ids():
            updates.update_finish_if_done(update_id=update_id)
    return {"sent": outcome.sent, "failed": outcome.failed, "skipped": outcome.skipped}
