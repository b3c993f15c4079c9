"""Quotations are checked against the source excerpt they are stored with."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaign.content import seed_data
from campaign.content.models import Quote, quotation_is_verbatim
from tests.factories import UserFactory

EXCERPT = "The authorities must honour these obligations, protect peaceful protesters and respect free speech."


@pytest.mark.parametrize(
    "quotation",
    [
        EXCERPT,
        "protect peaceful protesters",
        "The authorities must honour these obligations … respect free speech.",
        "The authorities must honour these obligations ... respect free speech.",
        "… protect peaceful protesters …",
        "The authorities must honour\nthese obligations",  # a line break is a space
    ],
)
def test_a_verbatim_quotation_or_verbatim_parts_joined_by_an_ellipsis_pass(quotation):
    assert quotation_is_verbatim(quotation, EXCERPT)


@pytest.mark.parametrize(
    "quotation",
    [
        "The authorities must honour their obligations",  # a word changed
        "respect free speech … The authorities must honour",  # parts out of order
        "protect protesters",  # a cut without an ellipsis
        "the authorities must honour these obligations",  # case
        "…",
        "",
    ],
)
def test_a_quotation_that_is_not_word_for_word_fails(quotation):
    assert not quotation_is_verbatim(quotation, EXCERPT)


@pytest.mark.parametrize("row", seed_data.QUOTES, ids=lambda row: row["key"])
def test_every_seeded_quotation_is_word_for_word_from_its_excerpt(row):
    assert quotation_is_verbatim(row["text"], row["excerpt"])


def test_every_stored_quotation_passes_the_models_own_check(seeded):
    for quote in Quote.objects.all():
        quote.full_clean()


def test_a_quotation_cut_where_an_ellipsis_hides_a_change_is_refused_by_the_model(seeded):
    quote = Quote.objects.get(key="struthers-resolve-peacefully")
    quote.text = "the Kazakhstani authorities must resolve the situation peacefully … releasing all those detained"
    with pytest.raises(ValidationError) as refused:
        quote.full_clean()
    assert "not word for word" in str(refused.value)


def test_the_admin_refuses_to_save_a_quotation_that_is_not_in_its_excerpt(client, seeded, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(UserFactory(username="organizer", groups=["Organizer"]))
    quote = Quote.objects.get(key="struthers-repression")
    form = {
        "campaign": quote.campaign_id,
        "key": quote.key,
        "speaker_en": quote.speaker_en,
        "role_en": quote.role_en,
        "language": "en",
        "text": "The protests are a direct consequence of repression.",
        "excerpt": quote.excerpt,
        "source": quote.source_id,
        "position": quote.position,
    }
    response = client.post(reverse("admin:content_quote_change", args=[quote.pk]), form)

    assert response.status_code == 200  # the form again, with the error
    assert "not word for word from its source excerpt" in response.content.decode()
    quote.refresh_from_db()
    assert quote.text.startswith("The protests unfolding in Kazakhstan")

    form["text"] = (
        "The protests unfolding in Kazakhstan … are a direct consequence of the authorities’ widespread repression of basic human rights."
    )
    assert client.post(reverse("admin:content_quote_change", args=[quote.pk]), form).status_code == 302
