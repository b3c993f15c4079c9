"""A signer corrects their own name from the "Manage my signature" page: a POST, under the sign
form's rules and messages in every language, audited by id only; the recent signers and the
exports then show the new name. The address is changed by staff only (the page says how)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from campaign.content.models import About
from campaign.petitions.counting import signature_counts_update
from campaign.petitions.models import AuditEntry, Signature
from campaign.petitions.tokens import manage_token_make
from tests.conftest import StaffClient
from tests.exports.helpers import body, download, names, staff_user
from tests.factories import SignatureFactory


def manage_url(signature, language: str = "en") -> str:
    with translation.override(language):
        return reverse("petitions:manage", kwargs={"token": manage_token_make(public_id=signature.public_id)})


@pytest.fixture
def signer(seeded):
    signature = SignatureFactory(
        petition=seeded, name="Aigerm Bekova", country="KZ", confirmed=True, show_publicly=True, keep_updated=True
    )
    signature_counts_update()
    return signature


def test_a_signer_corrects_their_name_and_sees_it(signer):
    client = Client()
    url = manage_url(signer)
    response = client.post(url, {"name": "  Aigerim   Bekova ", "correct_name": ""}, follow=False)
    assert response.status_code == 302 and response["Location"] == url + "?corrected=1"
    page = client.get(response["Location"]).content.decode()
    assert "Your name is corrected." in page
    assert "Signed as Aigerim Bekova" in page
    assert Signature.objects.get(pk=signer.pk).name == "Aigerim Bekova"


def test_the_correction_needs_the_button_and_a_post(signer):
    client = Client()
    url = manage_url(signer)
    # Without the button's name the request names no action: a 400, nothing changes.
    assert client.post(url, {"name": "Aigerim Bekova"}).status_code == 400
    assert client.get(url + "?name=Aigerim+Bekova").status_code == 200
    assert Signature.objects.get(pk=signer.pk).name == "Aigerm Bekova"


def test_the_recent_signers_and_the_exports_show_the_corrected_name(signer, seeded, django_capture_on_commit_callbacks):
    # The home page, with its recent signers, is rendered once and kept (content/views.py).
    assert "Aigerm" in Client().get(reverse("content:home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(manage_url(signer), {"name": "Aigerim Bekova", "correct_name": ""})
    home = Client().get(reverse("content:home")).content.decode()
    assert "Aigerim" in home and "Aigerm" not in home
    organizer = staff_user("export_supporters")
    exporter = StaffClient()
    exporter.force_login(organizer)
    assert names(body(download(exporter, seeded))) == ["Aigerim Bekova"]


def test_the_audit_entry_records_the_signature_not_the_names(signer):
    Client().post(manage_url(signer), {"name": "Aigerim Bekova", "correct_name": ""})
    entry = AuditEntry.objects.get(action="signature_correct_by_signer")
    assert entry.actor is None and entry.details == {"ids": [signer.pk], "fields": ["name"]}
    assert "aigerm" not in str(entry.details).casefold() and "aigerim" not in str(entry.details).casefold()


@pytest.mark.parametrize(
    ("language", "value", "message"),
    [
        ("en", "", "Please enter your name."),
        ("ru", "", None),
        ("kk", "", None),
        ("en", "x" * 101, "Please shorten your name to 100 characters or fewer."),
        ("ru", "x" * 101, None),
        ("kk", "x" * 101, None),
        ("en", "see https://spam.example", "Please enter your name without web addresses."),
        ("en", "...", "Please enter your name."),
        ("en", "A\x00B", "Please use only letters, spaces and punctuation in your name."),
    ],
)
def test_a_bad_name_gets_the_sign_forms_message_in_the_pages_language_and_a_400(signer, language, value, message):
    from campaign.petitions.forms import ManageNameForm

    with translation.override(language):
        expected = message or ManageNameForm({"name": value}).errors["name"][0]
    # Russian and Kazakh get their own words, not the English.
    with translation.override("en"):
        english = str(ManageNameForm({"name": value}).errors["name"][0])
    assert (language == "en") == (expected == english)
    response = Client().post(manage_url(signer, language), {"name": value, "correct_name": ""})
    assert response.status_code == 400
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert Signature.objects.get(pk=signer.pk).name == "Aigerm Bekova"


def test_the_page_says_how_to_change_the_address_with_the_about_pages_contact(signer):
    page = Client().get(manage_url(signer)).content.decode()
    address = settings.CAMPAIGN_CONTACT_EMAIL
    assert "To change your email address, write to us at" in page
    assert f'<a href="mailto:{address}">{address}</a>' in page
    About.objects.create(contact_email="write@campaign.example")
    page = Client().get(manage_url(signer)).content.decode()
    assert '<a href="mailto:write@campaign.example">write@campaign.example</a>' in page
    # The page offers no field for the address.
    assert 'name="email"' not in page


def test_an_address_posted_to_the_manage_page_is_ignored(signer):
    Client().post(manage_url(signer), {"name": "Aigerim Bekova", "correct_name": "", "email": "new@example.org"})
    row = Signature.objects.get(pk=signer.pk)
    assert (row.name, row.email) == ("Aigerim Bekova", signer.email)


def test_a_closed_petition_still_lets_a_signer_correct_their_name(signer, seeded):
    from django.utils import timezone

    type(seeded).objects.filter(pk=seeded.pk).update(closes_at=timezone.now())
    response = Client().post(manage_url(signer), {"name": "Aigerim Bekova", "correct_name": ""})
    assert response.status_code == 302
    assert Signature.objects.get(pk=signer.pk).name == "Aigerim Bekova"
