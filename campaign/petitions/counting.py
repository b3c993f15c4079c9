"""The public count: confirmed signatures move into a petition's stored count in batches (beat
every few seconds, or soon after a change), and a recount heals any drift."""

import logging

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from campaign.dispatch import dispatcher

from .models import Petition, Signature

logger = logging.getLogger(__name__)
State = Signature.State


def signature_counts_schedule() -> None:
    """Ask for a count update soon, at most one request every few seconds however busy."""

    def publish():
        try:
            dispatch = dispatcher()
            if dispatch.first_in("petitions:count-update-scheduled", 5):
                dispatch.send("campaign.petitions.tasks.update_signature_counts", countdown=2)
        except Exception:  # noqa: BLE001 - the periodic run catches up
            logger.warning("Could not schedule a count update; the periodic one will run.")

    transaction.on_commit(publish)


def _count_batch(petition_id: int, batch_size: int) -> int:
    """Move one batch of signatures into or out of the stored count. Returns rows moved."""
    with transaction.atomic():
        # The lock: one counter per petition at a time.
        Petition.objects.select_for_update().filter(pk=petition_id).values_list("pk", flat=True).first()
        rows = Signature.objects.filter(petition_id=petition_id)
        to_count = list(rows.filter(state=State.CONFIRMED, counted=False).values_list("pk", flat=True)[:batch_size])
        to_uncount = list(
            rows.filter(counted=True).exclude(state=State.CONFIRMED).values_list("pk", flat=True)[:batch_size]
        )
        added = (
            rows.filter(pk__in=to_count, state=State.CONFIRMED, counted=False).update(counted=True) if to_count else 0
        )
        removed = (
            rows.filter(pk__in=to_uncount, counted=True).exclude(state=State.CONFIRMED).update(counted=False)
            if to_uncount
            else 0
        )
        # Never below zero: a stored count that drifted low must not make this update fail
        # (the column is unsigned), or the counter and the recount that heals it would stall.
        Petition.objects.filter(pk=petition_id).update(
            signature_count=Greatest(F("signature_count") + added - removed, Value(0)), count_updated_at=timezone.now()
        )
    return len(to_count) + len(to_uncount)


def signature_counts_update(*, batch_size: int = 5000) -> None:
    """Bring every petition's stored count up to date with confirmations and moderation."""
    for petition_id in Petition.objects.values_list("pk", flat=True):
        while _count_batch(petition_id, batch_size) >= batch_size:
            pass


def signature_counts_recount() -> None:
    """Heal any drift: recompute each stored count from the rows themselves."""
    signature_counts_update()
    for petition_id in Petition.objects.values_list("pk", flat=True):
        with transaction.atomic():
            Petition.objects.select_for_update().filter(pk=petition_id).values_list("pk", flat=True).first()
            true_count = Signature.objects.filter(petition_id=petition_id, counted=True).count()
            Petition.objects.filter(pk=petition_id).update(signature_count=true_count, count_updated_at=timezone.now())
