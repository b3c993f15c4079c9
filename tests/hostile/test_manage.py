"""The manage pages get the sign form's treatment: every hostile value into every field, token
and slug; wrong methods, missing CSRF tokens, bad links. A 4xx or a clean answer, never a 500,
never reflected unescaped, and nothing changes that the signer did not ask for."""

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from campaign.petitions.forms import ManageNameForm, ManageRequestForm
from campaign.petitions.models import Signature
from campaign.petitions.tokens import confirm_token_make, manage_token_make
from tests.factories import SignatureFactory

from .corpus import HOSTILE
from .test_inputs import FORM, PETITIONS, Findings, as_text, body, path_segment


@pytest.fixture
def signature(seeded):
    return SignatureFactory(petition=seeded, confirmed=True, name="Anna Bekova", keep_updated=True)


def manage_url(signature) -> str:
    return reverse("petitions:manage", kwargs={"token": manage_token_make(public_id=signature.public_id)})


def test_the_manage_request_form_answers_every_hostile_value_with_the_same_page_or_a_form_error(client, seeded):
    url = reverse("petitions:manage_request", kwargs={"slug": seeded.slug})
    baseline = client.get(url).content.decode()
    findings = Findings("the manage request form")
    for value in HOSTILE:
        expected = {200} if ManageRequestForm({"email": as_text(value)}).is_valid() else {400}
        findings.check_response(
            value, client.post(url, body({"email": value}), content_type=FORM), allowed=expected, baseline=baseline
        )
    findings.assert_none()
    assert mail.outbox == []


def test_the_manage_page_answers_every_hostile_value_in_every_field_cleanly(client, signature):
    url = manage_url(signature)
    baseline = client.get(url).content.decode()
    findings = Findings("the manage page (all fields hostile)")
    for value in HOSTILE:
        payload = body({"choices": value, "show_publicly": value, "keep_updated": value, "leave_name_off": value})
        # A checkbox is ticked by any value; an oversized body is refused before the form is read.
        allowed = {400} if len(payload) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE else {302}
        findings.check_response(value, client.post(url, payload, content_type=FORM), allowed=allowed, baseline=baseline)
        # Hostile values as the action's name: no action, or several, is a 400.
        payload = (
            body({value: "1"}) if as_text(value) not in ("choices", "correct_name", "download", "withdraw") else b""
        )
        findings.check_response(value, client.post(url, payload, content_type=FORM), allowed={400}, baseline=baseline)
    findings.assert_none()
    row = Signature.objects.get()
    assert row.erased_at is None and row.state == Signature.State.CONFIRMED and row.name == "Anna Bekova"


def test_manage_links_refuse_every_hostile_token(client, signature):
    findings = Findings("manage links")
    for value in HOSTILE:
        url = f"{PETITIONS}manage/{path_segment(value)}/"
        for method in ("get", "post"):
            findings.check_response(value, getattr(client, method)(url, {"withdraw": ""}), allowed={400, 404})
    findings.assert_none()
    assert Signature.objects.get().erased_at is None


def test_manage_and_withdrawn_urls_answer_404_for_every_hostile_slug(client, seeded):
    findings = Findings("manage request URLs")
    for value in HOSTILE:
        text = as_text(value)
        if not text or not all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
            continue  # not a slug: no URL pattern lets it through (tested in test_inputs)
        for path in (f"{PETITIONS}{path_segment(value)}/manage/", f"{PETITIONS}{path_segment(value)}/withdrawn/"):
            findings.check_response(value, client.get(path), allowed={404})
    findings.assert_none()


def test_manage_pages_refuse_methods_they_do_not_serve_with_405(client, signature):
    urls = {
        "manage": manage_url(signature),
        "manage request": reverse("petitions:manage_request", kwargs={"slug": signature.petition.slug}),
        "withdrawn": reverse("petitions:withdrawn", kwargs={"slug": signature.petition.slug}),
    }
    wrong = []
    for name, url in urls.items():
        for method in ["put", "patch", "delete", "options", "trace"] + (["post"] if name == "withdrawn" else []):
            status = getattr(client, method)(url).status_code
            if status != 405:
                wrong.append(f"{method.upper()} {name}: {status}")
    assert not wrong, wrong
    assert Signature.objects.get().erased_at is None


def test_manage_forms_posted_without_a_csrf_token_are_refused(signature):
    csrf_client = Client(enforce_csrf_checks=True)
    for data in ({"withdraw": ""}, {"download": ""}, {"choices": "", "leave_name_off": "on"}):
        response = csrf_client.post(manage_url(signature), data)
        assert response.status_code == 403
        assert "Please send the form again" in response.content.decode()
    url = reverse("petitions:manage_request", kwargs={"slug": signature.petition.slug})
    assert csrf_client.post(url, {"email": signature.email}).status_code == 403
    row = Signature.objects.get()
    assert row.erased_at is None and row.leave_name_off is False
    assert mail.outbox == []


def test_bad_manage_links_get_a_4xx_page_and_change_nothing(client, signature, settings):
    token = manage_token_make(public_id=signature.public_id)
    bad = [
        token[:-3],
        token + "x",
        token.swapcase(),
        token.replace(":", "."),
        signing.dumps(signature.public_id, key="not-our-secret-key", salt="petitions.signature.manage"),
        signing.dumps(signature.pk, salt="petitions.signature.manage"),  # a database id never opens it
        confirm_token_make(public_id=signature.public_id),  # a link made for another purpose
    ]
    wrong = []
    for value in bad:
        url = reverse("petitions:manage", kwargs={"token": "T"})[:-2] + f"{value}/"
        for method in ("get", "post"):
            status = getattr(client, method)(url, {"withdraw": ""}).status_code
            if status not in (400, 404):
                wrong.append((value[:30], method, status))
    assert not wrong, wrong
    settings.PETITION_MANAGE_MAX_AGE = -1
    assert client.post(reverse("petitions:manage", kwargs={"token": token}), {"withdraw": ""}).status_code == 410
    assert Signature.objects.get().erased_at is None


def test_the_manage_page_shows_every_hostile_name_and_address_escaped(client, signature):
    url = manage_url(signature)
    findings = Findings("the manage page (hostile name stored)")
    for value in HOSTILE:
        text = as_text(value)
        if not text or len(text) > 100 or "\x00" in text:
            continue  # the sign form lets no such name through
        Signature.objects.filter(pk=signature.pk).update(name=text)
        findings.check_response(value, client.get(url), allowed={200})
    findings.assert_none()


def test_every_hostile_name_in_the_name_correction_gets_a_form_error_or_is_stored_as_the_sign_form_would(
    client, signature
):
    url = manage_url(signature)
    baseline = client.get(url).content.decode()
    findings = Findings("the manage page's name correction")
    for value in HOSTILE:
        payload = body({"name": value, "correct_name": ""})
        form = ManageNameForm({"name": as_text(value)})
        if len(payload) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            allowed = {400}  # refused before the form is read
        else:
            allowed = {302} if form.is_valid() else {400}
        findings.check_response(value, client.post(url, payload, content_type=FORM), allowed=allowed, baseline=baseline)
        stored = Signature.objects.get(pk=signature.pk).name
        if 302 in allowed and stored != form.cleaned_data["name"]:
            findings.add(value, "stored something else than the sign form's cleaning gives")
        if 302 in allowed:
            Signature.objects.filter(pk=signature.pk).update(name="Anna Bekova")
    findings.assert_none()
    row = Signature.objects.get(pk=signature.pk)
    # Nothing else about the signature moved: still there, confirmed, the same address.
    assert row.erased_at is None and row.state == Signature.State.CONFIRMED and row.email == signature.email
