"""Correcting a signer's name or email address: by the signer (their name, from the "Manage
my signature" page) or by staff on the signer's written request (name and address).

The old values must not outlive the correction anywhere erasure would look for them: audit
entries, export job records and invalidation reasons that quoted them are scrubbed, and
prepared export files that may hold them are deleted (erasure.py's machinery). The audit
entry of the correction names the signature and the fields, never a value.
"""

import enum

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from campaign.content.services import content_changed
from campaign.exports.jobs import export_files_withdraw
from campaign.petitions import services
from campaign.petitions.models import Signature, public_id_new

from .audit import audit_record
from .erasure import name_words, quotations_scrub


class Correction(enum.Enum):
    CORRECTED = "corrected"
    UNCHANGED = "unchanged"
    # Withdrawn, erased or anonymised: there is nobody left to correct.
    GONE = "gone"
    # Another signature of this petition has this address (the constraint one_signature_per_email).
    EMAIL_TAKEN = "email_taken"


def signature_correct(
    *,
    actor: AbstractBaseUser | None,
    signature_id: int,
    name: str | None = None,
    email: str | None = None,
) -> Correction:
    """Give a signature a corrected name and/or address (None: leave it as it is).

    A new address gets its derived fields from services.signature_email_fields, as signing
    does, and a new public_id: every link sent to the old address (confirm, manage,
    unsubscribe) stops working, as it may be a stranger's mailbox. State and confirmation
    are kept (see docs/staff.md, "Moderation"). `actor` None is the signer themselves.
    """
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .filter(pk=signature_id, erased_at__isnull=True)
            .only("pk", "petition_id", "name", "email", "email_index", "show_publicly")
            .first()
        )
        if signature is None:
            return Correction.GONE
        changes: dict = {}
        old_name = old_email = ""
        if name is not None and name != signature.name:
            changes.update(services.signature_name_fields(name=name))
            if name_words(signature.name) != name_words(name):
                # Else quotations of the old name are quotations of the new one: nothing to scrub.
                old_name = signature.name
        if email is not None:
            fields = services.signature_email_fields(email=email)
            if fields["email"] != signature.email:
                changes.update(fields)
                if fields["email_index"] != signature.email_index:
                    changes["public_id"] = public_id_new()
                    old_email = signature.email
        if not changes:
            return Correction.UNCHANGED
        try:
            # A savepoint: the duplicate is found by the unique constraint itself, so two
            # corrections (or a correction and a signing) racing for one address cannot both win.
            with transaction.atomic():
                Signature.objects.filter(pk=signature.pk).update(**changes)
        except IntegrityError:
            if "email_index" not in changes:
                raise
            return Correction.EMAIL_TAKEN
        if old_name or old_email:
            quotations_scrub(petition_ids={signature.petition_id}, people=[(old_name, old_email)])
            export_files_withdraw(signature_ids=[signature.pk])
        audit_record(
            actor=actor,
            action="signature_correct" if actor is not None else "signature_correct_by_signer",
            count=1,
            petition=signature.petition,
            # Ids and the names of the fields: never the old or the new value.
            details={"ids": [signature.pk], "fields": [f for f in ("name", "email") if f in changes]},
        )
        if "name" in changes:
            # The recent signers on the home page show first names: render it afresh.
            content_changed()
    return Correction.CORRECTED
