"""What the sign form accepts, what it refuses, and how a refusal looks to the supporter."""

import html
import re

import pytest
from django.urls import reverse

from campaign.petitions.forms import ResendForm, SignatureForm
from campaign.petitions.models import Signature

VALID = {"name": "Aigerim Bekova", "email": "aigerim@example.org", "country": "KZ"}


def _domain(length: int) -> str:
    """A valid domain name of exactly `length` characters (labels of at most 63)."""
    labels, left = [], length - len(".org")
    while left > 63:
        labels.append("b" * 62)
        left -= 63
    labels.append("b" * left)
    return ".".join(labels) + ".org"


EMAIL_254 = "a" * 64 + "@" + _domain(254 - 65)
EMAIL_255 = "a" * 64 + "@" + _domain(255 - 65)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Aigerim   Bekova  ", "Aigerim Bekova"),  # trimmed, inner runs of spaces collapsed
        ("Aigerim\u00a0Bekova", "Aigerim Bekova"),  # a no-break space is a space
        ("Zoe\u0301 Dupont", "Zoé Dupont"),  # decomposed é becomes the single composed character (NFC)
        ("A", "A"),  # one character is a name
        ("x" * 100, "x" * 100),
        ("Mehr\u200cdad Nouri", "Mehr\u200cdad Nouri"),  # ZWNJ is part of Persian spelling
        ("Жанна Өмірбекова", "Жанна Өмірбекова"),
        ("J. R. R. O'Neil-Smith", "J. R. R. O'Neil-Smith"),
    ],
)
def test_names_are_trimmed_and_normalised(typed, kept):
    form = SignatureForm({**VALID, "name": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please enter your name."),
        ("    ", "Please enter your name."),
        ("\u200d\u200c\u200d", "Please enter your name."),
        ("12345 !!", "Please enter your name."),
        ("x" * 101, "Please shorten your name to 100 characters or fewer."),
        ("x" * 400, "Please shorten your name to 100 characters or fewer."),
        ("Visit http://spam.example", "Please enter your name without web addresses."),
        ("www.cheap-pills.example", "Please enter your name without web addresses."),
        ("Buy at pills.com", "Please enter your name without web addresses."),
        ("Eve\r\nBcc: victim@example.org", "Please use only letters, spaces and punctuation in your name."),
        ("Eve\x00Null", "Please use only letters, spaces and punctuation in your name."),
        ("Tab\tName", "Please use only letters, spaces and punctuation in your name."),
        ("\u202eeveR", "Please use only letters, spaces and punctuation in your name."),  # right-to-left override
        ("Zero\u200bWidth", "Please use only letters, spaces and punctuation in your name."),  # zero-width space
        ("Bom\ufeffName", "Please use only letters, spaces and punctuation in your name."),
    ],
)
def test_bad_names_are_refused_with_a_clear_message(typed, message):
    form = SignatureForm({**VALID, "name": typed})
    assert not form.is_valid()
    assert form.errors["name"] == [message]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Aigerim@Example.org ", "Aigerim@Example.org"),
        (EMAIL_254, EMAIL_254),
        ("first.last+petition@example.co.uk", "first.last+petition@example.co.uk"),
    ],
)
def test_valid_emails_are_kept_as_typed_but_trimmed(typed, kept):
    assert len(EMAIL_254) == 254
    form = SignatureForm({**VALID, "email": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == kept


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please enter your email address."),
        ("aigerim", "Please enter a valid email address, like name@example.org."),
        ("aigerim@", "Please enter a valid email address, like name@example.org."),
        (
            "aigerim@example.org\r\nBcc: victim@example.org",
            "Please enter a valid email address, like name@example.org.",
        ),
        (EMAIL_255, "Please use an email address of 254 characters or fewer."),
    ],
)
def test_bad_emails_are_refused_with_a_clear_message(typed, message):
    form = SignatureForm({**VALID, "email": typed})
    assert not form.is_valid()
    assert form.errors["email"] == [message]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"country": ""}, "Please choose your country."),
        ({"country": "XX"}, "Please choose your country from the list."),
    ],
)
def test_country_is_required(data, message):
    form = SignatureForm({**VALID, **data})
    assert not form.is_valid()
    assert form.errors["country"] == [message]


def test_choices_are_unticked_unless_the_supporter_ticks_them():
    form = SignatureForm({**VALID})
    assert form.is_valid()
    assert form.cleaned_data["show_publicly"] is False and form.cleaned_data["keep_updated"] is False
    unbound = SignatureForm()
    assert not unbound["show_publicly"].value() and not unbound["keep_updated"].value()


def test_resend_form_uses_the_same_email_messages():
    form = ResendForm({"email": "nope"})
    assert not form.is_valid()
    assert form.errors["email"] == ["Please enter a valid email address, like name@example.org."]


def test_refused_form_comes_back_filled_in_with_the_message_beside_the_field(client, petition):
    typed = {
        "name": "Aigerim <b>Bekova</b> www.spam.example",
        "email": "aigerim@",
        "country": "KZ",
        "keep_updated": "on",
    }
    response = client.post(reverse("petitions:sign", kwargs={"slug": petition.slug}), typed)

    assert response.status_code == 400
    page = response.content.decode()
    # Everything typed is still there (escaped, never run as markup), and the ticked box is ticked.
    assert f'value="{html.escape(typed["name"])}"' in page
    assert 'value="aigerim@"' in page
    assert re.search(r'<option value="KZ"[^>]*\bselected', page)
    assert re.search(r'<input[^>]*name="keep_updated"[^>]*\bchecked', page)
    assert not re.search(r'<input[^>]*name="show_publicly"[^>]*\bchecked', page)
    assert "<b>Bekova" not in page
    # Each message sits right after its own field, tied to it for screen readers.
    name_input = page.index('id="id_name"')
    assert page.index("Please enter your name without web addresses.") - name_input < 300
    assert 'aria-describedby="id_name_error"' in page and 'aria-invalid="true"' in page
    email_input = page.index('id="id_email"')
    assert 0 < page.index("Please enter a valid email address, like name@example.org.") - email_input < 300
    assert "Please correct the highlighted fields below." in page
    assert Signature.objects.count() == 0


def test_missing_fields_are_a_400_not_a_500(client, petition):
    response = client.post(reverse("petitions:sign", kwargs={"slug": petition.slug}), {})
    assert response.status_code == 400
    page = response.content.decode()
    for message in ("Please enter your name.", "Please enter your email address.", "Please choose your country."):
        assert message in page
