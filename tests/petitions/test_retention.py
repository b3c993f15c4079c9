"""How long we keep personal data: the privacy page's promises, carried out by
services.personal_data_purge (beat's purge-personal-data, every six hours). Each test is
named after the sentence of templates/content/privacy.html it pins, quoted in its docstring."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.exports.filters import delivery_report
from campaign.moderation import actions, invalidations
from campaign.moderation.retention import months_before, signatures_anonymise_due
from campaign.petitions import counting, services
from campaign.petitions.models import Invalidation, Petition, Signature
from tests.factories import PetitionFactory, SignatureFactory, UserFactory

State = Signature.State


def signed_days_ago(days: int, **fields) -> Signature:
    signature = SignatureFactory(**fields)
    Signature.objects.filter(pk=signature.pk).update(signed_at=timezone.now() - timedelta(days=days))
    return signature


def public_count(petition) -> int:
    return Petition.objects.get(pk=petition.pk).signature_count


def test_we_delete_your_ip_address_after_30_days(petition):
    """ "Your IP address. We use it only to check for abuse: moderators can see it, but it is never
    shown publicly or exported, and we delete it after 30 days." (and on the sign form: "We keep your IP address for 30 days")"""
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
    counting.signature_counts_update()
    assert public_count(petition) == 3

    services.personal_data_purge()

    kept = {s.pk for s in confirmed} | {rejected_recently.pk, invalidated_recently.pk}
    assert set(Signature.objects.values_list("pk", flat=True)) == kept
    counting.signature_counts_update()
    assert public_count(petition) == 3
    counting.signature_counts_recount()
    assert public_count(petition) == 3

    # The invalidation can still be reversed as a whole: what is left of it is restored.
    assert invalidations.invalidation_reverse(actor=moderator, invalidation_id=invalidation.pk)
    while invalidations.invalidation_reversal_apply(invalidation_id=invalidation.pk):
        pass
    assert Invalidation.objects.get(pk=invalidation.pk).state == Invalidation.State.REVERSED
    assert Signature.objects.get(pk=invalidated_recently.pk).state == State.PENDING


# --- The page says what the code does: each sentence is worded from the setting the code reads ---


def privacy_page(client) -> str:
    html = client.get(reverse("content:privacy")).content.decode()
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


@pytest.mark.parametrize("days", [30, 7])
def test_we_delete_your_ip_address_after_30_days_as_the_page_says_whatever_the_setting(
    client, petition, settings, days
):
    """ "Your IP address. We use it only to check for abuse: moderators can see it, but it is never
    shown publicly or exported, and we delete it after 30 days." """
    settings.PETITION_IP_RETENTION_DAYS = days
    old = signed_days_ago(days + 1, petition=petition, confirmed=True, ip_address="203.0.113.31")
    recent = signed_days_ago(days - 1, petition=petition, confirmed=True, ip_address="203.0.113.29")

    services.personal_data_purge()

    assert f"it is never shown publicly or exported, and we delete it after {days} days." in privacy_page(client)
    assert dict(Signature.objects.values_list("pk", "ip_address")) == {old.pk: None, recent.pk: "203.0.113.29"}


@pytest.mark.parametrize("days", [30, 7])
def test_if_you_do_not_confirm_your_signature_we_delete_it_after_30_days_as_the_page_says_whatever_the_setting(
    client, petition, settings, days
):
    """ "If you do not confirm your signature, we delete it after 30 days." """
    settings.PETITION_UNCONFIRMED_RETENTION_DAYS = days
    signed_days_ago(days + 1, petition=petition)
    recent = signed_days_ago(days - 1, petition=petition)

    services.personal_data_purge()

    assert f"If you do not confirm your signature, we delete it after {days} days." in privacy_page(client)
    assert list(Signature.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.parametrize("months", [6, 2])
def test_we_keep_confirmed_signatures_until_the_petition_closes_and_for_6_months_after_that_then_make_them_anonymous(
    client, db, settings, months
):
    """ "We keep confirmed signatures until the petition closes, and for 6 months after that.
    Then we make them anonymous: your name, email address and IP address are erased, and only
    your country and the dates are kept, so that the number of signatures stays true." """
    settings.PETITION_ANONYMISE_AFTER_MONTHS = months
    cutoff = months_before(timezone.now(), months)
    due = PetitionFactory(slug="due", closed_at=cutoff - timedelta(hours=1))
    not_yet = PetitionFactory(slug="not-yet", closed_at=cutoff + timedelta(hours=1))
    still_open = PetitionFactory(slug="open")
    for petition in (due, not_yet, still_open):
        for country in ("KZ", "KZ", "DE"):
            SignatureFactory(petition=petition, confirmed=True, country=country, ip_address="203.0.113.7")
        SignatureFactory(petition=petition, country="FR", ip_address="203.0.113.8")  # never confirmed: not counted
    counting.signature_counts_update()
    before = {
        p.slug: (public_count(p), [(c["code"], c["count"]) for c in delivery_report(petition=p)["countries"]])
        for p in (due, not_yet, still_open)
    }
    kept = list(
        Signature.objects.filter(petition=due).values_list("pk", "country", "state", "signed_at", "confirmed_at")
    )

    signatures_anonymise_due()
    counting.signature_counts_update()
    counting.signature_counts_recount()

    page = privacy_page(client)
    assert (
        f"We keep confirmed signatures until the petition closes, and for {months} months after that. Then we make "
        "them anonymous: your name, email address and IP address are erased. What is kept (your country, the dates, "
        "the page’s language and the boxes you ticked) does not say who you are, and keeps the number of signatures "
        "true."
    ) in page
    anonymised = Signature.objects.filter(petition=due)
    assert set(anonymised.values_list("name", "email", "email_domain", "ip_address")) == {("", "", "", None)}
    assert list(anonymised.values_list("pk", "country", "state", "signed_at", "confirmed_at")) == kept
    for petition in (not_yet, still_open):
        assert not Signature.objects.filter(petition=petition, name="").exists()
        assert not Signature.objects.filter(petition=petition, ip_address__isnull=True).exists()
    after = {
        p.slug: (public_count(p), [(c["code"], c["count"]) for c in delivery_report(petition=p)["countries"]])
        for p in (due, not_yet, still_open)
    }
    assert after == before and after["due"] == (3, [("KZ", 2), ("DE", 1)])
