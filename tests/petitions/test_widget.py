"""Partners' embeds: a small page with the count, the goal and a button, which only the partner
sites organizers list in the admin may show in a frame; every other page stays unframeable."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from campaign.content.models import PartnerOrigin
from tests.factories import PetitionFactory, UserFactory
from tests.security.test_headers import csp_directives, header_problems, public_responses


@pytest.fixture(autouse=True)
def english_afterwards():
    """Requests in another language leave it active in this thread: later tests expect English."""
    with translation.override("en"):
        yield


@pytest.fixture
def organizer(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="organizer", groups=["Organizer"])


def widget_url(petition, language="en") -> str:
    with translation.override(language):
        return reverse("petition_widget", kwargs={"slug": petition.slug})


def frame_ancestors(response) -> list[str]:
    return csp_directives(response["Content-Security-Policy"]).get("frame-ancestors", [])


def add_partner(client, origin: str, partner: str = "Partner"):
    return client.post(reverse("admin:content_partnerorigin_add"), {"origin": origin, "partner": partner})


@pytest.mark.parametrize(
    ("language", "button", "unit"),
    [
        ("en", "Sign the petition", "confirmed signatures"),
        ("ru", "Подписать петицию", "подтверждённых подписей"),
        ("kk", "Петицияға қол қою", "расталған қолтаңба"),
    ],
)
def test_the_widget_shows_the_count_the_goal_and_a_button_opening_the_petition(client, db, language, button, unit):
    petition = PetitionFactory(slug="free-them", signature_count=12435, goal=50000)
    response = client.get(widget_url(petition, language), secure=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert re.search(r'class="widget-number">12\D?435<', html)
    assert re.search(r"50\D?000", html)
    assert unit in html
    # The button opens the petition in the widget's language, in a new tab, on our origin,
    # with the widget's own source code (no partner's code was given).
    assert re.search(
        rf'<a class="widget-button" href="/{language}/petitions/free-them/\?source=widget" target="_blank" rel="noopener">{button}</a>',
        html,
    )
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")  # nothing from elsewhere
    assert len(html) < 3000


def test_the_widget_of_a_closed_petition_says_it_is_closed(client, db):
    from django.utils import timezone

    petition = PetitionFactory(closed_at=timezone.now())
    html = client.get(widget_url(petition), secure=True).content.decode()
    assert "This petition is closed" in html
    assert "Sign the petition" not in html


def test_the_widget_is_cached_like_the_count(client, db):
    petition = PetitionFactory()
    response = client.get(widget_url(petition), secure=True)
    count = client.get(reverse("petition_count", kwargs={"slug": petition.slug}), secure=True)
    assert response["Cache-Control"] == count["Cache-Control"] == "public, max-age=15"
    assert "Set-Cookie" not in response and not response.cookies  # one copy serves every visitor


def test_no_partner_site_listed_means_no_page_may_frame_the_widget(client, db):
    response = client.get(widget_url(PetitionFactory()), secure=True)
    assert frame_ancestors(response) == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_frame_ancestors_of_the_widget_lists_exactly_the_origins_organizers_listed(client, organizer):
    petition = PetitionFactory()
    client.force_login(organizer)
    assert add_partner(client, "https://Partner.Example.org/").status_code == 302
    assert add_partner(client, "https://news.example.net:8443", "A newspaper").status_code == 302
    client.logout()

    response = client.get(widget_url(petition, "ru"), secure=True)
    assert frame_ancestors(response) == ["https://news.example.net:8443", "https://partner.example.org"]
    assert "X-Frame-Options" not in response  # it would forbid what frame-ancestors allows
    # The rest of the policy is the site's: nothing from elsewhere, no inline code.
    assert header_problems(response) == [
        "frame-ancestors is ['https://news.example.net:8443', 'https://partner.example.org']",
        "X-Frame-Options is None",
    ]

    PartnerOrigin.objects.filter(origin="https://news.example.net:8443").delete()
    assert frame_ancestors(client.get(widget_url(petition), secure=True)) == ["https://partner.example.org"]


def test_every_other_page_keeps_frame_ancestors_none_while_partners_are_listed(client, seeded):
    PartnerOrigin.objects.create(origin="https://partner.example.org")
    problems = []
    for name, response in public_responses(client, seeded):
        problems += [f"{name} ({response.status_code}): {p}" for p in header_problems(response)]
    missing = client.get(reverse("petition_widget", kwargs={"slug": "no-such-petition"}), secure=True)
    assert missing.status_code == 404
    assert frame_ancestors(missing) == ["'none'"]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "origin",
    [
        "http://partner.example.org",  # http could be altered on the way
        "https://*.example.org",
        "*",
        "'self'",
        "https://partner.example.org/petition/",
        "https://partner.example.org?x=1",
        "https://partner.example.org; script-src *",
        "https://partner.example.org https://other.example.com",
        "https://user@partner.example.org",
        "partner.example.org",
        "javascript:alert(1)",
        "ftp://partner.example.org",
        "https://partner.example.org:99999",
        "https://-bad-.example.org",
        "",
    ],
)
def test_an_origin_that_is_not_a_bare_https_origin_is_refused_in_the_admin(client, organizer, origin):
    client.force_login(organizer)
    response = add_partner(client, origin)
    assert response.status_code == 200
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    assert not PartnerOrigin.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://PARTNER.example.org:443/", "https://partner.example.org"),
        ("http://localhost:8001", "http://localhost:8001"),
        ("http://127.0.0.2:8001", "http://127.0.0.2:8001"),
        ("https://партнёр.рф", "https://xn--80a0aefbk0i.xn--p1ai"),
    ],
)
def test_an_origin_is_stored_as_the_browser_writes_it(client, organizer, typed, stored):
    client.force_login(organizer)
    assert add_partner(client, typed).status_code == 302
    assert list(PartnerOrigin.objects.values_list("origin", flat=True)) == [stored]


def test_organizers_get_a_snippet_per_language_to_paste(client, organizer, settings):
    settings.SITE_URL = "https://campaign.example.org"
    petition = PetitionFactory(slug="free-them", title_en="Free them", title_ru="Освободите их")
    client.force_login(organizer)
    page = client.get(reverse("admin:content_partnerorigin_embed"))
    html = page.content.decode()
    assert page.status_code == 200
    for language in ("en", "ru", "kk"):
        src = f"https://campaign.example.org/{language}/petitions/{petition.slug}/widget/"
        assert f"&lt;iframe src=&quot;{src}&quot;" in html
    assert "title=&quot;Освободите их&quot;" in html
    assert "No partner site is listed yet" in html
    assert (
        reverse("admin:content_partnerorigin_embed")
        in client.get(reverse("admin:content_partnerorigin_changelist")).content.decode()
    )


def test_moderators_cannot_list_partner_sites_or_open_the_embed_page(client, db):
    moderator = UserFactory(username="moderator", groups=["Moderator"])
    client.force_login(moderator)
    assert client.get(reverse("admin:content_partnerorigin_embed")).status_code == 403
    assert add_partner(client, "https://partner.example.org").status_code == 403
