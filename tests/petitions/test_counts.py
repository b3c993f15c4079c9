"""The public count: a stored number, moved in batches, healed by a recount, never counted on a page view."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.petitions import counting, services
from campaign.petitions.models import Petition, Signature
from tests.factories import PetitionFactory, SignatureFactory

State = Signature.State


def stored_count(petition) -> int:
    return Petition.objects.get(pk=petition.pk).signature_count


def test_batched_update_counts_confirmed_signatures_only(petition):
    SignatureFactory.create_batch(5, petition=petition, confirmed=True)
    SignatureFactory.create_batch(2, petition=petition)  # not confirmed yet
    SignatureFactory(petition=petition, state=State.SUSPICIOUS, confirmed_at="2026-01-01T00:00Z")  # held
    SignatureFactory(petition=petition, state=State.REJECTED, confirmed_at="2026-01-01T00:00Z")
    other = PetitionFactory()
    SignatureFactory(petition=other, confirmed=True)

    counting.signature_counts_update(batch_size=2)  # three batches for this petition

    assert stored_count(petition) == 5
    assert stored_count(other) == 1
    assert Signature.objects.filter(petition=petition, counted=True).count() == 5


def test_rejected_signatures_leave_the_count(petition):
    signatures = SignatureFactory.create_batch(4, petition=petition, confirmed=True)
    counting.signature_counts_update()
    Signature.objects.filter(pk__in=[s.pk for s in signatures[:3]]).update(state=State.REJECTED)

    counting.signature_counts_update(batch_size=2)

    assert stored_count(petition) == 1


def test_a_confirmation_reaches_the_count_within_seconds(petition, django_capture_on_commit_callbacks):
    signature = SignatureFactory(petition=petition)
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_confirm(signature_id=signature.pk)
    assert stored_count(petition) == 1


def test_recount_heals_a_stored_count_that_drifted_high(petition):
    SignatureFactory.create_batch(3, petition=petition, confirmed=True)
    counting.signature_counts_update()
    Petition.objects.update(signature_count=999)

    counting.signature_counts_recount()

    assert stored_count(petition) == 3


def test_a_count_that_drifted_low_neither_stalls_the_counter_nor_the_recount(petition):
    signatures = SignatureFactory.create_batch(3, petition=petition, confirmed=True)
    counting.signature_counts_update()
    Petition.objects.update(signature_count=0)
    Signature.objects.filter(pk=signatures[0].pk).update(state=State.REJECTED)

    counting.signature_counts_update()  # would go below zero: the column is unsigned
    assert stored_count(petition) == 0

    counting.signature_counts_recount()
    assert stored_count(petition) == 2


def test_count_endpoint_is_small_public_and_cacheable(client, petition):
    SignatureFactory.create_batch(2, petition=petition, confirmed=True)
    counting.signature_counts_update()

    response = client.get(reverse("petition_count", kwargs={"slug": petition.slug}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"count": 2, "goal": petition.goal, "next_goal": 100}
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "public" in cache_control and "max-age=15" in cache_control
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get(reverse("petition_count", kwargs={"slug": "no-such-petition"})).status_code == 404
    assert client.post(reverse("petition_count", kwargs={"slug": petition.slug})).status_code == 405


@pytest.mark.parametrize(
    ("name", "needs_slug"),
    [
        ("content:home", False),
        ("petitions:sign", True),
        ("petitions:thanks", True),
        ("petitions:confirmed", True),
        ("petition_count", True),
    ],
)
def test_pages_never_count_signature_rows(client, seeded, name, needs_slug):
    SignatureFactory.create_batch(3, petition=seeded, confirmed=True, show_publicly=True)
    counting.signature_counts_update()
    url = reverse(name, kwargs={"slug": seeded.slug} if needs_slug else {})

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    counting_queries = [
        q["sql"] for q in queries if re.search(r"\bCOUNT\s*\(", q["sql"], re.I) and "petitions_signature" in q["sql"]
    ]
    assert counting_queries == []
    assert len(queries) <= 12, [q["sql"] for q in queries]  # a handful, however many signed
    if name != "petition_count":
        assert '<span class="js-count">3</span> confirmed signatures' in response.content.decode()


def test_home_page_points_tools_to_the_count(client, seeded):
    page = client.get(reverse("content:home")).content.decode()
    count_url = reverse("petition_count", kwargs={"slug": seeded.slug})
    assert f'<link rel="alternate" type="application/json" href="{count_url}"' in page
