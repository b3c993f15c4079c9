"""What a signer does through their "Manage my signature" link: change their choices, download
what we hold about them, withdraw. Each write is a keyword-only service, as in services.py."""

from django.db import transaction
from django.utils import timezone

from campaign.moderation.audit import audit_record
from campaign.moderation.erasure import signatures_personal_data_erase

from . import counting
from .countries import country_name
from .models import Signature

State = Signature.State


def signature_choices_change(
    *, signature_id: int, show_publicly: bool, keep_updated: bool, leave_name_off: bool
) -> bool:
    """Record the signer's choices. False if the signature is gone (withdrawn or erased)."""
    rows = Signature.objects.filter(pk=signature_id, erased_at__isnull=True)
    changed = rows.update(show_publicly=show_publicly, keep_updated=keep_updated, leave_name_off=leave_name_off)
    if not keep_updated:
        # As the unsubscribe link does: the first time updates were stopped is the one recorded.
        rows.filter(unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
    return bool(changed)


def signature_withdraw(*, signature_id: int) -> bool:
    """Withdraw a signature while its petition is open: it leaves the count and every list,
    and the name and email are erased at once. False if the petition is closed or the
    signature is already gone."""
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .select_related("petition")
            .filter(pk=signature_id, erased_at__isnull=True)
            .first()
        )
        if signature is None or not signature.petition.is_open:
            return False
        Signature.objects.filter(pk=signature_id).update(state=State.WITHDRAWN, state_before_invalidation="")
        signatures_personal_data_erase(signature_ids=[signature_id])
        # No name, no address: only that one signature was withdrawn, and from which petition.
        audit_record(actor=None, action="signature_withdraw", count=1, petition=signature.petition)
    counting.signature_counts_schedule()
    return True


def _when(value) -> str | None:
    return value.isoformat() if value else None


def signature_personal_data(*, signature: Signature) -> dict:
    """Everything we hold about this signer, for them to download: never an internal id,
    never anyone else's data."""
    return {
        "petition": signature.petition.title,
        "name": signature.name,
        "email": signature.email,
        "country": signature.country.code,
        "country_name": country_name(signature.country.code),
        "choices": {
            "show_first_name_and_country_among_recent_signers": signature.show_publicly,
            "keep_me_updated": signature.keep_updated,
            "leave_my_name_off_the_list_given_to_the_authorities": signature.leave_name_off,
        },
        "language": signature.language,
        "status": "confirmed" if signature.confirmed_at else "waiting for confirmation",
        "signed_at": _when(signature.signed_at),
        "confirmed_at": _when(signature.confirmed_at),
        "updates_stopped_at": _when(signature.unsubscribed_at),
        # Kept for abuse checks only, and cleared after 30 days (see the privacy page).
        "ip_address": signature.ip_address,
        "consent_notice_version": signature.consent_version,
        # The `?source=` code of the link they signed by (a partner's or a share button's), if any.
        "link_source_code": signature.source.code if signature.source_id else None,
    }
