"""Correcting a signature's name or address (the GDPR's "to correct them"): by staff on the
signer's written request, through one service that recomputes what is derived from the
address as signing does, refuses an address that already signed, audits ids only and scrubs
the old values wherever erasure would."""

import json
import threading

import pytest
from django.db import connection
from django.urls import reverse

from campaign.moderation import actions
from campaign.moderation.corrections import Correction, signature_correct
from campaign.petitions.models import AuditEntry, ExportJob, Signature
from campaign.petitions.services import email_lookup, signature_email_fields
from campaign.petitions.tokens import manage_token_make
from tests.exports.helpers import download, sign
from tests.factories import PetitionFactory, SignatureFactory

OLD_NAME = "Zhanna Wrongova"
OLD_EMAIL = "zhanna.wrong@gmial.com"
NEW_NAME = "Zhanna Rightova"
NEW_EMAIL = "Zhanna.Right@Mail.KZ"


@pytest.fixture
def zhanna(petition):
    return SignatureFactory(petition=petition, name=OLD_NAME, email=OLD_EMAIL, confirmed=True, keep_updated=True)


def everything_recorded() -> str:
    """The audit log, export job records and invalidation reasons, as one text."""
    rows = [json.dumps(d, ensure_ascii=False) for d in AuditEntry.objects.values_list("details", flat=True)]
    rows += [json.dumps(f, ensure_ascii=False) for f in ExportJob.objects.values_list("filters", flat=True)]
    rows += [json.dumps(r, ensure_ascii=False) for r in AuditEntry.objects.values_list("actor_label", flat=True)]
    from campaign.petitions.models import Invalidation

    rows += list(Invalidation.objects.values_list("reason", flat=True))
    return "\n".join(rows).casefold()


# --- The service ------------------------------------------------------------------------------


def test_a_corrected_address_gets_its_blind_index_and_domain_as_signing_derives_them(moderator, zhanna):
    assert signature_correct(actor=moderator, signature_id=zhanna.pk, email=f"  {NEW_EMAIL} ") is Correction.CORRECTED
    row = Signature.objects.get(pk=zhanna.pk)
    assert (row.email, row.email_index, row.email_domain) == (
        NEW_EMAIL,
        email_lookup("zhanna.right@mail.kz"),
        "mail.kz",
    )
    assert {"email": row.email, "email_index": row.email_index, "email_domain": row.email_domain} == (
        signature_email_fields(email=NEW_EMAIL)
    )
    # Still the same signer's signature: confirmed and counted as before.
    assert row.state == Signature.State.CONFIRMED and row.confirmed_at == zhanna.confirmed_at


def test_an_address_that_already_signed_this_petition_is_refused_and_nothing_changes(moderator, zhanna, petition):
    SignatureFactory(petition=petition, email="taken@example.org")
    outcome = signature_correct(actor=moderator, signature_id=zhanna.pk, name=NEW_NAME, email="TAKEN@example.org ")
    assert outcome is Correction.EMAIL_TAKEN
    row = Signature.objects.get(pk=zhanna.pk)
    assert (row.name, row.email) == (OLD_NAME, OLD_EMAIL)
    assert not AuditEntry.objects.filter(action="signature_correct").exists()
    # The same address on another petition is another signature: allowed.
    other = SignatureFactory(petition=PetitionFactory(), email="someone@example.org")
    assert signature_correct(actor=moderator, signature_id=other.pk, email="taken@example.org") is Correction.CORRECTED


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_corrections_racing_for_one_address_cannot_both_win(postgres):
    """The unique constraint decides, not a look beforehand: two transactions that each see the
    address free still end with one signature per address."""
    petition = PetitionFactory()
    first, second = SignatureFactory.create_batch(2, petition=petition)
    barrier = threading.Barrier(2)
    outcomes = []

    def correct(signature_id):
        try:
            # Both have looked (the address is free) before either writes.
            assert not Signature.objects.filter(email_index=email_lookup("same@example.org")).exists()
            barrier.wait(timeout=10)
            outcomes.append(signature_correct(actor=None, signature_id=signature_id, email="same@example.org"))
        finally:
            connection.close()

    threads = [threading.Thread(target=correct, args=(pk,)) for pk in (first.pk, second.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.value for o in outcomes) == sorted([Correction.CORRECTED.value, Correction.EMAIL_TAKEN.value])
    assert Signature.objects.filter(email_index=email_lookup("same@example.org")).count() == 1


def test_the_audit_entry_names_the_signature_and_the_fields_never_a_value(moderator, zhanna):
    signature_correct(actor=moderator, signature_id=zhanna.pk, name=NEW_NAME, email=NEW_EMAIL)
    entry = AuditEntry.objects.get(action="signature_correct")
    assert (entry.actor, entry.count, entry.petition_id) == (moderator, 1, zhanna.petition_id)
    assert entry.details == {"ids": [zhanna.pk], "fields": ["name", "email"]}
    recorded = everything_recorded()
    for value in (OLD_NAME, OLD_EMAIL, NEW_NAME, NEW_EMAIL, "zhanna", "wrongova", "rightova"):
        assert value.casefold() not in recorded, value


def test_the_old_name_and_address_are_scrubbed_from_every_record_that_quoted_them(
    moderator, organizer, petition, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 1  # every export is a background job with a file
    zhanna = sign(petition, OLD_NAME, email=OLD_EMAIL)
    bystander = sign(petition, "Bystander Person", email="bystander@example.org")
    # A moderator quoted her in a reason; an organizer prepared a file holding her row.
    actions.signatures_reject(
        actor=moderator,
        signatures=Signature.objects.filter(pk__in=[zhanna.pk, bystander.pk]),
        reason=f"{OLD_NAME} <{OLD_EMAIL}> and Bystander Person asked",
    )
    actions.signatures_restore(actor=moderator, signatures=Signature.objects.filter(pk__in=[zhanna.pk, bystander.pk]))
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        download(client, petition)
    job = ExportJob.objects.get()
    assert OLD_EMAIL.encode() in (settings.MEDIA_ROOT / job.file_path).read_bytes()

    signature_correct(actor=moderator, signature_id=zhanna.pk, name=NEW_NAME, email=NEW_EMAIL)

    reason = AuditEntry.objects.get(action="signatures_reject").details["reason"]
    assert reason == "[erased] <[erased]> and Bystander Person asked"
    assert OLD_EMAIL not in everything_recorded() and OLD_NAME.casefold() not in everything_recorded()
    # The prepared file held the old values: it is gone, as after an erasure.
    assert ExportJob.objects.get().file_path == ""
    # The next export has the corrected row.
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        download(client, petition)
    newest = ExportJob.objects.order_by("-pk").first()
    data = (settings.MEDIA_ROOT / newest.file_path).read_bytes().decode()
    assert NEW_NAME in data and NEW_EMAIL in data and OLD_NAME not in data


def test_links_sent_to_the_old_address_stop_working_a_name_correction_keeps_them(moderator, zhanna, client):
    old_link = reverse("petitions:manage", kwargs={"token": manage_token_make(public_id=zhanna.public_id)})
    signature_correct(actor=moderator, signature_id=zhanna.pk, name=NEW_NAME)
    assert client.get(old_link).status_code == 200
    signature_correct(actor=moderator, signature_id=zhanna.pk, email=NEW_EMAIL)
    # The old address may be a stranger's mailbox: its link must not show the new address.
    page = client.get(old_link)
    assert page.status_code == 404 and NEW_EMAIL not in page.content.decode()
    assert Signature.objects.get(pk=zhanna.pk).public_id != zhanna.public_id


def test_a_change_of_case_in_the_address_keeps_its_links_and_quotations(moderator, zhanna):
    signature_correct(actor=moderator, signature_id=zhanna.pk, email=OLD_EMAIL.upper())
    row = Signature.objects.get(pk=zhanna.pk)
    assert row.email == OLD_EMAIL.upper() and row.public_id == zhanna.public_id


def test_an_erased_signature_cannot_be_corrected(moderator, zhanna):
    actions.signatures_erase(actor=moderator, signatures=Signature.objects.filter(pk=zhanna.pk))
    assert signature_correct(actor=moderator, signature_id=zhanna.pk, name=NEW_NAME) is Correction.GONE
    assert Signature.objects.get(pk=zhanna.pk).name == ""


def test_the_same_values_again_change_nothing_and_record_nothing(moderator, zhanna):
    assert signature_correct(actor=moderator, signature_id=zhanna.pk, name=OLD_NAME, email=OLD_EMAIL) is (
        Correction.UNCHANGED
    )
    assert not AuditEntry.objects.exists()


# --- The staff form ------------------------------------------------------------------------------


def correct_url(signature) -> str:
    return reverse("moderation:signature_correct", args=[signature.pk])


@pytest.mark.parametrize("role", ["moderator", "administrator"])
def test_moderators_and_administrators_correct_a_name_and_address_from_the_signature_page(client, users, zhanna, role):
    client.force_login(users[role])
    page = client.get(reverse("admin:petitions_signature_change", args=[zhanna.pk])).content.decode()
    assert "Correct name or email" in page and f'action="{correct_url(zhanna)}"' in page
    response = client.post(correct_url(zhanna), {"name": f" {NEW_NAME} ", "email": NEW_EMAIL}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:petitions_signature_change", args=[zhanna.pk])
    assert "Corrected." in response.content.decode()
    row = Signature.objects.get(pk=zhanna.pk)
    assert (row.name, row.email, row.email_domain) == (NEW_NAME, NEW_EMAIL, "mail.kz")
    assert AuditEntry.objects.get(action="signature_correct").actor == users[role]


def test_organizers_get_a_403_and_no_form(client, organizer, zhanna):
    client.force_login(organizer)
    assert client.get(correct_url(zhanna)).status_code == 403
    assert client.post(correct_url(zhanna), {"name": NEW_NAME, "email": NEW_EMAIL}).status_code == 403
    assert Signature.objects.get(pk=zhanna.pk).name == OLD_NAME


def test_an_address_that_already_signed_gets_a_clear_message_and_a_409(client, moderator, zhanna, petition):
    SignatureFactory(petition=petition, email="taken@example.org")
    client.force_login(moderator)
    response = client.post(correct_url(zhanna), {"name": NEW_NAME, "email": "Taken@example.org"})
    assert response.status_code == 409
    assert "This address has already signed this petition" in response.content.decode()
    assert Signature.objects.get(pk=zhanna.pk).name == OLD_NAME


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": NEW_EMAIL}, "Please enter your name."),
        ({"name": "x" * 101, "email": NEW_EMAIL}, "Please shorten your name to 100 characters or fewer."),
        ({"name": "Visit https://spam.example", "email": NEW_EMAIL}, "without web addresses"),
        ({"name": NEW_NAME, "email": "not an address"}, "Please enter a valid email address"),
        ({"name": NEW_NAME, "email": '"=?utf-8?q?victim?="@example.net'}, "Please enter a plain email address"),
        ({"name": "A\x00B", "email": NEW_EMAIL}, "Please use only letters"),
    ],
)
def test_bad_values_get_the_sign_forms_messages_and_a_400(client, moderator, zhanna, data, message):
    client.force_login(moderator)
    response = client.post(correct_url(zhanna), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Signature.objects.get(pk=zhanna.pk).name == OLD_NAME


def test_an_erased_or_missing_signature_answers_404(client, administrator, zhanna):
    client.force_login(administrator)
    actions.signatures_erase(actor=administrator, signatures=Signature.objects.filter(pk=zhanna.pk))
    assert client.get(correct_url(zhanna)).status_code == 404
    assert client.post(correct_url(zhanna), {"name": NEW_NAME, "email": NEW_EMAIL}).status_code == 404
    assert client.get(reverse("moderation:signature_correct", args=[10**9])).status_code == 404
