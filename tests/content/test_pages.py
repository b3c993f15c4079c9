import re

import pytest
from django.urls import reverse

from campaign.content.models import Campaign, Demand, Source, TimelineEntry
from campaign.content.seed import seed_campaign

PAGES = ["content:home", "content:demands", "content:timeline", "content:sources", "content:privacy"]


@pytest.mark.parametrize("name", PAGES)
def test_every_public_page_renders_with_landmarks_and_language(client, seeded, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert html.count("<h1") == 1
    assert 'property="og:title"' in html and 'name="twitter:card"' in html


@pytest.mark.parametrize("name", PAGES)
def test_pages_load_nothing_from_another_origin(client, seeded, name):
    html = client.get(reverse(name)).content.decode()
    # <link rel="alternate"> (the page in other languages) names a page; browsers do not fetch it.
    html = re.sub(r'<link rel="alternate"[^>]*>', "", html)
    loaded = re.findall(r'<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert loaded, "the page loads its stylesheet at least"
    # Links to read a source are fine; anything the browser fetches by itself must be ours.
    fetched = [url for url in loaded if not url.startswith("/")]
    assert fetched == []


def test_home_page_makes_the_case_with_corrected_facts(client, seeded):
    html = client.get(reverse("content:home")).content.decode()
    assert "2 January 2022" in html or "2 January" in html
    assert "western Kazakhstan" in html
    assert "southeast" not in html
    assert "Amnesty International" in html and "European Parliament" in html
    assert 'id="sign"' in html and "Sign the petition" in html
    assert 'rel="alternate" type="application/json"' in html


def test_demands_page_attributes_each_demand_to_its_source(client, seeded):
    html = client.get(reverse("content:demands")).content.decode()
    for demand in Demand.objects.select_related("source"):
        assert demand.text in html.replace("&#x27;", "'").replace("&quot;", '"')
    assert "amnesty.org" in html and "europarl.europa.eu" in html


def test_timeline_entries_each_link_their_dated_source(client, seeded):
    html = client.get(reverse("content:timeline")).content.decode()
    for entry in TimelineEntry.objects.select_related("source"):
        assert f'id="event-{entry.key}"' in html
        assert entry.source.published_label in html


def test_seed_is_idempotent_and_keeps_edits(db):
    seed_campaign()
    counts = (Campaign.objects.count(), Source.objects.count(), TimelineEntry.objects.count(), Demand.objects.count())
    Campaign.objects.update(title="Edited by an organiser")
    Demand.objects.filter(organisation="amnesty").update(text="Edited demand")

    again = seed_campaign()
    assert not again["created"] and not again["updated"]

    assert (
        Campaign.objects.count(),
        Source.objects.count(),
        TimelineEntry.objects.count(),
        Demand.objects.count(),
    ) == counts
    assert Campaign.objects.get().title == "Edited by an organiser"
    assert set(Demand.objects.filter(organisation="amnesty").values_list("text", flat=True)) == {"Edited demand"}


def test_seed_recreates_only_what_is_missing(db):
    seed_campaign()
    TimelineEntry.objects.filter(key="protests-begin").delete()
    created = seed_campaign()["created"]
    assert created["timeline"] == 1 and created["demands"] == 0


def test_privacy_page_says_who_sees_data_and_for_how_long(client, seeded):
    html = client.get(reverse("content:privacy")).content.decode()
    assert "30 days" in html
    assert "IP address" in html
