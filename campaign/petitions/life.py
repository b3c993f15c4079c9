"""A petition's life: it closes at its closing time or when an organizer closes it, and may be
reopened. Every change is on the audit log. Closing stops signing and resending only: the
counter still counts late confirmations of signatures made before the petition closed."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditEntry, Petition


def _audit(*, actor: AbstractBaseUser | None, action: str, petition_id: int, details: dict) -> None:
    # As moderation.audit.audit_record, which petitions cannot import (moderation builds on petitions).
    petition = Petition.objects.only("signature_count").get(pk=petition_id)
    AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "system",
        action=action,
        petition_id=petition_id,
        count=petition.signature_count,
        details=details,
    )


def petitions_close_due() -> list[int]:
    """Record as closed every petition whose closing time has passed; returns their ids.

    The closing time itself is recorded, not the moment this runs: a beat that was down at
    the time closes the petition when it promised to, and retention counts from then.
    """
    closed = []
    due = Petition.objects.filter(closed_at__isnull=True, closes_at__lte=timezone.now())
    for petition_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            if Petition.objects.filter(pk=petition_id, closed_at__isnull=True, closes_at__lte=timezone.now()).update(
                closed_at=F("closes_at")
            ):
                closed.append(petition_id)
                _audit(actor=None, action="petition_close_scheduled", petition_id=petition_id, details={})
    return closed


def petition_close(*, actor: AbstractBaseUser, petition_id: int) -> bool:
    """Close a petition now (before its closing time, or one without). False if it was closed."""
    petitions_close_due()
    now = timezone.now()
    with transaction.atomic():
        if not Petition.objects.filter(pk=petition_id, closed_at__isnull=True).update(closed_at=now):
            return False
        _audit(actor=actor, action="petition_close", petition_id=petition_id, details={"closed_at": now.isoformat()})
    return True


def petition_reopen(*, actor: AbstractBaseUser, petition_id: int) -> bool:
    """Open a closed petition again. A closing time already past is dropped (or it would close
    again at once); a future one stands. False if the petition was open."""
    now = timezone.now()
    with transaction.atomic():
        petition = Petition.objects.select_for_update().only("closes_at", "closed_at").get(pk=petition_id)
        if petition.closed_as_of(now) is None:
            return False
        closes_at = petition.closes_at if petition.closes_at and petition.closes_at > now else None
        Petition.objects.filter(pk=petition_id).update(closed_at=None, closes_at=closes_at)
        _audit(actor=actor, action="petition_reopen", petition_id=petition_id, details={})
    return True
