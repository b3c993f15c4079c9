"""How long we keep personal data: the privacy page's promises, carried out by
services.personal_data_purge (beat's purge-personal-data, every six hours). Each test is
named after the sentence of templates/content/privacy.html it pins, quoted in its docstring."""

from datetime import timedelta

from django.utils import timezone

from campaign.moderation import actions, invalidations
from campaign.petitions import services
from campaign.petitions.models import Invalidation, Petition, Signature
from tests.factories import SignatureFactory, UserFactory

State = Signature.State


def signed_days_ago(days: int, **fields) -> Signature:
    signature = SignatureFactory(**fields)
    Signature.objects.filter(pk=signature.pk).update(signed_at=timezone.now() - timedelta(days=days))
    return signature


def public_count(petition) -> int:
    return Petition.objects.get(pk=petition.pk).signature_count


def test_we_delete_your_ip_address_after_30_days(petition):
    """ "Your IP address. We use it only to check for abuse. It is never shown or exported, and
    we delete it after 30 days." (and on the sign form: "We keep your IP address for 30 days")"""
    old = signed_days_ago(31, petition=petition, confirmed=True, ip_address="203.0.113.31")
    recent = signed_days_ago(29, petition=petition, confirmed=True, ip_address="203.0.113.29")

    services.personal_data_purge()

    assert dict(Signature.objects.values_list("pk", "ip_address")) == {old.pk: None, recent.pk: "203.0.113.29"}


def test_if_you_do_not_confirm_your_signature_we_delete_it_after_30_days(petition):
    """ "If you do not confirm your signature, we delete it after 30 days." """
    signed_days_ago(31, petition=petition)
    signed_days_ago(31, petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"])
    recent = signed_days_ago(29, petition=petition)
    # "We keep confirmed signatures until the campaign ends, and for 6 months after that."
    confirmed = signed_days_ago(31, petition=petition, confirmed=True)

    services.personal_data_purge()

    assert set(Signature.objects.values_list("pk", flat=True)) == {recent.pk, confirmed.pk}


def test_if_you_do_not_confirm_your_signature_we_delete_it_after_30_days_even_once_rejected_or_invalidated(
    petition, django_capture_on_commit_callbacks
):
    """ "If you do not confirm your signature, we delete it after 30 days." Moderation does not
    make an unconfirmed signature worth keeping; and deleting it never moves the public count."""
    moderator = UserFactory(groups=["Moderator"])
    confirmed = [signed_days_ago(31, petition=petition, confirmed=True) for _ in range(3)]
    rejected = signed_days_ago(31, petition=petition)
    rejected_recently = signed_days_ago(29, petition=petition)
    signed_days_ago(31, petition=petition, email="bot.1@botnet.example")  # invalidated with its twin below
    invalidated_recently = signed_days_ago(29, petition=petition, email="bot.2@botnet.example")
    actions.signatures_reject(
        actor=moderator, signatures=Signature.objects.filter(pk__in=[rejected.pk, rejected_recently.pk]), reason="spam"
    )
    preview = invalidations.invalidation_preview(petition=petition, criteria={"email_domain": "botnet.example"})
    with django_capture_on_commit_callbacks(execute=True):
        invalidation = invalidations.invalidation_create(
            actor=moderator, petition=petition, criteria=preview["criteria"], reason="bots", matched=preview["matched"]
        )
    assert Invalidation.objects.get(pk=invalidation.pk).state == Invalidation.State.DONE
    services.signature_counts_update()
    assert public_count(petition) == 3

    services.personal_data_purge()

    kept = {s.pk for s in confirmed} | {rejected_recently.pk, invalidated_recently.pk}
    assert set(Signature.objects.values_list("pk", flat=True)) == kept
    services.signature_counts_update()
    assert public_count(petition) == 3
    services.signature_counts_recount()
    assert public_count(petition) == 3

    # The invalidation can still be reversed as a whole: what is left of it is restored.
    assert invalidations.invalidation_reverse(actor=moderator, invalidation_id=invalidation.pk)
    while invalidations.invalidation_reversal_apply(invalidation_id=invalidation.pk):
        pass
    assert Invalidation.objects.get(pk=invalidation.pk).state == Invalidation.State.REVERSED
    assert Signature.objects.get(pk=invalidated_recently.pk).state == State.PENDING
