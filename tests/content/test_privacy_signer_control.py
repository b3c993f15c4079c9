"""The privacy page's promises about a signer's own control, each pinned by a test named after
its sentence: change the text without the code, or the code without the text, and one fails."""

import json
import re

from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from campaign.outbox.emails import build_signature_email
from campaign.petitions.counting import signature_counts_update
from campaign.petitions.models import Petition, Signature
from campaign.petitions.tokens import manage_token_make
from tests.factories import SignatureFactory


def privacy_says(sentence: str) -> bool:
    html = Client().get(reverse("content:privacy")).content.decode()
    return sentence in " ".join(re.sub(r"<[^>]+>", " ", html).split())


def manage(signature) -> str:
    return reverse("petitions:manage", kwargs={"token": manage_token_make(public_id=signature.public_id)})


def test_every_email_we_send_you_has_a_manage_my_signature_link(seeded, django_capture_on_commit_callbacks):
    assert privacy_says("Every email we send you has a “Manage my signature” link.")
    for confirmed in (False, True):
        signature = SignatureFactory(petition=seeded, confirmed=confirmed)
        message = build_signature_email(signature)
        assert "Manage my signature" in message.body and "/petitions/manage/" in message.body
    # Asked for under the petition form: the link arrives by email.
    form = Client().get(reverse("petitions:sign", kwargs={"slug": seeded.slug})).content.decode()
    request_url = reverse("petitions:manage_request", kwargs={"slug": seeded.slug})
    assert f'href="{request_url}"' in form
    assert privacy_says("ask for a fresh one with the “Manage my signature” link under the petition form.")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(request_url, {"email": signature.email})
    assert "/petitions/manage/" in mail.outbox[-1].body


def test_while_the_petition_is_open_you_can_withdraw_your_signature_there(seeded, django_capture_on_commit_callbacks):
    assert privacy_says(
        "While the petition is open, you can withdraw your signature there: it leaves the count and every list,"
        " and we erase your name and email at once."
    )
    signature = SignatureFactory(petition=seeded, confirmed=True, show_publicly=True, keep_updated=True)
    signature_counts_update()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(manage(signature), {"withdraw": ""})
    row = Signature.objects.get(pk=signature.pk)
    assert row.name == row.email == "" and row.state == Signature.State.WITHDRAWN
    assert Petition.objects.get(pk=seeded.pk).signature_count == 0


def test_you_can_download_there_as_a_file_everything_we_hold_about_you(seeded):
    assert privacy_says("You can download there, as a file, everything we hold about you.")
    signature = SignatureFactory(petition=seeded, confirmed=True)
    data = json.loads(Client().post(manage(signature), {"download": ""}).content)
    assert {data["name"], data["email"], data["country"], data["consent_notice_version"]} == {
        signature.name,
        signature.email,
        "DE",
        signature.consent_version,
    }


def test_you_can_change_your_choices_there_at_any_time(seeded):
    assert privacy_says("You can change your choices there at any time.")
    signature = SignatureFactory(petition=seeded, confirmed=True)
    Client().post(manage(signature), {"choices": "", "keep_updated": "on", "leave_name_off": "on"})
    row = Signature.objects.get(pk=signature.pk)
    assert row.keep_updated and row.leave_name_off


def test_if_you_choose_to_leave_your_name_off_that_list_counts_your_signature_by_country(seeded):
    from campaign.exports.filters import ExportFilters, delivery_report
    from campaign.exports.jobs import export_prepare

    assert privacy_says(
        "If you choose to leave your name off the list given to the authorities, that list counts your signature"
        " by country, without your name."
    )
    SignatureFactory(petition=seeded, confirmed=True, name="Hidden Signer", country="KZ", leave_name_off=True)
    export = export_prepare(filters=ExportFilters(petition_id=seeded.pk, contactable=False))
    data = b"".join(export.chunks()).decode()
    assert "Hidden Signer" not in data and '"KZ"' in data
    assert delivery_report(petition=seeded)["total"] == 1


def test_the_links_in_our_emails_do_not_reveal_how_many_people_have_signed(seeded):
    assert privacy_says("The links in our emails do not reveal how many people have signed.")
    signature = SignatureFactory(petition=seeded)
    links = re.findall(r"/petitions/(confirm|unsubscribe|manage)/([^/\s]+)/", build_signature_email(signature).body)
    assert {kind for kind, _token in links} == {"confirm", "unsubscribe", "manage"}
    for kind, token in links:
        # The token holds the random public id, nothing that counts.
        assert signing.loads(token, salt=f"petitions.signature.{kind}") == signature.public_id
