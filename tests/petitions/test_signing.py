"""Signing: one signature per person, no telling who signed, consent recorded, recent signers,
"Didn't get the email?" and unsubscribing."""

import re
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from campaign.petitions import counting, services
from campaign.petitions.models import Petition, Signature
from campaign.petitions.tokens import unsubscribe_token_make
from tests.factories import PetitionFactory, SignatureFactory

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def sign(client, petition, django_capture_on_commit_callbacks, **fields):
    data = {"name": "Aigerim Bekova", "email": "aigerim@example.org", "country": "KZ", **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("petitions:sign", kwargs={"slug": petition.slug}), data)


def as_seen_by_the_browser(client, response, typed: str = ""):
    """Status, headers and body of a response and of the page it leads to, CSRF tokens blanked,
    and the address the visitor typed (the thank-you page shows it back to them) blanked."""
    seen = []
    while True:
        # Addresses of other lengths make pages of other lengths: the body is compared instead.
        skipped = {"date", "content-length"} if typed else {"date"}
        headers = {key: value for key, value in response.headers.items() if key.lower() not in skipped}
        body = CSRF.sub(b"csrf", response.content)
        if typed.strip():
            body = body.replace(typed.strip().encode(), b"typed")
        seen.append((response.status_code, headers, body, response.cookies.keys()))
        if response.status_code != 302:
            return seen
        response = client.get(response["Location"])


def csrf_client(petition) -> tuple[Client, str]:
    """A browser that loaded the sign page first, as a person does, with CSRF checks on."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("petitions:sign", kwargs={"slug": petition.slug})).content
    return client, re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


# --- One signature per person ------------------------------------------------------------------


def test_signing_again_with_another_spelling_keeps_one_signature_and_sends_another_link(
    client, petition, django_capture_on_commit_callbacks
):
    sign(client, petition, django_capture_on_commit_callbacks, email="aigerim@example.org")
    sign(client, petition, django_capture_on_commit_callbacks, email="  AIGERIM@Example.ORG ", name="A. Bekova")

    signature = Signature.objects.get()
    assert signature.name == "Aigerim Bekova"  # a repeat never overwrites what was signed
    assert len(mail.outbox) == 2
    links = [re.search(r"/petitions/confirm/\S+/", message.body).group(0) for message in mail.outbox]
    assert all(message.to == ["aigerim@example.org"] for message in mail.outbox)
    assert len(links) == 2


def test_dots_and_plus_tags_are_different_signers(client, petition, django_capture_on_commit_callbacks):
    for email in ("aigerim@example.org", "a.igerim@example.org", "aigerim+kz@example.org"):
        sign(client, petition, django_capture_on_commit_callbacks, email=email)
    assert Signature.objects.count() == 3


def test_no_address_gets_more_than_the_cap_however_often_it_signs_or_asks(
    client, petition, django_capture_on_commit_callbacks, settings
):
    settings.PETITION_MAX_EMAILS_PER_SIGNATURE = 3
    for _ in range(4):
        sign(client, petition, django_capture_on_commit_callbacks, email="Aigerim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("petitions:resend", kwargs={"slug": petition.slug}), {"email": "aigerim@example.org"})

    assert Signature.objects.count() == 1
    assert len(mail.outbox) == 3


def test_a_repeat_signer_who_confirmed_gets_a_reminder_not_a_new_link(
    client, petition, django_capture_on_commit_callbacks
):
    SignatureFactory(petition=petition, email="aigerim@example.org", confirmed=True)
    sign(client, petition, django_capture_on_commit_callbacks, email="aigerim@example.org")

    [message] = mail.outbox
    assert "already confirmed" in message.body
    assert "/petitions/confirm/" not in message.body
    assert petition.get_absolute_url() in message.body


def test_a_rejected_signer_gets_no_more_email(client, petition, django_capture_on_commit_callbacks):
    SignatureFactory(petition=petition, email="spam@example.org", state=Signature.State.REJECTED)
    response = sign(client, petition, django_capture_on_commit_callbacks, email="spam@example.org")
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.services
def test_concurrent_duplicates_make_one_signature(transactional_db, postgres, settings):
    """Eight requests for one address at the same instant: the unique constraint decides."""
    from campaign.celery import app

    settings.CACHES = {"default": {"BACKEND": "campaign.local_cache.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    petition = PetitionFactory()
    start = threading.Barrier(8)
    errors = []

    def sign_at_once(n):
        try:
            start.wait(timeout=10)
            services.signature_create(
                petition=petition, name=f"Signer {n}", email=" Same@Example.org", country="KZ", ip_address=f"10.0.{n}.1"
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=sign_at_once, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        app.conf.task_always_eager = eager

    assert errors == []
    signature = Signature.objects.get()
    # Each repeat asks for another email, up to the cap; one that finds the row held by another
    # of them, or by a sender, is answered by that one's email rather than waiting for it.
    assert 1 <= signature.email_requests <= settings.PETITION_MAX_EMAILS_PER_SIGNATURE
    # Requests that land before a worker claims the row share one email; none is left owing.
    assert 1 <= len(mail.outbox) <= settings.PETITION_MAX_EMAILS_PER_SIGNATURE
    assert signature.email_state == Signature.EmailState.SENT


# --- Nobody can tell who signed ------------------------------------------------------------------


def test_new_and_repeat_signers_see_exactly_the_same_thing(petition, django_capture_on_commit_callbacks):
    SignatureFactory(petition=petition, email="confirmed@example.org", confirmed=True)
    SignatureFactory(petition=petition, email="pending@example.org")
    counting.signature_counts_update()

    seen = {}
    for label, email in [
        ("new", "new@example.org"),
        ("repeat of a pending signature", "Pending@Example.org"),
        ("repeat of a confirmed signature", " confirmed@example.org"),
        ("another new one", "other@example.org"),
    ]:
        client, token = csrf_client(petition)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("petitions:sign", kwargs={"slug": petition.slug}),
                {"name": "Aigerim Bekova", "email": email, "country": "KZ", "csrfmiddlewaretoken": token},
            )
        seen[label] = as_seen_by_the_browser(client, response, typed=email)

    assert seen["new"][0][0] == 302 and seen["new"][-1][0] == 200
    for label in seen:
        assert seen[label] == seen["new"], label
    assert Signature.objects.count() == 4  # and yet only two of them were new


def test_didnt_get_the_email_answers_the_same_whether_or_not_the_address_signed(
    petition, django_capture_on_commit_callbacks
):
    SignatureFactory(petition=petition, email="signed@example.org")
    resend_url = reverse("petitions:resend", kwargs={"slug": petition.slug})
    seen = {}
    for email in ("signed@example.org", "never-signed@example.org"):
        client = Client(enforce_csrf_checks=True)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(resend_url).content).group(1)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(resend_url, {"email": email, "csrfmiddlewaretoken": token.decode()})
        seen[email] = as_seen_by_the_browser(client, response)

    assert seen["signed@example.org"] == seen["never-signed@example.org"]
    assert seen["signed@example.org"][0][0] == 200
    assert b"If that address signed" in seen["signed@example.org"][0][2]
    assert [message.to for message in mail.outbox] == [["signed@example.org"]]


def test_didnt_get_the_email_finds_the_signature_under_another_spelling_of_the_address(
    client, petition, django_capture_on_commit_callbacks
):
    sign(client, petition, django_capture_on_commit_callbacks, email="Signed@Example.org")
    mail.outbox.clear()  # the first link went astray

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("petitions:resend", kwargs={"slug": petition.slug}), {"email": "SIGNED@example.org"}
        )

    assert response.status_code == 200
    assert [message.to for message in mail.outbox] == [["Signed@Example.org"]]  # to the address as signed
    message = mail.outbox[0]
    confirm_path = reverse("petitions:confirm", kwargs={"token": "TOKEN"}).replace("TOKEN/", "")
    link = re.search(re.escape(confirm_path) + r"[^/\s]+/", message.body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link).status_code == 302
    assert Signature.objects.get().state == Signature.State.CONFIRMED


def test_resend_with_a_bad_address_comes_back_with_a_message(client, petition):
    response = client.post(reverse("petitions:resend", kwargs={"slug": petition.slug}), {"email": "nope@"})
    assert response.status_code == 400
    assert b'value="nope@"' in response.content
    assert b"Please enter a valid email address" in response.content


# --- Consent and confirmation ----------------------------------------------------------------------


def test_signing_records_the_consent_given(client, petition, django_capture_on_commit_callbacks):
    sign(client, petition, django_capture_on_commit_callbacks, keep_updated="on")
    signature = Signature.objects.get()
    assert signature.consent_version == settings.PETITION_CONSENT_VERSION
    assert signature.language == "en"
    assert signature.signed_at is not None and signature.confirmed_at is None
    assert (signature.keep_updated, signature.show_publicly) == (True, False)
    assert signature.state == Signature.State.PENDING


def test_confirming_needs_the_csrf_token_of_the_confirmation_page(petition):
    from campaign.petitions.tokens import confirm_token_make

    signature = SignatureFactory(petition=petition)
    url = reverse("petitions:confirm", kwargs={"token": confirm_token_make(public_id=signature.public_id)})
    client = Client(enforce_csrf_checks=True)
    assert client.post(url).status_code == 403
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content).group(1).decode()
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Signature.objects.get().state == Signature.State.CONFIRMED


def test_the_page_language_is_the_email_language(client, petition, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True), translation.override("ru"):
        client.post(
            reverse("petitions:sign", kwargs={"slug": petition.slug}),
            {"name": "Жанна Өмірбекова", "email": "zhanna@example.org", "country": "KZ"},
            HTTP_ACCEPT_LANGUAGE="ru",
        )
    assert Signature.objects.get().language == "ru"
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "ru"
    assert '<html lang="ru">' in message.alternatives[0][0]
    assert "Здравствуйте, Жанна!" in message.body and "Hello" not in message.body
    assert (
        message.subject == "Подтвердите адрес электронной почты"
    )  # neutral in Russian (PETITION_NEUTRAL_EMAIL_LANGUAGES)


# --- Recent signers ----------------------------------------------------------------------------------


def test_home_page_shows_only_first_name_and_country_of_those_who_chose_it(client, seeded):
    SignatureFactory(
        petition=seeded,
        name="Aigerim Bekova",
        email="aigerim@example.org",
        country="KZ",
        show_publicly=True,
        confirmed=True,
    )
    SignatureFactory(petition=seeded, name="Daniyar Hidden", email="daniyar@example.org", country="KZ", confirmed=True)
    SignatureFactory(petition=seeded, name="Pending Person", email="pending@example.org", show_publicly=True)
    SignatureFactory(
        petition=seeded,
        name="Held Person",
        email="held@example.org",
        show_publicly=True,
        state=Signature.State.SUSPICIOUS,
        confirmed_at="2026-01-01T00:00Z",
    )

    page = client.get(reverse("content:home")).content.decode()

    assert "Aigerim (Kazakhstan)" in page
    for private in ("Bekova", "aigerim@example.org", "Daniyar", "Pending", "Held", "@example.org"):
        assert private not in page


# --- Unsubscribing ---------------------------------------------------------------------------------


def test_unsubscribe_link_shows_a_button_and_changes_nothing_until_pressed(client, petition):
    signature = SignatureFactory(petition=petition, keep_updated=True, confirmed=True)
    url = reverse("petitions:unsubscribe", kwargs={"token": unsubscribe_token_make(public_id=signature.public_id)})

    response = client.get(url)

    assert response.status_code == 200
    assert b'<form method="post"' in response.content and b"Unsubscribe</button>" in response.content
    assert Signature.objects.get().keep_updated is True


def test_one_click_unsubscribe_works_without_a_csrf_token(petition):
    """RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to the header's address."""
    signature = SignatureFactory(petition=petition, keep_updated=True, confirmed=True)
    url = reverse("petitions:unsubscribe", kwargs={"token": unsubscribe_token_make(public_id=signature.public_id)})

    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    signature.refresh_from_db()
    assert signature.keep_updated is False and signature.unsubscribed_at is not None
    assert signature.state == Signature.State.CONFIRMED  # the signature still counts


def test_the_link_in_the_email_unsubscribes_even_those_who_never_asked_for_updates(
    client, petition, django_capture_on_commit_callbacks
):
    sign(client, petition, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    header_url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert header_url in message.body and header_url in message.alternatives[0][0]

    client.post(header_url.removeprefix(settings.SITE_URL))
    first = Signature.objects.get().unsubscribed_at
    client.post(header_url.removeprefix(settings.SITE_URL))

    assert first is not None
    assert Signature.objects.get().unsubscribed_at == first  # the first choice is the one on record


def test_closed_petition_takes_no_signatures(client, db, django_capture_on_commit_callbacks):
    petition = PetitionFactory(closed_at=timezone.now())
    response = sign(client, petition, django_capture_on_commit_callbacks)
    assert response.status_code == 410
    assert b"Closed on" in response.content
    assert not Signature.objects.exists() and Petition.objects.get().signature_count == 0
