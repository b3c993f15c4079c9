"""Links in emails: signed, single-purpose, expiring; confirming is a POST and harmless twice."""

import pytest
from django.core import signing
from django.urls import reverse

from campaign.petitions.models import Petition, Signature
from campaign.petitions.tokens import (
    TokenExpired,
    TokenInvalid,
    confirm_token_make,
    confirm_token_read,
    manage_token_make,
    manage_token_read,
    unsubscribe_token_make,
    unsubscribe_token_read,
)
from tests.factories import PetitionFactory, SignatureFactory


def confirm_url(signature) -> str:
    return reverse("petitions:confirm", kwargs={"token": confirm_token_make(public_id=signature.public_id)})


def tampered(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


ID = "0123456789abcdef0123456789abcdef"


def test_tokens_round_trip_for_their_own_purpose_only():
    assert confirm_token_read(confirm_token_make(public_id=ID)) == ID
    assert unsubscribe_token_read(unsubscribe_token_make(public_id=ID)) == ID
    assert manage_token_read(manage_token_make(public_id=ID)) == ID
    with pytest.raises(TokenInvalid):
        confirm_token_read(unsubscribe_token_make(public_id=ID))
    with pytest.raises(TokenInvalid):
        unsubscribe_token_read(confirm_token_make(public_id=ID))
    with pytest.raises(TokenInvalid):
        manage_token_read(confirm_token_make(public_id=ID))
    with pytest.raises(TokenInvalid):
        confirm_token_read(manage_token_make(public_id=ID))


def test_a_token_signed_with_another_key_or_holding_something_else_is_refused():
    with pytest.raises(TokenInvalid):
        confirm_token_read(signing.dumps(ID, key="another-key", salt="petitions.signature.confirm"))
    with pytest.raises(TokenInvalid):
        confirm_token_read(signing.dumps("42", salt="petitions.signature.confirm"))
    with pytest.raises(TokenInvalid):
        confirm_token_read(signing.dumps(True, salt="petitions.signature.confirm"))
    with pytest.raises(TokenInvalid):  # manage links never carried a database id
        manage_token_read(signing.dumps(42, salt="petitions.signature.manage"))


def test_confirm_and_manage_tokens_expire_but_unsubscribe_tokens_do_not(settings):
    settings.PETITION_CONFIRM_MAX_AGE = -1  # every token is already too old
    settings.PETITION_MANAGE_MAX_AGE = -1
    with pytest.raises(TokenExpired) as expired:
        confirm_token_read(confirm_token_make(public_id=ID))
    assert expired.value.ref == ID
    with pytest.raises(TokenExpired):
        manage_token_read(manage_token_make(public_id=ID))
    assert unsubscribe_token_read(unsubscribe_token_make(public_id=ID)) == ID


def test_links_made_before_public_ids_still_confirm_and_unsubscribe_until_they_expire(
    client, petition, settings, django_capture_on_commit_callbacks
):
    signature = SignatureFactory(petition=petition, keep_updated=True)
    old_confirm = signing.dumps(signature.pk, salt="petitions.signature.confirm")
    old_unsubscribe = signing.dumps(signature.pk, salt="petitions.signature.unsubscribe")

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("petitions:confirm", kwargs={"token": old_confirm})).status_code == 302
    assert client.post(reverse("petitions:unsubscribe", kwargs={"token": old_unsubscribe})).status_code == 200
    signature.refresh_from_db()
    assert signature.state == Signature.State.CONFIRMED and signature.keep_updated is False

    settings.PETITION_CONFIRM_MAX_AGE = -1
    response = client.get(reverse("petitions:confirm", kwargs={"token": old_confirm}))
    assert response.status_code == 410
    assert reverse("petitions:resend", kwargs={"slug": petition.slug}) in response.content.decode()


def test_opening_the_link_never_confirms(client, petition):
    signature = SignatureFactory(petition=petition)
    response = client.get(confirm_url(signature))
    assert response.status_code == 200
    assert b"Confirm my signature" in response.content and b'<form method="post">' in response.content
    client.head(confirm_url(signature))
    signature.refresh_from_db()
    assert signature.state == Signature.State.PENDING and signature.confirmed_at is None


def test_pressing_the_button_confirms_and_pressing_it_again_is_harmless(
    client, petition, django_capture_on_commit_callbacks
):
    signature = SignatureFactory(petition=petition)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(confirm_url(signature))
    confirmed_at = Signature.objects.get().confirmed_at
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(confirm_url(signature))

    done = reverse("petitions:confirmed", kwargs={"slug": petition.slug})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == done
    signature.refresh_from_db()
    assert signature.state == Signature.State.CONFIRMED
    assert signature.confirmed_at == confirmed_at is not None
    assert Petition.objects.get().signature_count == 1
    assert b"already confirmed" in client.get(confirm_url(signature)).content


def test_confirming_accepts_no_other_method(client, petition):
    signature = SignatureFactory(petition=petition)
    assert client.put(confirm_url(signature)).status_code == 405
    assert client.delete(confirm_url(signature)).status_code == 405
    assert Signature.objects.get().confirmed_at is None


def test_an_expired_link_says_so_and_offers_a_fresh_one_for_its_petition(client, db, settings):
    PetitionFactory(is_featured=True)  # the featured petition is not the one signed
    petition = PetitionFactory(is_featured=False)
    signature = SignatureFactory(petition=petition)
    url = confirm_url(signature)
    settings.PETITION_CONFIRM_MAX_AGE = -1

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        page = response.content.decode()
        assert "This link has expired" in page
        assert f'href="{reverse("petitions:resend", kwargs={"slug": petition.slug})}"' in page
    assert Signature.objects.get().confirmed_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_a_clear_page_with_a_way_to_a_fresh_email(client, petition, method):
    signature = SignatureFactory(petition=petition)
    token = confirm_token_make(public_id=signature.public_id)

    response = getattr(client, method)(reverse("petitions:confirm", kwargs={"token": tampered(token)}))

    assert response.status_code == 400
    page = response.content.decode()
    assert "This link does not work" in page
    assert reverse("petitions:resend", kwargs={"slug": petition.slug}) in page
    assert Signature.objects.get().confirmed_at is None


def test_a_confirm_link_cannot_unsubscribe_and_an_unsubscribe_link_cannot_confirm(client, petition):
    signature = SignatureFactory(petition=petition, keep_updated=True)
    confirm_token = confirm_token_make(public_id=signature.public_id)
    unsubscribe_token = unsubscribe_token_make(public_id=signature.public_id)

    assert client.post(reverse("petitions:unsubscribe", kwargs={"token": confirm_token})).status_code == 400
    assert client.post(reverse("petitions:confirm", kwargs={"token": unsubscribe_token})).status_code == 400

    signature.refresh_from_db()
    assert signature.keep_updated is True and signature.unsubscribed_at is None
    assert signature.confirmed_at is None


def test_a_genuine_link_for_a_signature_that_is_gone_is_a_404_page(client, petition):
    signature = SignatureFactory(petition=petition)
    url = confirm_url(signature)
    signature.delete()
    response = client.post(url)
    assert response.status_code == 404
    assert b"This link does not work" in response.content
