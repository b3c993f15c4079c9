"""Malformed requests: wrong methods, missing or forged CSRF tokens, oversized and odd bodies,
bad links. Each gets a 4xx with a page that says what to do, never a 500, and changes nothing."""

import json

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from campaign.petitions.models import Signature
from campaign.petitions.tokens import confirm_token_make, unsubscribe_token_make
from tests.factories import SignatureFactory

from .corpus import HOSTILE

SIGNER = {"name": "Anna Bekova", "email": "anna@example.org", "country": "KZ"}


@pytest.fixture
def signature(seeded):
    return SignatureFactory(petition=seeded, keep_updated=True)


def public_urls(petition, signature) -> dict[str, str]:
    slug = {"slug": petition.slug}
    return {
        "home": reverse("content:home"),
        "demands": reverse("content:demands"),
        "timeline": reverse("content:timeline"),
        "sources": reverse("content:sources"),
        "privacy": reverse("content:privacy"),
        "sign": reverse("petitions:sign", kwargs=slug),
        "thanks": reverse("petitions:thanks", kwargs=slug),
        "confirmed": reverse("petitions:confirmed", kwargs=slug),
        "resend": reverse("petitions:resend", kwargs=slug),
        "count": reverse("petition_count", kwargs=slug),
        "confirm": reverse("petitions:confirm", kwargs={"token": confirm_token_make(public_id=signature.public_id)}),
        "unsubscribe": reverse(
            "petitions:unsubscribe", kwargs={"token": unsubscribe_token_make(public_id=signature.public_id)}
        ),
        "healthz": reverse("healthz"),
    }


# Pages that take a form's POST; everything else is read-only.
POSTABLE = {"sign", "resend", "confirm", "unsubscribe"}


def test_every_public_url_refuses_methods_it_does_not_serve_with_405(client, seeded, signature):
    wrong = []
    for name, url in public_urls(seeded, signature).items():
        methods = ["put", "patch", "delete", "options", "trace"] + ([] if name in POSTABLE else ["post"])
        for method in methods:
            status = getattr(client, method)(url).status_code
            if status != 405:
                wrong.append(f"{method.upper()} {name}: {status}")
    assert not wrong, wrong
    signature.refresh_from_db()
    assert signature.confirmed_at is None and signature.keep_updated is True
    assert Signature.objects.count() == 1


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_forms_posted_without_a_csrf_token_are_refused_with_a_page_that_says_what_to_do(csrf_client, seeded, signature):
    urls = public_urls(seeded, signature)
    for name, data in (("sign", SIGNER), ("resend", {"email": signature.email}), ("confirm", {})):
        response = csrf_client.post(urls[name], data)
        assert response.status_code == 403, name
        assert "Please send the form again" in response.content.decode()
    assert Signature.objects.count() == 1
    signature.refresh_from_db()
    assert signature.confirmed_at is None
    assert mail.outbox == []


def test_forged_csrf_tokens_are_refused(csrf_client, seeded):
    url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    page = csrf_client.get(url)
    real = page.context["csrf_token"] if page.context else csrf_client.cookies["csrftoken"].value
    forged = [real[::-1], real[:-1], real + "A", "A" * len(real)] + [v for v in HOSTILE if isinstance(v, str)]
    accepted = []
    for token in forged:
        response = csrf_client.post(url, {**SIGNER, "csrfmiddlewaretoken": token})
        if response.status_code != 403:
            accepted.append((token[:40], response.status_code))
    assert not accepted, accepted
    # A token without its cookie is no better.
    fresh = Client(enforce_csrf_checks=True)
    assert fresh.post(url, {**SIGNER, "csrfmiddlewaretoken": real}).status_code == 403
    assert not Signature.objects.exists()
    # The real token still works: the refusals above were about the tokens.
    assert csrf_client.post(url, {**SIGNER, "csrfmiddlewaretoken": real}).status_code == 302


def test_oversized_and_odd_bodies_are_refused_with_a_4xx_and_store_nothing(client, seeded):
    url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    too_big = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    cases = {
        "a body over DATA_UPLOAD_MAX_MEMORY_SIZE": client.post(url, {**SIGNER, "name": "A" * too_big}),
        "a multipart text field over the limit": client.post(url, {**SIGNER, "website": "x" * too_big}),
        "too many fields": client.post(
            url,
            "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)).encode(),
            content_type="application/x-www-form-urlencoded",
        ),
        "JSON instead of a form": client.post(url, json.dumps(SIGNER), content_type="application/json"),
        "a broken multipart body": client.post(
            url,
            b'--xx\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnna',
            content_type="multipart/form-data; boundary=xx",
        ),
        "multipart without a boundary": client.post(url, b"name=Anna", content_type="multipart/form-data"),
        "an unknown charset": client.generic(
            "POST", url, b"name=Anna", content_type="application/x-www-form-urlencoded; charset=x-no-such"
        ),
    }
    wrong = {what: r.status_code for what, r in cases.items() if not 400 <= r.status_code < 500}
    assert not wrong, wrong
    assert not Signature.objects.exists()


def test_an_uploaded_file_is_ignored_not_stored(client, seeded, tmp_path):
    # Nothing on the site takes files: one sent along with a valid form is simply dropped.
    upload = tmp_path / "evil.html"
    upload.write_bytes(b"<script>alert(1)</script>" * 40_000)  # 1 MB
    url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    with upload.open("rb") as handle:
        response = client.post(url, {**SIGNER, "attachment": handle})
    assert response.status_code == 302
    assert Signature.objects.get().name == "Anna Bekova"


def test_bad_links_get_a_4xx_page_and_change_nothing(client, signature, settings):
    confirm = confirm_token_make(public_id=signature.public_id)
    unsubscribe = unsubscribe_token_make(public_id=signature.public_id)
    other_key = signing.dumps(signature.pk, key="not-our-secret-key", salt="petitions.signature.confirm")
    bad = {
        "confirm": [confirm[:-3], confirm + "x", confirm.swapcase(), confirm.replace(":", "."), other_key, "", "%00"],
        "unsubscribe": [unsubscribe[:-3], unsubscribe + "x", unsubscribe.swapcase(), signing.dumps(signature.pk)],
    }
    wrong = []
    for route, tokens in bad.items():
        for token in tokens:
            url = reverse(f"petitions:{route}", kwargs={"token": "T"})[:-2] + f"{token}/"
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status not in (400, 404):
                    wrong.append((route, token[:30], method, status))
    settings.PETITION_CONFIRM_MAX_AGE = -1  # every confirmation link is now too old
    assert client.post(reverse("petitions:confirm", kwargs={"token": confirm})).status_code == 410
    assert not wrong, wrong
    signature.refresh_from_db()
    assert signature.confirmed_at is None and signature.keep_updated is True
