"""Celery tasks: thin, JSON arguments (ids), idempotent; the work is in services."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core import mail
from django.db import OperationalError

from . import exports, moderation, services
from .emails import build_signature_email, is_transient
from .models import Signature

logger = logging.getLogger(__name__)

# One mail connection per worker process, reused across tasks. It belongs to the settings
# it was made for (tests and `settings` overrides change them), and is reopened when the
# server has dropped it.
_connection = None
_connection_key = None


def _settings_key() -> tuple:
    return (
        settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL,
    )


def _drop_connection() -> None:
    global _connection
    if _connection is not None:
        try:
            _connection.close()
        except Exception:  # noqa: BLE001 - it is being thrown away anyway
            pass
    _connection = None


def _send(message) -> None:
    global _connection, _connection_key
    for _try in range(2):
        if _connection is None or _connection_key != _settings_key():
            _drop_connection()
            _connection, _connection_key = mail.get_connection(), _settings_key()
        # False means "already open": a connection that may have idled out on the server.
        reused = _connection.open() is False
        message.connection = _connection
        try:
            message.send()
            return
        except Exception as exc:
            _drop_connection()
            if not (reused and _closed_while_idle(exc)):
                raise


def _closed_while_idle(exc: BaseException) -> bool:
    """Servers close connections left idle (some say 421 first, some just hang up). That is
    no fault of the message: it is sent again at once on a fresh connection, not after a backoff."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421
    )


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    max_retries=None,  # bounded by PETITION_EMAIL_MAX_RETRIES below, counted in the row
)
def send_signature_email(self, signature_id: int) -> str:
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
        attempts = signature.email_attempts  # read after the claim, which counted this attempt
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
    ids = services.outbox_sweep()
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
