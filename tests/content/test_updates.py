"""“Where things stand”: organizers publish dated, sourced updates from the admin, and the
home page (cached per language) shows them at once, newest first."""

import re

import pytest
from django.urls import reverse

from campaign.content.models import Source, Update
from tests.factories import UserFactory


@pytest.fixture
def organizer(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="organizer", groups=["Organizer"])


def add_update(client, *, title, as_of, published, sources):
    # The admin edits the text per language; English is the original.
    form = {"title_en": title, "as_of": as_of, "body_en": "What we learnt, and from whom.", "sources": sources}
    if published:
        form["is_published"] = "on"
    from campaign.content.models import Campaign

    form["campaign"] = Campaign.objects.get().pk
    return client.post(reverse("admin:content_update_add"), form)


def test_an_organizer_publishes_an_update_and_the_cached_home_page_shows_it_first(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    from django.test import Client

    visitor = Client()
    assert "Trials of the last defendants" not in visitor.get(reverse("content:home")).content.decode()  # now cached
    client.force_login(organizer)
    source = Source.objects.get(key="rferl-2022-11-02")

    with django_capture_on_commit_callbacks(execute=True):  # the admin's transaction commits
        saved = add_update(
            client, title="Trials of the last defendants", as_of="2026-11-30", published=True, sources=[source.pk]
        )
    assert saved.status_code == 302

    home = visitor.get(reverse("content:home")).content.decode()
    titles = re.findall(r'<h3 class="h5 mb-1" id="update-\d+-title">(.*?)</h3>', home)
    assert titles[0] == "Trials of the last defendants"
    first = re.search(r'<article class="update.*?</article>', home, re.S).group(0)
    assert 'As of <time datetime="2026-11-30">30 November 2026</time>' in first
    assert source.url in first


def test_an_unpublished_update_stays_off_the_home_page(client, seeded, organizer):
    client.force_login(organizer)
    source = Source.objects.get(key="rferl-2022-11-02")
    assert (
        add_update(
            client, title="A draft nobody checked", as_of="2026-11-30", published=False, sources=[source.pk]
        ).status_code
        == 302
    )
    assert Update.objects.filter(title="A draft nobody checked").exists()
    assert "A draft nobody checked" not in client.get(reverse("content:home")).content.decode()


def test_an_update_without_a_source_is_refused(client, seeded, organizer):
    client.force_login(organizer)
    response = add_update(client, title="Unsourced", as_of="2026-11-30", published=True, sources=[])
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Update.objects.filter(title="Unsourced").exists()


def test_unpublishing_an_update_takes_it_off_the_cached_home_page(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    assert "The 2022 amnesty: whom it covered, whom it left out" in client.get(reverse("content:home")).content.decode()
    client.force_login(organizer)
    update = Update.objects.get(key="amnesty-2022-11")
    form = {
        "title_en": update.title_en,
        "as_of": update.as_of.isoformat(),
        "body_en": update.body_en,
        "campaign": update.campaign_id,
        "sources": list(update.sources.values_list("pk", flat=True)),
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:content_update_change", args=[update.pk]), form).status_code == 302
    assert (
        "The 2022 amnesty: whom it covered, whom it left out"
        not in client.get(reverse("content:home")).content.decode()
    )


def test_sources_page_shows_an_archived_copy_once_an_organizer_fills_it(client, seeded):
    sources = client.get(reverse("content:sources")).content.decode()
    assert "Archived copy" not in sources
    Source.objects.filter(key="amnesty-2022-01").update(
        archive_url="https://web.archive.org/web/2022/https://www.amnesty.org/"
    )
    sources = client.get(reverse("content:sources")).content.decode()
    assert 'class="archive-url" href="https://web.archive.org/web/2022/https://www.amnesty.org/"' in sources


def test_every_primary_document_is_linked_directly_from_the_sources_page(client, seeded):
    sources = client.get(reverse("content:sources")).content.decode()
    for key in ("amnesty-2022-01", "europarl-resolution-2022-01-20", "europarl-2022-01-20"):
        url = Source.objects.get(key=key).url
        assert url and f'class="source-url" href="{url}"' in sources
