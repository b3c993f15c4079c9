"""“About this campaign”: linked from every page's footer; who runs the campaign shows only once
an organizer has written it (nothing is invented), with a contact address; and the demands cite
their source once per block, not once per line."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from campaign.content.models import About, Demand
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def english_afterwards():
    """Requests in another language leave it active in this thread: later tests expect English."""
    with translation.override("en"):
        yield


@pytest.fixture
def organizer(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="organizer", groups=["Organizer"])


def test_every_page_links_to_about_this_campaign_from_its_footer(client, seeded):
    for page in ("content:home", "content:privacy", "content:sources"):
        footer = client.get(reverse(page)).content.decode().split('<footer class="site-footer')[1]
        assert f'href="{reverse("content:about")}">About this campaign</a>' in footer


def test_the_about_page_shows_no_one_as_running_the_campaign_until_an_organizer_says_who(client, seeded, settings):
    settings.CAMPAIGN_CONTACT_EMAIL = "team@campaign.example"
    html = client.get(reverse("content:about")).content.decode()
    assert '<h1 class="mb-3">About this campaign</h1>' in html
    assert "Who runs it" not in html
    assert 'href="mailto:team@campaign.example"' in html


def test_an_organizer_says_who_runs_the_campaign_and_gives_a_contact(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    form = {
        "run_by_en": "Volunteers of the Kazakh diaspora in Berlin.",
        "run_by_ru": "Волонтёры казахской диаспоры в Берлине.",
        "contact_email": "hello@campaign.example",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:content_about_add"), form).status_code == 302
    assert client.get(reverse("admin:content_about_add")).status_code == 403  # one about page

    english = Client().get(reverse("content:about")).content.decode()
    assert "Who runs it" in english and "Volunteers of the Kazakh diaspora in Berlin." in english
    assert 'href="mailto:hello@campaign.example"' in english
    russian = Client().get(reverse("content:about").replace("/en/", "/ru/")).content.decode()
    assert "Волонтёры казахской диаспоры в Берлине." in russian and "Кто ведёт кампанию" in russian
    assert not About.objects.get().run_by_kk


@pytest.mark.parametrize("page", ["content:home", "content:demands"])
def test_demands_cite_their_source_once_per_block_not_per_line(client, seeded, page):
    html = client.get(reverse(page)).content.decode()
    section = html.split('id="demands"')[1] if page == "content:home" else html
    blocks = re.findall(r"<[uo]l>(.*?)</[uo]l>\s*<p class=\"small source-ref\">", section, re.S)
    assert blocks, "each list of demands is followed by its citation"
    lines = sum(block.count("<li") for block in blocks)
    assert lines == Demand.objects.count()
    assert section.count('class="small source-ref"') == len(blocks) < lines
    for block in blocks:
        assert "href=" not in block  # no citation inside the lines
