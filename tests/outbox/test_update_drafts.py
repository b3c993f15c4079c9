"""A delivery or a response can trigger an update to supporters: "Write an update to supporters
about this" on its admin page writes a draft from its own fields, in each language it has text
in, and opens it; nothing is sent until the organizer sends the draft the usual way."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from campaign.content.models import Delivery, Response
from campaign.petitions.models import AuditEntry, SupporterUpdate, UpdateDelivery
from tests.factories import PetitionFactory, SignatureFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer():
    return UserFactory(groups=["Organizer"])


@pytest.fixture
def petition():
    PetitionFactory(is_featured=False, title="An older petition")
    return PetitionFactory(
        title_en="Free the January detainees",
        title_ru="Свободу задержанным в январе",
        title_kk="Қаңтарда ұсталғандарға бостандық",
    )


def a_delivery(**fields) -> Delivery:
    return Delivery.objects.create(
        recipient_en="The EU delegation to Kazakhstan",
        recipient_ru="Делегация ЕС в Казахстане",
        delivered_on=datetime.date(2026, 12, 1),
        signatures=12431,
        note_en="Handed over at the delegation's office in Astana.",
        note_ru="Передали в офисе делегации в Астане.",
        is_published=True,
        **fields,
    )


def press(client, user, row):
    client.force_login(user)
    return client.post(reverse(f"admin:content_{row.kind}_supporter_update", args=[row.pk]))


def test_a_delivery_becomes_a_draft_in_each_language_it_has_text_in(client, organizer, petition, settings):
    SignatureFactory(petition=petition, confirmed=True, keep_updated=True, email="supporter@example.org")
    delivery = a_delivery()

    answer = press(client, organizer, delivery)

    update = SupporterUpdate.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("admin:petitions_supporterupdate_change", args=[update.pk])
    assert update.petition == petition  # the featured one
    assert update.state == SupporterUpdate.State.DRAFT
    assert update.subject_en == "We delivered the petition to The EU delegation to Kazakhstan"
    assert update.body_en.split("\n\n") == [
        "On 1 December 2026 we delivered the petition “Free the January detainees”, with 12,431 signatures,"
        " to The EU delegation to Kazakhstan.",
        "Handed over at the delegation's office in Astana.",
        "Thank you for signing it.",
        f"Read about it on our site: {settings.SITE_URL}/en/timeline/#delivery-{delivery.pk}",
    ]
    assert update.subject_ru == "Петиция передана: Делегация ЕС в Казахстане"
    assert update.body_ru.startswith(
        "1 декабря 2026 г. мы передали петицию «Свободу задержанным в январе» с 12\xa0431 подписью."
        " Получатель: Делегация ЕС в Казахстане."
    )
    assert "Передали в офисе делегации в Астане." in update.body_ru
    assert f"/ru/timeline/#delivery-{delivery.pk}" in update.body_ru
    # No Kazakh text on the delivery: Kazakh readers get the English update, as for any update.
    assert not update.subject_kk and not update.body_kk
    delivery.refresh_from_db()
    assert delivery.supporter_update == update
    # Written, not sent.
    assert mail.outbox == [] and not UpdateDelivery.objects.exists()
    entry = AuditEntry.objects.get(action="update_draft_about")
    assert entry.actor == organizer and entry.details == {"update": update.pk, "delivery": delivery.pk}


def test_a_kazakh_delivery_gets_the_kazakh_sentences(client, organizer, petition):
    delivery = a_delivery(recipient_kk="Еуроодақтың Қазақстандағы өкілдігі")

    press(client, organizer, delivery)

    update = SupporterUpdate.objects.get()
    assert update.subject_kk == "Петиция тапсырылды: Еуроодақтың Қазақстандағы өкілдігі"
    assert update.body_kk.startswith("01.12.2026 күні біз «Қаңтарда ұсталғандарға бостандық» петициясын")
    assert "Оған қол қойғаныңызға рақмет." in update.body_kk
    # Only the Russian note was written: the Kazakh text carries no English one in its stead.
    assert "Astana" not in update.body_kk


def test_pressing_again_opens_the_same_draft(client, organizer, petition):
    delivery = a_delivery()
    first = press(client, organizer, delivery)
    SupporterUpdate.objects.filter().update(body_en="Edited by the organizer.")

    second = press(client, organizer, delivery)

    assert second["Location"] == first["Location"]
    assert SupporterUpdate.objects.get().body_en == "Edited by the organizer."
    assert AuditEntry.objects.filter(action="update_draft_about").count() == 1


def test_a_response_becomes_a_draft_with_its_words_and_link(client, organizer, petition, settings):
    response = Response.objects.create(
        responder_en="The Ministry of Foreign Affairs",
        responder_ru="МИД",
        responded_on=datetime.date(2026, 12, 3),
        text_en="The cases are under review.",
        url="https://example.org/answer",
    )

    answer = press(client, organizer, response)

    update = SupporterUpdate.objects.get()
    assert answer["Location"] == reverse("admin:petitions_supporterupdate_change", args=[update.pk])
    assert update.subject_en == "The Ministry of Foreign Affairs answered our petition"
    assert update.body_en.split("\n\n") == [
        "On 3 December 2026, The Ministry of Foreign Affairs answered our petition “Free the January detainees”.",
        "What they said:",
        "The cases are under review.",
        "Their answer in full: https://example.org/answer",
        "Thank you for standing with us.",
        f"Read about it on our site: {settings.SITE_URL}/en/timeline/#response-{response.pk}",
    ]
    assert update.subject_ru == "Ответ на нашу петицию: МИД"
    assert "Ответ полностью: https://example.org/answer" in update.body_ru
    assert not update.subject_kk
    response.refresh_from_db()
    assert response.supporter_update == update


def test_the_draft_page_says_what_it_was_written_about(client, organizer, petition):
    delivery = a_delivery()
    page = client.get(press(client, organizer, delivery)["Location"]).content.decode()
    assert reverse("admin:content_delivery_change", args=[delivery.pk]) in page
    assert "Preview in every language" in page


def test_the_button_is_on_the_delivery_page_for_who_may_write_updates(client, organizer, petition):
    delivery = a_delivery()
    client.force_login(organizer)
    page = client.get(reverse("admin:content_delivery_change", args=[delivery.pk])).content.decode()
    assert "Write an update to supporters about this" in page


def a_delivery_editor_without_updates():
    """Staff who may record deliveries but not add updates to supporters."""
    group = Group.objects.create(name="Delivery editors")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="content", codename__endswith="delivery"))
    return UserFactory(groups=["Delivery editors"])


@pytest.mark.parametrize("role", ["Moderator", "delivery editor"])
def test_who_may_not_add_an_update_is_refused(client, petition, role):
    user = a_delivery_editor_without_updates() if role == "delivery editor" else UserFactory(groups=[role])
    delivery = a_delivery()

    assert press(client, user, delivery).status_code == 403
    assert not SupporterUpdate.objects.exists()
    if role == "delivery editor":
        page = client.get(reverse("admin:content_delivery_change", args=[delivery.pk])).content.decode()
        assert "Write an update to supporters about this" not in page


def test_a_get_writes_nothing(client, organizer, petition):
    delivery = a_delivery()
    client.force_login(organizer)
    assert client.get(reverse("admin:content_delivery_supporter_update", args=[delivery.pk])).status_code == 405
    assert not SupporterUpdate.objects.exists()


def test_without_a_petition_the_organizer_is_told_why(client, organizer):
    delivery = a_delivery()
    answer = press(client, organizer, delivery)
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "There is no petition yet" in page
    assert not SupporterUpdate.objects.exists()


def test_a_deleted_draft_can_be_written_again(client, organizer, petition):
    delivery = a_delivery()
    press(client, organizer, delivery)
    SupporterUpdate.objects.get().delete()

    press(client, organizer, delivery)

    delivery.refresh_from_db()
    assert delivery.supporter_update == SupporterUpdate.objects.get()
