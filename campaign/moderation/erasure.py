"""Erasing a signer's personal data: one function, for staff erasure and a signer's withdrawal."""

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from campaign.exports.jobs import export_files_withdraw
from campaign.petitions.models import Signature

from .invalidations import invalidations_scrub


def signatures_personal_data_erase(*, signature_ids: list[int]) -> int:
    """Erase name, email and IP address but keep an anonymous row, so counts and totals stay
    true; no bulk invalidation's stored filter and no prepared export file may still hold the
    person. Returns how many rows were erased."""
    invalidations_scrub(signature_ids=signature_ids)
    export_files_withdraw(signature_ids=signature_ids)
    return Signature.objects.filter(pk__in=signature_ids).update(
        name="",
        email="",
        email_canonical=Concat(Value("erased-"), Cast("pk", CharField()), output_field=CharField()),
        email_domain="",
        ip_address=None,
        show_publicly=False,
        keep_updated=False,
        email_state=Signature.EmailState.NONE,
        erased_at=timezone.now(),
    )
