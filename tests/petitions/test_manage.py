"""Signers in control, by the link in every email: see, change, download, withdraw; ask for the
link by address; links that reveal nothing; quieter confirmation emails."""

import json
import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaign.outbox.emails import build_signature_email, prepared_signature_email
from campaign.petitions import selectors
from campaign.petitions.counting import signature_counts_update
from campaign.petitions.models import AuditEntry, Petition, Signature
from campaign.petitions.tokens import CONFIRM_SALT, MANAGE_SALT, UNSUBSCRIBE_SALT, manage_token_make
from tests.factories import PetitionFactory, SignatureFactory

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
LINK = re.compile(r"https?://[^\s\"<>]+")
SALTS = {"confirm": CONFIRM_SALT, "unsubscribe": UNSUBSCRIBE_SALT, "manage": MANAGE_SALT}


def manage_url(signature) -> str:
    return reverse("petitions:manage", kwargs={"token": manage_token_make(public_id=signature.public_id)})


def sign(client, petition, capture, **fields):
    data = {"name": "Aigerim Bekova", "email": "aigerim@example.org", "country": "KZ", **fields}
    with capture(execute=True):
        return client.post(reverse("petitions:sign", kwargs={"slug": petition.slug}), data)


def manage_link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/[^\s]*/petitions/manage/[^/\s]+/)", message.body).group(1)


@pytest.fixture
def confirmed(petition):
    signature = SignatureFactory(
        petition=petition, name="Aigerim Bekova", country="KZ", confirmed=True, show_publicly=True, keep_updated=True
    )
    signature_counts_update()
    return signature


# --- Links that reveal nothing ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize("confirmed_at", [None, "now"])
def test_no_link_in_any_email_contains_the_sequential_id(petition, language, confirmed_at):
    from django.utils import timezone

    SignatureFactory.create_batch(3, petition=petition)  # ids past the first few
    signature = SignatureFactory(
        petition=petition, language=language, confirmed_at=timezone.now() if confirmed_at else None
    )
    messages = [
        build_signature_email(signature).message().as_string(),
        prepared_signature_email(signature).data.decode(),
    ]
    for text in messages:
        links = set(LINK.findall(text.replace("=\n", "")))
        assert links
        for link in links:
            segments = [segment for segment in link.split("/") if segment]
            assert str(signature.pk) not in segments, link
            for kind, salt in SALTS.items():
                if f"/petitions/{kind}/" in link:
                    token = segments[segments.index(kind) + 1]
                    assert signing.loads(token, salt=salt) == signature.public_id


def test_a_manage_link_never_reaches_a_log(petition):
    from campaign.log_redaction import redact_path

    signature = SignatureFactory(petition=petition)
    token = manage_token_make(public_id=signature.public_id)
    path = reverse("petitions:manage", kwargs={"token": token})
    assert redact_path(path) == path.replace(token, "[redacted]")


def test_each_signature_gets_its_own_random_32_hex_public_id(petition):
    ids = [SignatureFactory(petition=petition).public_id for _ in range(20)]
    assert len(set(ids)) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", public_id) for public_id in ids)


# --- The page ---------------------------------------------------------------------------------


def test_every_email_carries_a_manage_my_signature_link_that_opens_the_signers_page(
    client, petition, django_capture_on_commit_callbacks
):
    sign(client, petition, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert "Manage my signature" in message.body and "Manage my signature" in message.alternatives[0][0]
    page = client.get(manage_link_in(message))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Aigerim Bekova" in html and "aigerim@example.org" in html
    assert "no-store" in page["Cache-Control"]


def test_opening_the_manage_page_changes_nothing(client, confirmed):
    client.get(manage_url(confirmed))
    client.head(manage_url(confirmed))
    assert Signature.objects.get().state == Signature.State.CONFIRMED
    assert Petition.objects.get().signature_count == 1


def test_a_signer_withdraws_and_leaves_the_count_and_every_list_at_once(
    client, confirmed, django_capture_on_commit_callbacks
):
    petition = confirmed.petition
    assert selectors.signatures_recent_public(petition=petition)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage_url(confirmed), {"withdraw": ""})

    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:withdrawn", kwargs={"slug": petition.slug})
    page = client.get(response["Location"]).content.decode()
    assert "Your signature is withdrawn" in page
    row = Signature.objects.get()
    assert row.state == Signature.State.WITHDRAWN and row.erased_at is not None
    assert (row.name, row.email, row.ip_address) == ("", "", None)
    assert row.country == "KZ"  # nothing that names a person is kept, and nothing more is erased
    assert Petition.objects.get().signature_count == 0
    assert selectors.signatures_recent_public(petition=petition) == []
    assert mail.outbox == []  # the acknowledgement is the page, never an email
    entry = AuditEntry.objects.get(action="signature_withdraw")
    assert "Aigerim" not in json.dumps(entry.details) and entry.count == 1
    # The link is spent: it finds nothing now.
    assert client.get(manage_url(confirmed)).status_code == 404


def test_a_withdrawn_signer_may_sign_again(client, confirmed, django_capture_on_commit_callbacks):
    client.post(manage_url(confirmed), {"withdraw": ""})
    sign(client, confirmed.petition, django_capture_on_commit_callbacks, email=confirmed.email)
    assert Signature.objects.count() == 2


def test_a_closed_petition_keeps_its_signatures(client, confirmed):
    Petition.objects.update(closed_at=timezone.now())
    page = client.get(manage_url(confirmed)).content.decode()
    assert "can no longer be withdrawn" in page and 'name="withdraw"' not in page
    response = client.post(manage_url(confirmed), {"withdraw": ""})
    assert response.status_code == 409
    assert "can no longer be withdrawn" in response.content.decode()
    assert Signature.objects.get().state == Signature.State.CONFIRMED


def test_a_signer_downloads_what_we_hold_and_nothing_else(client, confirmed):
    SignatureFactory(petition=confirmed.petition, name="Someone Else", email="else@example.org")
    response = client.post(manage_url(confirmed), {"download": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["name"] == "Aigerim Bekova" and data["email"] == confirmed.email and data["country"] == "KZ"
    assert data["choices"] == {
        "show_first_name_and_country_among_recent_signers": True,
        "keep_me_updated": True,
        "leave_my_name_off_the_list_given_to_the_authorities": False,
    }
    assert data["consent_notice_version"] == confirmed.consent_version
    assert data["signed_at"] and data["confirmed_at"]
    text = response.content.decode()
    assert "Someone Else" not in text and "else@example.org" not in text
    assert confirmed.public_id not in text
    assert not {"id", "pk", "public_id", "petition_id"} & set(data)


def test_a_signer_changes_their_choices_and_the_recent_signers_list_follows(client, confirmed):
    petition = confirmed.petition
    response = client.post(manage_url(confirmed), {"choices": "", "leave_name_off": "on"})
    assert response.status_code == 302
    assert "Your choices are saved." in client.get(response["Location"]).content.decode()
    row = Signature.objects.get()
    assert (row.show_publicly, row.keep_updated, row.leave_name_off) == (False, False, True)
    assert row.unsubscribed_at is not None
    assert selectors.signatures_recent_public(petition=petition) == []

    client.post(manage_url(confirmed), {"choices": "", "show_publicly": "on"})
    assert [s["first_name"] for s in selectors.signatures_recent_public(petition=petition)] == ["Aigerim"]


@pytest.mark.parametrize("data", [{}, {"action": "withdraw"}, {"withdraw": "", "download": ""}])
def test_an_unknown_action_is_a_400_and_changes_nothing(client, confirmed, data):
    assert client.post(manage_url(confirmed), data).status_code == 400
    assert Signature.objects.get().state == Signature.State.CONFIRMED


def test_an_expired_manage_link_says_so_and_offers_a_fresh_one_for_its_petition(client, db, settings):
    PetitionFactory(is_featured=True)
    petition = PetitionFactory(is_featured=False)
    signature = SignatureFactory(petition=petition)
    url = manage_url(signature)
    settings.PETITION_MANAGE_MAX_AGE = -1
    for response in (client.get(url), client.post(url, {"withdraw": ""})):
        assert response.status_code == 410
        assert reverse("petitions:manage_request", kwargs={"slug": petition.slug}) in response.content.decode()
    assert Signature.objects.get(pk=signature.pk).erased_at is None


def test_a_tampered_manage_link_is_a_400_with_a_way_to_a_fresh_one(client, confirmed):
    token = manage_token_make(public_id=confirmed.public_id)
    response = client.post(
        reverse("petitions:manage", kwargs={"token": token[:-1] + ("A" if token[-1] != "A" else "B")}),
        {"withdraw": ""},
    )
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert Signature.objects.get().erased_at is None


# --- Asking for the link by address ---------------------------------------------------------


def test_the_manage_request_form_answers_the_same_whether_or_not_the_address_signed(
    petition, django_capture_on_commit_callbacks
):
    SignatureFactory(petition=petition, email="signed@example.org", confirmed=True)
    url = reverse("petitions:manage_request", kwargs={"slug": petition.slug})
    pages = []
    for email in ("signed@example.org", "never-signed@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(url, {"email": email})
        pages.append((response.status_code, CSRF.sub(b"", response.content)))
    assert pages[0] == pages[1] and pages[0][0] == 200
    assert [message.to for message in mail.outbox] == [["signed@example.org"]]
    assert "/petitions/manage/" in mail.outbox[0].body


def test_the_manage_request_form_is_rate_limited_like_resend(petition, settings, django_capture_on_commit_callbacks):
    settings.PETITION_RATE_LIMITS = {**settings.PETITION_RATE_LIMITS, "resend": (2, 3600)}
    addresses = [f"signer{n}@example.org" for n in range(4)]
    for address in addresses:
        SignatureFactory(petition=petition, email=address)
    url = reverse("petitions:manage_request", kwargs={"slug": petition.slug})
    pages = set()
    for address in addresses:
        with django_capture_on_commit_callbacks(execute=True):
            response = Client(REMOTE_ADDR="198.51.100.7").post(url, {"email": address})
        pages.add((response.status_code, CSRF.sub(b"", response.content)))
    assert len(pages) == 1
    assert [message.to[0] for message in mail.outbox] == addresses[:2]


def test_the_manage_request_form_explains_a_bad_address(client, petition):
    response = client.post(reverse("petitions:manage_request", kwargs={"slug": petition.slug}), {"email": "nope@"})
    assert response.status_code == 400
    assert "Please enter a valid email address" in response.content.decode()


# --- Leave my name off, on the sign form -----------------------------------------------------


def test_the_sign_form_offers_leave_my_name_off_unticked_and_keeps_the_choice(
    client, petition, django_capture_on_commit_callbacks
):
    html = client.get(reverse("petitions:sign", kwargs={"slug": petition.slug})).content.decode()
    assert "Count my signature but leave my name off the list given to the authorities" in html
    tag = re.search(r'<input[^>]*name="leave_name_off"[^>]*>', html).group(0)
    assert "checked" not in tag
    sign(client, petition, django_capture_on_commit_callbacks, leave_name_off="on")
    assert Signature.objects.get().leave_name_off is True


# --- Quieter email --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "sender"),
    [
        ("ru", "Подтвердите адрес электронной почты", "Уведомления"),
        ("kk", "Электрондық поштаңызды растаңыз", "Хабарламалар"),
    ],
)
def test_confirmation_emails_in_russian_and_kazakh_have_a_neutral_sender_and_subject(
    petition, language, subject, sender
):
    signature = SignatureFactory(petition=petition, language=language)
    full = build_signature_email(signature).message().as_bytes()
    for message in (_parsed(full), _parsed(prepared_signature_email(signature).data)):
        assert str(message["Subject"]).strip() == subject  # a folded header may start with a space
        assert sender in str(message["From"]) and "Kazakhstan" not in str(message["From"])
    # The body still says plainly what was signed.
    assert petition.title in build_signature_email(signature).body


def test_english_confirmation_emails_name_the_petition_and_a_setting_can_make_them_neutral(petition, settings):
    signature = SignatureFactory(petition=petition, language="en")
    message = build_signature_email(signature)
    assert petition.title in message.subject and message.from_email == settings.DEFAULT_FROM_EMAIL
    settings.PETITION_NEUTRAL_EMAIL_LANGUAGES = ["en"]
    settings.PETITION_NEUTRAL_SENDER_NAME = "Mail desk"
    message = build_signature_email(signature)
    assert message.subject == "Confirm your email address"
    assert message.from_email.startswith("Mail desk <")
    assert _parsed(prepared_signature_email(signature).data)["Subject"] == "Confirm your email address"


def test_an_ampersand_in_a_title_reaches_the_subject_unescaped(db):
    petition = PetitionFactory(title="Free Max & Aigerim")
    for confirmed_at in (None, "now"):
        from django.utils import timezone

        signature = SignatureFactory(
            petition=petition, language="en", confirmed_at=timezone.now() if confirmed_at else None
        )
        assert build_signature_email(signature).subject.endswith(": Free Max & Aigerim")
        assert str(_parsed(prepared_signature_email(signature).data)["Subject"]).endswith(": Free Max & Aigerim")


def _parsed(data: bytes):
    import email
    import email.policy

    return email.message_from_bytes(data, policy=email.policy.default)


def test_withdrawing_deletes_every_prepared_export_file_that_holds_the_signer(
    client, petition, settings, tmp_path, django_capture_on_commit_callbacks
):
    from campaign.petitions.models import ExportJob
    from tests.exports.helpers import download, staff_user

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 1  # more rows than this: a background job with a file
    SignatureFactory(petition=petition, confirmed=True, keep_updated=True)
    signer = SignatureFactory(petition=petition, confirmed=True, keep_updated=True, email="withdrawing@example.org")
    organizer = staff_user("export_supporters", username="organizer")
    staff = type(client)()
    staff.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = download(staff, petition)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert b"withdrawing@example.org" in (settings.MEDIA_ROOT / job.file_path).read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(manage_url(signer), {"withdraw": ""})

    files = b"".join(p.read_bytes() for p in (settings.MEDIA_ROOT / "exports").iterdir() if p.is_file())
    assert b"withdrawing@example.org" not in files
    assert staff.get(reverse("exports:job-file", kwargs={"pk": job.pk})).status_code == 410
