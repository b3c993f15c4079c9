"""Signatures by country: a page with a chart and a table, and JSON beside count.json. No number
small enough to point at a few signers is shown, or can be worked out from the total."""

import itertools
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from campaign.petitions import counting
from campaign.petitions.country_counts import country_counts_public
from campaign.petitions.models import Signature
from tests.factories import SignatureFactory


@pytest.fixture(autouse=True)
def english_afterwards():
    """Requests in another language leave it active in this thread: later tests expect English."""
    with translation.override("en"):
        yield


def signed(petition, **per_country):
    for country, n in per_country.items():
        SignatureFactory.create_batch(n, petition=petition, country=country, confirmed=True)
    counting.signature_counts_update()


def countries_json(petition) -> dict:
    response = Client().get(reverse("petition_countries", kwargs={"slug": petition.slug}))
    assert response.status_code == 200
    return json.loads(response.content)


def countries_page(petition, language="en") -> str:
    with translation.override(language):
        url = reverse("petitions:countries", kwargs={"slug": petition.slug})
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_countries_with_ten_or_more_signers_show_their_number_the_others_fewer_than_ten(petition):
    signed(petition, KZ=25, DE=12, FR=6, PL=4)

    data = countries_json(petition)
    assert data["count"] == 47 and data["minimum"] == 10
    assert data["countries"] == [{"country": "KZ", "count": 25}, {"country": "DE", "count": 12}]
    assert data["other"] == {"count": 10, "fewer_than": None, "countries": ["FR", "PL"]}

    page = countries_page(petition)
    assert '<th scope="row">Kazakhstan</th><td class="text-end">25</td>' in page
    assert '<th scope="row">Germany</th><td class="text-end">12</td>' in page
    assert '<th scope="row">Other countries</th><td class="text-end">10</td>' in page
    assert "Countries with fewer than 10 signers each: France, Poland." in page
    assert ">6<" not in page and ">4<" not in page


def test_a_lone_small_country_is_not_named_as_its_number_would_follow_from_the_total(petition):
    signed(petition, KZ=20, DE=3)

    data = countries_json(petition)
    assert data["count"] == 23
    assert data["other"] == {"count": None, "fewer_than": 10, "countries": []}
    page = countries_page(petition)
    assert "Germany" not in page
    assert '<th scope="row">Other countries</th><td class="text-end">fewer than 10</td>' in page


@pytest.mark.parametrize("small", [{"DE": 1, "FR": 1, "PL": 2}, {"DE": 9, "FR": 9}])
def test_small_countries_whose_sum_would_pin_them_down_are_not_named(petition, small):
    signed(petition, KZ=15, **small)  # 4 over 3 countries: each 1 or 2; 18 over 2: each 9

    data = countries_json(petition)
    assert data["other"]["countries"] == []
    page = countries_page(petition)
    assert "Germany" not in page and "France" not in page and "Poland" not in page


def test_only_confirmed_signatures_still_counted_appear(petition):
    signed(petition, KZ=10)
    SignatureFactory.create_batch(12, petition=petition, country="DE")  # not confirmed
    rejected = SignatureFactory.create_batch(10, petition=petition, country="FR", confirmed=True)
    counting.signature_counts_update()
    Signature.objects.filter(pk__in=[s.pk for s in rejected]).update(state=Signature.State.REJECTED)
    counting.signature_counts_update()

    data = countries_json(petition)
    assert data == {"count": 10, "minimum": 10, "countries": [{"country": "KZ", "count": 10}], "other": None}


def test_the_threshold_is_a_setting(petition, settings):
    settings.COUNTRY_COUNT_MINIMUM = 3
    signed(petition, KZ=4, DE=3, FR=2)
    data = countries_json(petition)
    assert data["countries"] == [{"country": "KZ", "count": 4}, {"country": "DE", "count": 3}]
    assert data["other"] == {"count": None, "fewer_than": 3, "countries": []}
    assert "fewer than 3" in countries_page(petition)


def test_the_numbers_are_cached_like_the_count_and_readable_by_partner_sites(petition):
    signed(petition, KZ=10)
    first = Client().get(reverse("petition_countries", kwargs={"slug": petition.slug}))
    assert first["Cache-Control"] == "public, max-age=60"
    assert first["Access-Control-Allow-Origin"] == "*"

    signed(petition, KZ=5)

    assert countries_json(petition)["countries"] == [{"country": "KZ", "count": 10}]  # until the cache expires


def test_an_unknown_petition_has_no_countries(db):
    assert Client().get(reverse("petition_countries", kwargs={"slug": "no-such-petition"})).status_code == 404
    assert Client().get(reverse("petitions:countries", kwargs={"slug": "no-such-petition"})).status_code == 404


def test_the_chart_is_drawn_on_our_server_and_repeated_as_a_table_for_screen_readers(petition):
    signed(petition, KZ=30, DE=15)
    page = countries_page(petition)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'aria-hidden="true"' in svg  # the table below says the same to screen readers
    assert svg.count("<rect") == 2 and "href" not in svg  # nothing loaded from anywhere
    assert 'width="380.0"' in svg and 'width="190.0"' in svg  # bars in proportion
    assert "<caption>Confirmed signatures by country</caption>" in page


def test_the_page_reads_in_russian_with_country_names_in_russian(petition):
    signed(petition, KZ=30, DE=2)
    page = countries_page(petition, "ru")
    assert '<html lang="ru">' in page
    assert "Казахстан" in page and "Германия" not in page
    assert "меньше 10" in page


def test_an_empty_petition_says_no_signatures_yet(petition):
    page = countries_page(petition)
    assert "No confirmed signatures yet." in page and "<svg" not in page


def test_the_count_block_links_to_signatures_by_country(seeded):
    home = Client().get(reverse("content:home")).content.decode()
    assert f'href="{reverse("petitions:countries", kwargs={"slug": seeded.slug})}">Signatures by country</a>' in home


def test_no_named_small_country_can_be_narrowed_below_fewer_than_the_threshold():
    """For every way up to four small countries can add up, with the threshold at 5: where the
    small countries are named, the public sum leaves each of them free to hold anything from 1 to 4."""
    minimum, named = 5, 0
    for m in range(1, 5):
        for values in itertools.product(range(1, minimum), repeat=m):
            counts = {f"C{i}": n for i, n in enumerate(values)} | {"BIG": 50}
            public = country_counts_public(counts, minimum=minimum)
            assert public.total - sum(n for _c, n in public.countries) == sum(values)
            if not public.other_named:
                continue
            assert len(public.other_named) >= 2
            named += 1
            # Everything consistent with what is public: each named country between 1 and 4, summing to the total.
            possible = {
                n
                for guess in itertools.product(range(1, minimum), repeat=m)
                if sum(guess) == public.other
                for n in guess
            }
            assert possible == set(range(1, minimum))
    assert named > 100  # most groups of three or four small countries can be named
