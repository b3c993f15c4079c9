"""The links in a real confirmation email work only for their own purpose, and nothing else
Django signs with the same secret key opens them."""

import re

from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.urls import reverse

from campaign.petitions.models import Signature
from tests.factories import UserFactory


def test_tokens_from_a_real_email_cannot_be_used_for_the_other_purpose(
    client, seeded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("petitions:sign", kwargs={"slug": seeded.slug}),
            {"name": "Anna Bekova", "email": "anna@example.org", "country": "KZ", "keep_updated": "on"},
        )
    [message] = mail.outbox
    confirm = re.search(r"/petitions/confirm/([^/\s]+)/", message.body).group(1)
    unsubscribe = re.search(r"/petitions/unsubscribe/([^/\s>]+)/", message.extra_headers["List-Unsubscribe"]).group(1)
    signature = Signature.objects.get()
    staff = UserFactory(is_staff=True)
    # Values signed elsewhere with the same SECRET_KEY: a careless future feature, Django itself.
    foreign = {
        "default salt": signing.dumps(signature.pk),
        "a timestamp signer": signing.TimestampSigner().sign(str(signature.pk)),
        "a password reset token": default_token_generator.make_token(staff),
        "a session-like value": signing.dumps(signature.pk, salt="django.contrib.sessions.backends.signed_cookies"),
    }
    misuses = {
        "confirm link used to unsubscribe": ("unsubscribe", confirm),
        "unsubscribe link used to confirm": ("confirm", unsubscribe),
        **{f"{what} used to confirm": ("confirm", token) for what, token in foreign.items()},
        **{f"{what} used to unsubscribe": ("unsubscribe", token) for what, token in foreign.items()},
    }
    opened = []
    for what, (route, token) in misuses.items():
        for method in ("get", "post"):
            status = getattr(client, method)(reverse(f"petitions:{route}", kwargs={"token": token})).status_code
            if status != 400:
                opened.append(f"{what} ({method.upper()}): {status}")
    assert not opened, opened
    signature.refresh_from_db()
    assert signature.confirmed_at is None and signature.keep_updated is True and signature.unsubscribed_at is None

    # Each works for its own purpose.
    assert client.post(reverse("petitions:confirm", kwargs={"token": confirm})).status_code == 302
    assert client.post(reverse("petitions:unsubscribe", kwargs={"token": unsubscribe})).status_code == 200
    signature.refresh_from_db()
    assert signature.confirmed_at is not None and signature.keep_updated is False
