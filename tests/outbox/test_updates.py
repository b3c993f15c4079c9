"""Updates to supporters, against real PostgreSQL and a real SMTP conversation (aiosmtpd in-process).

An organizer writes the update in the admin and asks to send it; the task (run in-process once
the request commits) queues the recipients and sends them their emails in batches.
"""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from campaign.outbox import pace, sending, update_sending, updates, wake
from campaign.outbox.tasks import send_supporter_update, sweep_email_outbox
from campaign.petitions.models import AuditEntry, Signature, SupporterUpdate, UpdateDelivery
from campaign.petitions.self_service import signature_withdraw
from tests.factories import PetitionFactory, SignatureFactory, UserFactory
from tests.outbox.test_sending import start_server

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def smtp_server():
    controller, inbox = start_server()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    controller, inbox = smtp_server
    inbox.reset()
    sending._drop_connection()
    cache.delete_many(pace._keys())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 2
    return inbox


def supporter(petition, **fields) -> Signature:
    """A confirmed signer who ticked "keep me updated"."""
    return SignatureFactory(petition=petition, confirmed=True, keep_updated=True, **fields)


def recipients(inbox) -> list[str]:
    return sorted(address for rcpt_tos, _message in inbox.received for address in rcpt_tos)


def an_update(petition) -> SupporterUpdate:
    return SupporterUpdate.objects.create(
        petition=petition,
        subject_en="We delivered the petition",
        body_en="We delivered 12,431 signatures today.\n\nThank you.",
        subject_ru="Мы передали петицию",
        body_ru="Сегодня мы передали 12 431 подпись.",
    )


@pytest.fixture
def organizer(db):
    return UserFactory(groups=["Organizer"])


@pytest.fixture
def administrator(db):
    return UserFactory(groups=["Administrator"])


def press(client, user, update, button: str, **data):
    client.force_login(user)
    return client.post(reverse(f"admin:petitions_supporterupdate_{button}", args=[update.pk]), data)


def test_only_confirmed_supporters_who_asked_get_the_update_in_their_language(
    client, smtp, organizer, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    supporter(petition, email="en@example.org", language="en")
    supporter(petition, email="ru@example.org", language="ru")
    supporter(petition, email="kk@example.org", language="kk")  # no Kazakh text: the English one
    SignatureFactory(petition=petition, confirmed=True, keep_updated=False, email="no@example.org")
    SignatureFactory(petition=petition, keep_updated=True, email="unconfirmed@example.org")
    supporter(petition, email="unsubscribed@example.org", unsubscribed_at=timezone.now())
    supporter(petition, email="withdrawn@example.org", state=Signature.State.WITHDRAWN)
    supporter(petition, email="erased@example.org", erased_at=timezone.now())
    supporter(PetitionFactory(), email="other-petition@example.org")
    update = an_update(petition)

    with django_capture_on_commit_callbacks(execute=True):
        response = press(client, organizer, update, "send")
    assert response.status_code == 302

    assert recipients(smtp) == ["en@example.org", "kk@example.org", "ru@example.org"]
    by_address = {rcpt[0]: message for rcpt, message in smtp.received}
    assert by_address["ru@example.org"]["Subject"] == "Мы передали петицию"
    assert "12 431" in by_address["ru@example.org"].get_body(("plain",)).get_content()
    assert by_address["kk@example.org"]["Subject"] == "We delivered the petition"
    for address, message in by_address.items():
        language = address.split("@")[0]
        assert message["Content-Language"] == language
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
        assert f"/{language}/petitions/unsubscribe/" in unsubscribe
        text = message.get_body(("plain",)).get_content()
        assert unsubscribe in text and f"/{language}/petitions/manage/" in text
    # The footer's fixed strings come from the catalogue, in the supporter's language.
    assert "Управлять моей подписью" in by_address["ru@example.org"].get_body(("plain",)).get_content()

    update.refresh_from_db()
    assert update.state == SupporterUpdate.State.SENT
    assert updates.update_progress(update=update)["sent"] == 3
    actions = list(AuditEntry.objects.filter(details__update=update.pk).values_list("action", "count"))
    assert ("update_send", 3) in actions and ("update_sent", 3) in actions


def test_sending_twice_sends_each_supporter_one_email(client, smtp, organizer, django_capture_on_commit_callbacks):
    petition = PetitionFactory()
    for n in range(3):
        supporter(petition, email=f"s{n}@example.org")
    update = an_update(petition)
    with django_capture_on_commit_callbacks(execute=True):
        press(client, organizer, update, "send")
        press(client, organizer, update, "send")  # a double click: refused, already sent
    send_supporter_update(update.pk)  # a repeated task message
    assert recipients(smtp) == ["s0@example.org", "s1@example.org", "s2@example.org"]
    assert UpdateDelivery.objects.filter(update=update).count() == 3


def test_a_send_that_crashed_midway_resumes_without_sending_anyone_twice(smtp, organizer):
    petition = PetitionFactory()
    for n in range(5):
        supporter(petition, email=f"c{n}@example.org")
    update = an_update(petition)
    updates.update_send_request(update_id=update.pk, actor=organizer)  # its task never ran: the worker died
    # A first worker queued two recipients and sent one batch of one, then died.
    assert updates.update_deliveries_queue(update_id=update.pk, limit=2) == 2
    update_sending.update_deliveries_send(batch_size=1, budget_seconds=0)
    assert recipients(smtp) == ["c0@example.org"]

    # The sweeper wakes a fresh task; another copy of the lost message arrives too.
    send_supporter_update(update.pk)
    send_supporter_update(update.pk)

    assert recipients(smtp) == [f"c{n}@example.org" for n in range(5)]
    update.refresh_from_db()
    assert update.state == SupporterUpdate.State.SENT


def test_who_withdraws_or_unsubscribes_after_queueing_is_never_sent_it(smtp, organizer):
    petition = PetitionFactory()
    stays = supporter(petition, email="stays@example.org")
    leaves = supporter(petition, email="leaves@example.org")
    stops = supporter(petition, email="stops@example.org")
    update = an_update(petition)
    updates.update_send_request(update_id=update.pk, actor=organizer)
    updates.update_deliveries_queue(update_id=update.pk)
    assert signature_withdraw(signature_id=leaves.pk)
    Signature.objects.filter(pk=stops.pk).update(keep_updated=False, unsubscribed_at=timezone.now())

    send_supporter_update(update.pk)

    assert recipients(smtp) == [stays.email]
    progress = updates.update_progress(update=SupporterUpdate.objects.get(pk=update.pk))
    assert (progress["sent"], progress["skipped"]) == (1, 2)


def test_the_unsubscribe_link_stops_the_next_update_and_shows_on_the_page(
    client, smtp, organizer, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    supporter(petition, email="reader@example.org")
    supporter(petition, email="leaver@example.org")
    first = an_update(petition)
    with django_capture_on_commit_callbacks(execute=True):
        press(client, organizer, first, "send")
    message = next(message for rcpt, message in smtp.received if rcpt == ["leaver@example.org"])
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert client.post(unsubscribe, {"List-Unsubscribe": "One-Click"}).status_code == 200

    page = client.get(reverse("admin:petitions_supporterupdate_change", args=[first.pk])).content.decode()
    assert '<td id="progress-sent">2</td>' in page
    assert '<td id="progress-unsubscribed">1</td>' in page

    smtp.reset()
    second = an_update(petition)
    with django_capture_on_commit_callbacks(execute=True):
        press(client, organizer, second, "send")
    assert recipients(smtp) == ["reader@example.org"]


def test_a_send_above_the_threshold_waits_for_an_administrator(
    client, smtp, settings, organizer, administrator, django_capture_on_commit_callbacks
):
    settings.UPDATE_APPROVAL_THRESHOLD = 1
    petition = PetitionFactory()
    supporter(petition, email="a@example.org")
    supporter(petition, email="b@example.org")
    update = an_update(petition)

    with django_capture_on_commit_callbacks(execute=True):
        press(client, organizer, update, "send")
        refused = press(client, organizer, update, "approve")
    assert refused.status_code == 403
    assert smtp.received == []
    update.refresh_from_db()
    assert update.state == SupporterUpdate.State.AWAITING_APPROVAL

    with django_capture_on_commit_callbacks(execute=True):
        press(client, administrator, update, "approve")
    assert recipients(smtp) == ["a@example.org", "b@example.org"]
    entry = AuditEntry.objects.get(action="update_send", details__update=update.pk)
    assert entry.actor == administrator and entry.details["approved_by"] == administrator.username
    assert AuditEntry.objects.filter(action="update_send_request", actor=organizer).exists()


def test_an_organizer_previews_and_sends_a_test_only_to_themselves(client, smtp, organizer):
    petition = PetitionFactory()
    supporter(petition, email="supporter@example.org")
    update = an_update(petition)

    client.force_login(organizer)
    preview = client.get(reverse("admin:petitions_supporterupdate_preview", args=[update.pk]))
    assert preview.status_code == 200
    assert "Сегодня мы передали 12 431 подпись." in preview.content.decode()

    press(client, organizer, update, "test", language="ru")
    assert recipients(smtp) == [organizer.email]
    assert smtp.received[0][1]["Subject"].endswith("Мы передали петицию")
    assert SupporterUpdate.objects.get(pk=update.pk).state == SupporterUpdate.State.DRAFT
    assert AuditEntry.objects.filter(action="update_test_send", actor=organizer).exists()


def test_a_moderator_cannot_send_an_update(client, smtp):
    moderator = UserFactory(groups=["Moderator"])
    update = an_update(PetitionFactory())
    supporter(update.petition)
    assert press(client, moderator, update, "send").status_code == 403
    assert smtp.received == []


def test_the_sweeper_resumes_an_update_whose_task_was_lost(smtp, organizer, settings):
    petition = PetitionFactory()
    supporter(petition, email="late@example.org")
    update = an_update(petition)
    updates.update_send_request(update_id=update.pk, actor=organizer)  # the broker lost its task
    assert sweep_email_outbox() == 0 and smtp.received == []  # not yet: it may still be on its way

    SupporterUpdate.objects.filter(pk=update.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.PETITION_OUTBOX_GRACE_SECONDS + 1)
    )
    sweep_email_outbox()
    assert recipients(smtp) == ["late@example.org"]


def test_a_long_paragraph_arrives_whole(smtp, organizer):
    """A line too long for 8bit transfer is encoded: the message is then rendered in full."""
    petition = PetitionFactory()
    supporter(petition, email="long@example.org", language="ru")
    paragraph = "Сегодня мы передали петицию. " * 60
    update = SupporterUpdate.objects.create(petition=petition, subject_en="News", body_en="x", body_ru=paragraph)
    updates.update_send_request(update_id=update.pk, actor=organizer)
    send_supporter_update(update.pk)
    ((_rcpt, message),) = smtp.received
    assert paragraph.strip() in message.get_body(("plain",)).get_content()
    assert "/ru/petitions/unsubscribe/" in str(message["List-Unsubscribe"])


def test_the_audit_log_says_in_words_who_sent_which_update(client, smtp, organizer, django_capture_on_commit_callbacks):
    update = an_update(PetitionFactory())
    supporter(update.petition)
    with django_capture_on_commit_callbacks(execute=True):
        press(client, organizer, update, "send")
    client.force_login(UserFactory(groups=["Administrator"]))
    page = client.get(reverse("admin:petitions_auditentry_changelist")).content.decode()
    assert "started sending an update to supporters" in page
    assert "finished sending an update to supporters" in page
    assert f"Update to supporters #{update.pk}" in page


@pytest.mark.parametrize("signers_arriving", [True, False])
def test_an_update_gives_way_while_signers_arrive(smtp, organizer, signers_arriving):
    petition = PetitionFactory()
    for n in range(6):
        supporter(petition, email=f"g{n}@example.org")
    update = an_update(petition)
    updates.update_send_request(update_id=update.pk, actor=organizer)  # queued by hand below
    updates.update_deliveries_queue(update_id=update.pk)
    if signers_arriving:
        cache.set(wake.WAKE_KEY, 1, timeout=60)  # what a signature sets while its confirmation is on its way

    started = time.monotonic()
    try:
        outcome, more = update_sending.update_deliveries_send(batch_size=2)
    finally:
        cache.delete(wake.WAKE_KEY)  # a flag left set would slow every later sender in this Redis db
    took = time.monotonic() - started

    # Everyone still gets it once; while signers arrive the sender spends most of its time resting
    # (UPDATE_YIELD_FACTOR times each batch), and otherwise never rests.
    assert (outcome.sent, more) == (6, False)
    assert recipients(smtp) == [f"g{n}@example.org" for n in range(6)]
    if signers_arriving:
        assert outcome.rested_for > took / 2
    else:
        assert outcome.rested_for == 0
