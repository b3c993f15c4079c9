"""A petition has a life: it closes at its closing time (whether or not beat ran then), or
when an organizer closes it early; a closed petition takes no signatures and no resend
requests, says when it closed and with how many confirmed signatures, and still counts late
confirmations of signatures made before it closed."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from campaign.petitions import counting, life
from campaign.petitions.models import AuditEntry, Petition, Signature
from campaign.petitions.tokens import confirm_token_make
from tests.factories import PetitionFactory, SignatureFactory, UserFactory

SIGNER = {"name": "Aigerim Bekova", "email": "aigerim@example.org", "country": "KZ"}
CLOSED_AT = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def _url(name: str, petition: Petition, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"petitions:{name}", kwargs={"slug": petition.slug})


def _fresh(petition: Petition) -> Petition:
    return Petition.objects.get(pk=petition.pk)


@pytest.fixture
def staff_password(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_petition_past_its_closing_time_takes_no_signature_even_before_beat_records_it(
    client, petition, django_capture_on_commit_callbacks
):
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() - timedelta(seconds=1))

    page = client.get(_url("sign", petition))
    with django_capture_on_commit_callbacks(execute=True):
        signed = client.post(_url("sign", petition), SIGNER)
        resent = client.post(_url("resend", petition), {"email": SIGNER["email"]})

    assert page.status_code == 200 and "Closed on" in page.content.decode()
    assert 'name="email"' not in page.content.decode().split('id="sign"')[1].split("</section>")[0]
    assert signed.status_code == 410 and "Closed on" in signed.content.decode()
    assert resent.status_code == 410 and "This petition is closed" in resent.content.decode()
    assert not Signature.objects.exists()


def test_a_closed_petition_answers_garbage_with_its_closed_page_never_a_500(client, petition):
    Petition.objects.filter(pk=petition.pk).update(closed_at=timezone.now())

    for data in ({}, {"email": "x" * 5000}, {"name": "\x00", "email": "not an address", "country": "??"}):
        assert client.post(_url("sign", petition), data).status_code == 410
        assert client.post(_url("resend", petition), data).status_code == 410


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Closed on 8 March 2026 with 1,234 confirmed signatures."),
        ("ru", "Сбор подписей завершён 8 марта 2026 г.: 1 234 подтверждённые подписи."),
        ("kk", "Қол жинау 08.03.2026 аяқталды: 1 234 расталған қолтаңба."),
    ],
)
def test_a_closed_petition_says_when_it_closed_and_with_how_many_confirmed_signatures(
    client, petition, language, expected
):
    Petition.objects.filter(pk=petition.pk).update(closed_at=CLOSED_AT, signature_count=1234)

    html = client.get(_url("sign", petition, language)).content.decode().replace("\xa0", " ")

    assert expected in " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_beat_closes_a_petition_as_of_its_closing_time_even_if_it_was_down_then(petition):
    closes_at = timezone.now() - timedelta(days=3)
    later = PetitionFactory(closes_at=timezone.now() + timedelta(days=1))
    Petition.objects.filter(pk=petition.pk).update(closes_at=closes_at)

    assert life.petitions_close_due() == [petition.pk]
    assert life.petitions_close_due() == []  # a second run changes nothing

    assert _fresh(petition).closed_at == closes_at
    assert _fresh(later).closed_at is None and _fresh(later).is_open
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_label, entry.petition_id) == ("petition_close_scheduled", "system", petition.pk)


def test_late_confirmations_of_signatures_made_before_closing_still_count(
    client, petition, django_capture_on_commit_callbacks
):
    confirmed = SignatureFactory(petition=petition, confirmed=True)
    late = SignatureFactory(petition=petition)
    counting.signature_counts_update()
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    life.petitions_close_due()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("petitions:confirm", kwargs={"token": confirm_token_make(public_id=late.public_id)})
        )
    counting.signature_counts_update()

    assert response.status_code == 302
    assert Signature.objects.get(pk=late.pk).state == Signature.State.CONFIRMED
    assert _fresh(petition).signature_count == 2
    assert confirmed.pk != late.pk


def _admin_action(client, action: str, petition: Petition):
    """The action as a person runs it: choose it, read the confirmation, say yes."""
    data = {"action": action, "_selected_action": [petition.pk], "index": 0}
    url = reverse("admin:petitions_petition_changelist")
    confirmation = client.post(url, data)
    if confirmation.status_code != 200 or "Are you sure?" not in confirmation.content.decode():
        return confirmation
    assert str(petition.title) in confirmation.content.decode()
    return client.post(url, {**data, "post": "yes"}, follow=True)


def test_an_organizer_closes_early_and_reopens_from_the_admin_and_both_are_audited(client, petition, staff_password):
    organizer = UserFactory(username="organizer", groups=["Organizer"])
    client.force_login(organizer)
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() + timedelta(days=30))

    closed = _admin_action(client, "close_now", petition)
    assert closed.status_code == 200 and "1 closed." in closed.content.decode()
    assert not _fresh(petition).is_open
    assert client.post(_url("sign", petition), SIGNER).status_code == 410

    reopened = _admin_action(client, "reopen", petition)
    assert "1 reopened." in reopened.content.decode()
    assert _fresh(petition).is_open and _fresh(petition).closed_at is None
    assert _fresh(petition).closes_at is not None  # the closing time still ahead stands

    entries = AuditEntry.objects.order_by("pk")
    assert [(e.action, e.actor_label) for e in entries] == [
        ("petition_close", "organizer"),
        ("petition_reopen", "organizer"),
    ]


def test_a_moderator_cannot_close_a_petition(client, petition, staff_password):
    client.force_login(UserFactory(username="moderator", groups=["Moderator"]))

    _admin_action(client, "close_now", petition)

    assert _fresh(petition).is_open and not AuditEntry.objects.exists()


def test_reopening_drops_a_closing_time_already_past(petition):
    organizer = UserFactory(username="organizer", groups=["Organizer"])
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() - timedelta(days=1))
    life.petitions_close_due()

    assert life.petition_reopen(actor=organizer, petition_id=petition.pk)
    assert life.petitions_close_due() == []

    assert _fresh(petition).is_open and _fresh(petition).closes_at is None
