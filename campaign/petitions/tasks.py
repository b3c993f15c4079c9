"""Celery tasks: thin, JSON arguments (ids), idempotent; the work is in services."""

import logging

from celery import shared_task
from django.core import mail

from . import services
from .emails import build_signature_email, is_transient
from .models import Signature

logger = logging.getLogger(__name__)

# One SMTP connection per worker process, reused across tasks and reopened when it drops.
_connection = None


def _send(message) -> None:
    global _connection
    if _connection is None:
        _connection = mail.get_connection()
    message.connection = _connection
    try:
        _connection.open()
        message.send()
    except Exception:
        try:
            _connection.close()
        except Exception:  # noqa: BLE001 - it is being thrown away anyway
            pass
        _connection = None
        raise


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    max_retries=None,  # bounded by PETITION_EMAIL_MAX_RETRIES below, counted in the row
)
def send_signature_email(self, signature_id: int) -> str:
    from django.conf import settings

    if not services.signature_email_claim(signature_id=signature_id):
        return "not-claimed"  # sent already, or another worker has it
    signature = Signature.objects.select_related("petition").filter(pk=signature_id).first()
    message = build_signature_email(signature) if signature else None
    if message is None:
        services.signature_email_nothing_to_send(signature_id=signature_id)
        return "nothing-to-send"
    try:
        _send(message)
    except Exception as exc:
        attempts = signature.email_attempts + 1
        if is_transient(exc) and attempts < settings.PETITION_EMAIL_MAX_RETRIES:
            delay = services.signature_email_postpone(signature_id=signature_id, attempt=attempts)
            logger.warning("Email for signature %s failed (%s); retrying in %.0fs.", signature_id, type(exc).__name__, delay)
            raise self.retry(countdown=delay, exc=exc)
        services.signature_email_failed(signature_id=signature_id)
        logger.error("Email for signature %s failed for good (%s).", signature_id, type(exc).__name__)
        return "failed"
    services.signature_email_sent(signature_id=signature_id)
    return "sent"


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def sweep_email_outbox() -> int:
    """Re-enqueue emails a broker outage or a dead worker left behind."""
    ids = services.outbox_due_ids()
    for signature_id in ids:
        send_signature_email.delay(signature_id)
    if ids:
        logger.info("Outbox sweeper re-enqueued %s emails.", len(ids))
    return len(ids)


@shared_task(soft_time_limit=300, time_limit=330)
def update_signature_counts() -> None:
    services.signature_counts_update()


@shared_task(soft_time_limit=1200, time_limit=1300)
def recount_signatures() -> None:
    services.signature_counts_recount()


@shared_task(soft_time_limit=1200, time_limit=1300)
def purge_expired_data() -> dict:
    return services.personal_data_purge()
