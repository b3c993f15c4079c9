"""CSRF strings drawn in one system call (campaign.csrf_tokens) keep Django's contract:
the length, the alphabet, an even spread over it, and tokens that pass Django's own check.
(Signing with a token from the cached home page: tests/perf/test_fast_paths.py.)"""

from collections import Counter

from django.middleware import csrf
from django.test import Client
from django.urls import reverse

from campaign.csrf_tokens import new_csrf_string
from campaign.petitions.models import Signature
from campaign.petitions.services import email_lookup


def test_django_draws_its_csrf_strings_from_the_one_call_generator():
    assert csrf._get_new_csrf_string is new_csrf_string


def test_each_string_is_32_characters_of_the_csrf_alphabet_and_none_repeats():
    strings = [new_csrf_string() for _ in range(2000)]
    assert {len(s) for s in strings} == {csrf.CSRF_SECRET_LENGTH}
    assert set("".join(strings)) <= set(csrf.CSRF_ALLOWED_CHARS)
    assert len(set(strings)) == len(strings)


def test_every_character_is_as_likely_as_any_other():
    # 64,000 characters, ~1,032 of each. A plain `byte % 62` would give the first 8
    # characters 25% more than the rest: a chi-square near 500. Even, it is about 61; above
    # 130 happens by chance less than once in a million runs (61 degrees of freedom).
    counts = Counter("".join(new_csrf_string() for _ in range(2000)))
    expected = 2000 * csrf.CSRF_SECRET_LENGTH / len(csrf.CSRF_ALLOWED_CHARS)
    chi_square = sum((counts[c] - expected) ** 2 / expected for c in csrf.CSRF_ALLOWED_CHARS)
    assert chi_square < 130, f"chi-square {chi_square:.0f}: the characters are not evenly spread"


def test_a_returning_visitor_keeps_their_secret_and_gets_a_fresh_mask_that_signs(
    seeded, django_capture_on_commit_callbacks
):
    visitor = Client(enforce_csrf_checks=True)
    url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    first = visitor.get(url)
    secret = visitor.cookies["csrftoken"].value
    second = visitor.get(url)
    tokens = [page.context["csrf_token"] for page in (first, second)]
    assert tokens[0] != tokens[1]
    assert visitor.cookies["csrftoken"].value == secret
    assert all(csrf._unmask_cipher_token(str(token)) == secret for token in tokens)

    with django_capture_on_commit_callbacks(execute=True):
        signed = visitor.post(
            url,
            {
                "csrfmiddlewaretoken": tokens[0],
                "name": "Aigerim Bekova",
                "email": "aigerim@example.org",
                "country": "KZ",
            },
        )
    assert signed.status_code == 302
    assert Signature.objects.filter(email_index=email_lookup("aigerim@example.org")).exists()
