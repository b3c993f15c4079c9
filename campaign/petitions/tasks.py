"""Celery tasks of signing: thin, JSON arguments (ids), idempotent; the work is in services."""

from celery import shared_task

from . import counting, life, services


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def resend_signature_email(request_key: str) -> None:
    """The work of a "Didn't get the email?" request: look the address up, ask for its email.
    The address is in the cache under `request_key` (never a task argument: those get logged)."""
    services.signature_resend(request_key=request_key)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def hold_signature(signature_id: int, reasons: list[str]) -> None:
    """Hold a signature for review that a sender was emailing when its request tried to."""
    services.signature_hold(signature_id=signature_id, reasons=reasons)


@shared_task(soft_time_limit=300, time_limit=330)
def update_signature_counts() -> None:
    counting.signature_counts_update()


@shared_task(soft_time_limit=1200, time_limit=1300)
def recount_signatures() -> None:
    counting.signature_counts_recount()


@shared_task(soft_time_limit=1200, time_limit=1300)
def purge_expired_data() -> dict:
    return services.personal_data_purge()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def close_due_petitions() -> list[int]:
    return life.petitions_close_due()
