"""Updates to supporters: who may get one, asking to send it, approving it, queueing its
deliveries and closing it once every delivery has an outcome.

An update goes only to confirmed supporters who ticked "keep me updated" and have not since
unsubscribed, withdrawn or been erased; that is checked when a delivery is queued and again
when it is sent (update_sending.py). Each (update, signature) pair has at most one delivery row
(a unique constraint), so queueing again, after a crash or a repeated task, adds nothing twice.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from campaign.dispatch import dispatcher
from campaign.moderation.audit import audit_record
from campaign.petitions.models import Signature, SupporterUpdate, UpdateDelivery

UpdateState = SupporterUpdate.State
SEND_TASK = "campaign.petitions.tasks.send_supporter_update"
# Deliveries queued per transaction: one short lock on the update, one multi-row insert.
QUEUE_BATCH = 5000


class UpdateRefused(Exception):
    """The update cannot be sent, or approved, now; the message says why."""


def wants_updates() -> Q:
    """Who may be sent an update, as a filter on signatures."""
    return Q(
        state=Signature.State.CONFIRMED,
        keep_updated=True,
        unsubscribed_at__isnull=True,
        erased_at__isnull=True,
    )


def still_wants_updates(signature: Signature) -> bool:
    """`wants_updates` for one row already read (at send time)."""
    return (
        signature.state == Signature.State.CONFIRMED
        and signature.keep_updated
        and signature.unsubscribed_at is None
        and signature.erased_at is None
    )


def update_recipients(*, petition_id: int) -> QuerySet[Signature]:
    return Signature.objects.filter(wants_updates(), petition_id=petition_id)


def _start(update: SupporterUpdate, actor: AbstractBaseUser, recipients: int) -> None:
    update.state, update.started_at = UpdateState.SENDING, timezone.now()
    update.save(update_fields=["state", "started_at"])
    audit_record(
        actor=actor,
        action="update_send",
        count=recipients,
        petition=update.petition,
        details={"update": update.pk, "approved_by": update.approved_by.get_username() if update.approved_by else ""},
    )
    transaction.on_commit(lambda: dispatcher().send(SEND_TASK, update.pk))


def update_send_request(*, update_id: int, actor: AbstractBaseUser) -> SupporterUpdate:
    """Start sending a draft update, or, above UPDATE_APPROVAL_THRESHOLD recipients, ask an
    Administrator to approve it first. Returns the update in its new state."""
    with transaction.atomic():
        update = SupporterUpdate.objects.select_for_update().select_related("petition").get(pk=update_id)
        if update.state != UpdateState.DRAFT:
            raise UpdateRefused("This update has already been sent or is waiting for approval.")
        if not update.subject_en or not update.body_en:
            raise UpdateRefused("Write at least the English subject and text: it is what other languages fall back to.")
        recipients = update_recipients(petition_id=update.petition_id).count()
        update.requested_by, update.recipients_expected = actor, recipients
        if recipients > settings.UPDATE_APPROVAL_THRESHOLD:
            update.state = UpdateState.AWAITING_APPROVAL
            update.save(update_fields=["state", "requested_by", "recipients_expected"])
            audit_record(
                actor=actor,
                action="update_send_request",
                count=recipients,
                petition=update.petition,
                details={"update": update.pk},
            )
            return update
        update.save(update_fields=["requested_by", "recipients_expected"])
        _start(update, actor, recipients)
    return update


def update_approve(*, update_id: int, actor: AbstractBaseUser) -> SupporterUpdate:
    """An Administrator approves a large send: it starts at once."""
    if not actor.has_perm("petitions.approve_supporterupdate"):
        raise UpdateRefused("Only an Administrator may approve this send.")
    with transaction.atomic():
        update = SupporterUpdate.objects.select_for_update().select_related("petition").get(pk=update_id)
        if update.state != UpdateState.AWAITING_APPROVAL:
            raise UpdateRefused("This update is not waiting for approval.")
        update.approved_by = actor
        update.save(update_fields=["approved_by"])
        _start(update, actor, update_recipients(petition_id=update.petition_id).count())
    return update


def update_deliveries_queue(*, update_id: int, limit: int = QUEUE_BATCH) -> int:
    """Queue the next `limit` recipients by signature id; returns how many were queued (0: all are).

    The update's row is locked while its cursor moves, and a delivery that exists already is
    left as it is: a repeated or resumed run queues nobody twice."""
    with transaction.atomic():
        update = SupporterUpdate.objects.select_for_update().get(pk=update_id)
        if update.state != UpdateState.SENDING or update.queued_all:
            return 0
        ids = list(
            update_recipients(petition_id=update.petition_id)
            .filter(pk__gt=update.queued_through)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        now = timezone.now()
        UpdateDelivery.objects.bulk_create(
            [UpdateDelivery(update_id=update_id, signature_id=pk, due_at=now) for pk in ids],
            ignore_conflicts=True,
            batch_size=1000,
        )
        if ids:
            update.queued_through = ids[-1]
        update.queued_all = len(ids) < limit
        update.save(update_fields=["queued_through", "queued_all"])
        return len(ids)


def update_finish_if_done(*, update_id: int) -> bool:
    """Mark the update sent once all its deliveries are queued and none is pending; audited."""
    with transaction.atomic():
        update = SupporterUpdate.objects.select_for_update().select_related("petition").get(pk=update_id)
        if update.state != UpdateState.SENDING or not update.queued_all:
            return update.state == UpdateState.SENT
        if update.deliveries.filter(state=UpdateDelivery.State.PENDING).exists():
            return False
        update.state, update.finished_at = UpdateState.SENT, timezone.now()
        update.save(update_fields=["state", "finished_at"])
        progress = update_progress(update=update)
        audit_record(
            actor=None,
            action="update_sent",
            count=progress["sent"],
            petition=update.petition,
            details={"update": update.pk, **progress},
        )
        return True


def updates_stalled_ids() -> list[int]:
    """Updates being sent whose task seems lost (a broker outage, a dead worker): still queueing
    well after they started, or with a delivery overdue. The sweeper wakes their task again."""
    overdue = timezone.now() - timedelta(seconds=settings.PETITION_OUTBOX_GRACE_SECONDS)
    stalled = Q(queued_all=False, started_at__lte=overdue) | Q(
        deliveries__state=UpdateDelivery.State.PENDING, deliveries__due_at__lte=overdue
    )
    return list(
        SupporterUpdate.objects.filter(stalled, state=UpdateState.SENDING).values_list("pk", flat=True).distinct()
    )


def updates_sending_ids() -> list[int]:
    return list(SupporterUpdate.objects.filter(state=UpdateState.SENDING).values_list("pk", flat=True))


def update_progress(*, update: SupporterUpdate) -> dict:
    """What the update's admin page shows: how many are queued, sent, failed, skipped (no longer
    wanted it at send time), and how many who got it have unsubscribed since."""
    D = UpdateDelivery.State
    counts = update.deliveries.aggregate(
        queued=Count("pk"),
        pending=Count("pk", filter=Q(state=D.PENDING)),
        sent=Count("pk", filter=Q(state=D.SENT)),
        failed=Count("pk", filter=Q(state=D.FAILED)),
        skipped=Count("pk", filter=Q(state=D.SKIPPED)),
        unsubscribed_after=Count("pk", filter=Q(state=D.SENT, signature__unsubscribed_at__gte=F("sent_at"))),
    )
    return counts
