"""The site must not be a way to flood someone's inbox, nor to learn who signed.

- Only plain addresses: an RFC 2047 encoded word or a quoted local part is refused with a
  message, in the sign form and in "Didn't get the email?".
- A signature held for an IP or subnet limit gets no email until a moderator clears it.
- "Didn't get the email?" answers before any signature is looked up (a worker does that), and
  each client address may ask only so often.
"""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.moderation import actions
from campaign.petitions.models import Signature
from tests.factories import SignatureFactory, UserFactory

ENCODED = '"=?utf-8?q?victim.flood?="@example.net'
NOT_PLAIN = [
    ENCODED,
    "=?utf-8?q?victim.flood?=@example.net",
    '"victim.flood"@example.net',
    "=?utf-8?b?dmljdGlt?=@example.net",
]
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
MESSAGE = "Please enter a plain email address"


@pytest.fixture
def limits(settings):
    settings.PETITION_RATE_LIMITS = {
        "ip": (100, 3600),
        "subnet": (100, 3600),
        "domain": (100, 600),
        "name": (100, 3600),
        "resend": (100, 3600),
    }
    return settings.PETITION_RATE_LIMITS


@pytest.mark.parametrize("address", NOT_PLAIN)
def test_the_sign_form_refuses_encoded_words_and_quoted_local_parts_with_a_message(client, petition, address):
    response = client.post(
        reverse("petitions:sign", kwargs={"slug": petition.slug}),
        {"name": "Flood Victim", "email": address, "country": "KZ"},
    )
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert not Signature.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("address", NOT_PLAIN)
def test_the_resend_form_refuses_encoded_words_and_quoted_local_parts_with_a_message(client, petition, address):
    response = client.post(reverse("petitions:resend", kwargs={"slug": petition.slug}), {"email": address})
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_plain_addresses_with_the_usual_punctuation_still_sign(client, petition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("petitions:sign", kwargs={"slug": petition.slug}),
            {"name": "Anna Bekova", "email": "anna.b+kz=1@example.net", "country": "KZ"},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["anna.b+kz=1@example.net"]]


def _sign(petition, capture, n, ip):
    with capture(execute=True):
        return Client(REMOTE_ADDR=ip).post(
            reverse("petitions:sign", kwargs={"slug": petition.slug}),
            {"name": f"Flood {chr(65 + n)}{chr(97 + n)}", "email": f"victim.flood+{n}@example.net", "country": "KZ"},
        )


@pytest.mark.parametrize(
    ("limit", "ips"),
    [
        ("ip", ["203.0.113.5"] * 3),
        ("subnet", ["203.0.113.5", "203.0.113.6", "203.0.113.7"]),
    ],
)
def test_signatures_held_for_an_ip_or_subnet_limit_get_no_email_until_a_moderator_clears_them(
    petition, limits, django_capture_on_commit_callbacks, limit, ips
):
    limits[limit] = (2, 3600)
    for n, ip in enumerate(ips):
        assert _sign(petition, django_capture_on_commit_callbacks, n, ip).status_code == 302

    held = Signature.objects.get(state=Signature.State.SUSPICIOUS)
    assert [m.to for m in mail.outbox] == [["victim.flood+0@example.net"], ["victim.flood+1@example.net"]]

    # Signing again, or asking for the link again, sends nothing either.
    _sign(petition, django_capture_on_commit_callbacks, 2, ips[2])
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("petitions:resend", kwargs={"slug": petition.slug}), {"email": held.email})
    assert len(mail.outbox) == 2

    moderator = UserFactory(username="mod", groups=["Moderator"])
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.signatures_clear(actor=moderator, signatures=Signature.objects.filter(pk=held.pk)) == 1
    assert [m.to for m in mail.outbox][2:] == [["victim.flood+2@example.net"]]
    assert "/petitions/confirm/" in mail.outbox[2].body


def test_signatures_held_for_other_reasons_still_get_their_email(petition, limits, django_capture_on_commit_callbacks):
    limits["name"] = (0, 3600)
    _sign(petition, django_capture_on_commit_callbacks, 0, "203.0.113.5")
    assert Signature.objects.get().state == Signature.State.SUSPICIOUS
    assert len(mail.outbox) == 1


def test_didnt_get_the_email_answers_without_looking_up_any_signature(
    client, petition, limits, django_capture_on_commit_callbacks
):
    SignatureFactory(petition=petition, email="signed@example.org", email_state=Signature.EmailState.SENT)
    url = reverse("petitions:resend", kwargs={"slug": petition.slug})
    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"email": "signed@example.org"})
        assert response.status_code == 200
        assert mail.outbox == []  # not yet: the worker's task runs after the answer
    table = Signature._meta.db_table
    assert [q["sql"] for q in queries.captured_queries if table in q["sql"]] == []
    # The task, run after the answer, looks the address up and sends the link.
    [message] = mail.outbox
    assert message.to == ["signed@example.org"] and "/petitions/confirm/" in message.body


def test_didnt_get_the_email_is_rate_limited_per_client_address(
    petition, limits, settings, django_capture_on_commit_callbacks
):
    settings.PETITION_MAX_EMAILS_PER_SIGNATURE = 100
    limits["resend"] = (3, 3600)
    addresses = [f"signer{n}@example.org" for n in range(5)]
    for address in addresses:
        SignatureFactory(petition=petition, email=address)
    url = reverse("petitions:resend", kwargs={"slug": petition.slug})
    pages = []
    for address in addresses:
        with django_capture_on_commit_callbacks(execute=True):
            response = Client(REMOTE_ADDR="198.51.100.7").post(url, {"email": address})
        pages.append((response.status_code, CSRF.sub(b"", response.content)))

    assert len(set(pages)) == 1 and pages[0][0] == 200  # over the limit: the same answer
    assert [m.to[0] for m in mail.outbox] == addresses[:3]
    # Another client address is not held back by the first one's requests.
    with django_capture_on_commit_callbacks(execute=True):
        Client(REMOTE_ADDR="192.0.2.8").post(url, {"email": addresses[4]})
    assert mail.outbox[-1].to == [addresses[4]]
