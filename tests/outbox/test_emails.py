"""A prepared email (one render per kind of message, the signer's values filled in) says exactly
what a full render of the same signature says, whatever the signer typed."""

import email
import email.policy
import re
import smtplib
import string

import pytest
from django.core.mail.message import sanitize_address
from django.urls import reverse
from django.utils import translation
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from campaign.outbox.emails import _link, build_signature_email, prepared_signature_email, recipient_address
from campaign.outbox.sending import smtp_quoted
from campaign.petitions.forms import SignatureForm
from campaign.petitions.models import Signature
from campaign.petitions.tokens import (
    confirm_token_make,
    confirm_token_read,
    manage_token_read,
    unsubscribe_token_make,
    unsubscribe_token_read,
)
from tests.factories import PetitionFactory, SignatureFactory
from tests.hostile.corpus import HOSTILE


def _accepted(value: str) -> str | None:
    """The name as signing would store it, or None if the form refuses it."""
    form = SignatureForm(data={"name": value, "email": "a@example.org", "country": "KZ"})
    return form.cleaned_data["name"] if form.is_valid() else None


NAMES = [name for value in HOSTILE if isinstance(value, str) and (name := _accepted(value))] + [
    "Aigerim Bekova",
    "Әлия Нұрланқызы",
    "Жанна",
    "O'Brien & Sons",
    "<b>Bold</b>",
    "名前 テスト",
    "x" * 100,
    "&" * 100,
]
ADDRESSES = [
    "aigerim@example.org",
    "Aigerim.Bekova+petition@example.org",
    "user@bücher.example",
    "a@" + "d" * 60 + ".kz",
]


def parsed(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


LINK = re.compile(r"/petitions/(confirm|unsubscribe|manage)/([^/]+)/")
READ = {"confirm": confirm_token_read, "unsubscribe": unsubscribe_token_read, "manage": manage_token_read}


def links_lead_to(data: bytes) -> set[str]:
    """The signatures the message's links are for; tokens carry the time they were made."""
    return {READ[kind](token) for kind, token in LINK.findall(data.decode("utf-8", "replace"))}


def what_a_reader_sees(message) -> dict:
    """Everything a recipient or their mail client reads, without the per-message Date and
    Message-ID, and with the links' tokens (checked by links_lead_to) blanked out."""
    headers = {
        name: str(message[name]).strip()  # a long value may be folded onto a second line
        for name in (
            "From",
            "To",
            "Subject",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "Auto-Submitted",
            "Content-Language",
        )
    }
    seen = {
        **headers,
        "type": message.get_content_type(),
        "text": message.get_body(preferencelist=("plain",)).get_content(),
        "html": message.get_body(preferencelist=("html",)).get_content(),
    }
    return {key: LINK.sub(r"/petitions/\1/TOKEN/", value) for key, value in seen.items()}


@pytest.fixture
def petition(db):
    return PetitionFactory(title="Free Kazakhstan’s detainees & “political” prisoners")


@pytest.mark.parametrize("kind", ["confirm", "reminder"])
@pytest.mark.parametrize("keep_updated", [True, False])
def test_a_prepared_email_reads_exactly_like_a_full_render_for_every_hostile_name(petition, kind, keep_updated):
    from django.utils import timezone

    confirmed_at = timezone.now() if kind == "reminder" else None
    for n, name in enumerate(NAMES):
        signature = SignatureFactory(
            petition=petition,
            name=name,
            email=ADDRESSES[n % len(ADDRESSES)].replace("@", f".{n}@", 1),
            keep_updated=keep_updated,
            confirmed_at=confirmed_at,
        )
        prepared = prepared_signature_email(signature)
        reference = build_signature_email(signature).message().as_bytes(linesep="\r\n")

        assert what_a_reader_sees(parsed(prepared.data)) == what_a_reader_sees(parsed(reference)), repr(name)
        assert links_lead_to(prepared.data) == {signature.public_id}
        assert prepared.to_addr == str(parsed(reference)["To"]) or "xn--" in prepared.to_addr
        assert b"\r\n" in prepared.data and b"\n" not in prepared.data.replace(b"\r\n", b"")


def test_prepared_emails_have_their_own_date_and_message_id(petition):
    one, two = SignatureFactory(petition=petition), SignatureFactory(petition=petition)
    first, second = parsed(prepared_signature_email(one).data), parsed(prepared_signature_email(two).data)
    assert first["Message-ID"] != second["Message-ID"] and first["Date"]


def test_nothing_is_prepared_for_a_rejected_or_erased_signature(petition):
    from django.utils import timezone

    assert prepared_signature_email(SignatureFactory(petition=petition, state=Signature.State.REJECTED)) is None
    assert prepared_signature_email(SignatureFactory(petition=petition, erased_at=timezone.now())) is None


ATOM = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
ADDRESS_LIKE = st.one_of(
    st.emails(),
    st.builds(
        lambda local, labels: f"{local}@{'.'.join(labels)}",
        st.text(ATOM + '.@"\\ ()<>,;:[]\r\nä', min_size=1, max_size=40),
        st.lists(
            st.text(string.ascii_letters + string.digits + "-_.ü", min_size=0, max_size=64), min_size=1, max_size=4
        ),
    ),
)


@given(ADDRESS_LIKE)
@example("Aigerim.Bekova+petition@example.org")
@example("o'brien@example.org")
@example("a..b@example.org")
@example("-@-example.org")
@example("user@bücher.example")
@example("=?utf-8?q?abc?=@example.org")
@example("=?utf-8?q?victim=40evil.com?=@example.org")
@example(" .@")
@hypothesis_settings(max_examples=400, deadline=None)
def test_the_recipient_address_is_what_django_would_write_for_it(address):
    # Or raises what Django raises: ValueError, or for some addresses (" .@") a TypeError
    # from the standard library's header parser.
    try:
        expected = sanitize_address(address, "utf-8")
    except Exception as exc:  # noqa: BLE001 - the error type is what is compared
        expected = type(exc)
    try:
        got = recipient_address(address, "utf-8")
    except Exception as exc:  # noqa: BLE001 - the error type is what is compared
        got = type(exc)
    assert got == expected


@pytest.mark.parametrize("name", ["petitions:confirm", "petitions:unsubscribe"])
@pytest.mark.parametrize(
    "token", [confirm_token_make(public_id="0" * 32), unsubscribe_token_make(public_id="f" * 32), "a:b-c_d", "a b é?"]
)
def test_a_link_is_the_url_reverse_gives_for_its_token(name, token, settings):
    for site in ("http://127.0.0.1:8000", "https://free.example.org", "https://tokenmarker.example.org/sub"):
        settings.SITE_URL = site
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                assert _link(name, token, language) == site + reverse(name, kwargs={"token": token})


@given(ADDRESS_LIKE)
@example("Free Kazakhstan's Detainees <petition@localhost>")
@example("=?utf-8?b?0JDQudCz0LXRgNC40Lw=?=@example.org")
@hypothesis_settings(max_examples=400, deadline=None)
def test_the_envelope_address_is_quoted_as_smtplib_quotes_it(address):
    assert smtp_quoted(address) == smtplib.quoteaddr(address)
