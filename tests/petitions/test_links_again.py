"""Links opened again or too late: a used confirmation link shows the confirmed page with
sharing, and an expired one sends a fresh link to its own address in one press."""

import re

from django.core import mail
from django.urls import reverse

from campaign.petitions.models import Signature
from campaign.petitions.tokens import confirm_token_make
from tests.factories import SignatureFactory

from .test_tokens import tampered


def test_a_used_confirmation_link_opened_again_shows_the_confirmed_page_with_sharing(client, petition):
    signature = SignatureFactory(petition=petition, confirmed=True)
    link = reverse("petitions:confirm", kwargs={"token": confirm_token_make(public_id=signature.public_id)})

    response = client.get(link, follow=True)

    assert response.redirect_chain == [(reverse("petitions:confirmed", kwargs={"slug": petition.slug}), 302)]
    page = response.content.decode()
    assert "Your signature is confirmed. Thank you." in page and "Ask others to sign" in page
    assert "Confirm my signature</button>" not in page


def test_the_expired_link_page_sends_a_fresh_link_to_its_address_in_one_press(
    client, petition, settings, django_capture_on_commit_callbacks
):
    signature = SignatureFactory(petition=petition, email="zhanna@example.org")
    token = confirm_token_make(public_id=signature.public_id)
    settings.PETITION_CONFIRM_MAX_AGE = -1
    mail.outbox = []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("petitions:confirm_renew", kwargs={"token": token}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "is on its way to the address you signed with" in page
    assert "zhanna@example.org" not in page  # the page never shows the address
    [message] = mail.outbox
    assert message.to == ["zhanna@example.org"]
    settings.PETITION_CONFIRM_MAX_AGE = 7 * 24 * 3600
    fresh = re.search(r"/\w\w/petitions/confirm/\S+/", message.body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(fresh).status_code == 302
    assert Signature.objects.get().confirmed_at is not None


def test_a_fresh_link_is_never_sent_for_a_tampered_one(client, petition, django_capture_on_commit_callbacks):
    signature = SignatureFactory(petition=petition)
    mail.outbox = []
    token = tampered(confirm_token_make(public_id=signature.public_id))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("petitions:confirm_renew", kwargs={"token": token}))

    assert response.status_code == 400 and "This link does not work" in response.content.decode()
    assert mail.outbox == []
    assert client.get(reverse("petitions:confirm_renew", kwargs={"token": token})).status_code == 405
