"""Offline reach: organizers download a QR code of the petition's link, per language and with
an optional source code, drawn on our server (no third-party service sees what is printed)."""

import io
import xml.etree.ElementTree as ET

import pytest
import segno
from django.urls import reverse

from tests.factories import PetitionFactory, UserFactory

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def organizer(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://campaign.example.org"
    return UserFactory(username="organizer", groups=["Organizer"])


def qr_url(slug: str, language: str, kind: str = "svg", query: str = "") -> str:
    return reverse("admin:content_partnerorigin_qr", args=[slug, language, kind]) + query


def segno_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, xmldecl=True, title=url)
    return out.getvalue()


@pytest.mark.parametrize(
    ("language", "query", "encoded"),
    [
        ("en", "", "https://campaign.example.org/en/petitions/free-them/"),
        ("ru", "", "https://campaign.example.org/ru/petitions/free-them/"),
        (
            "kk",
            "?source=poster_Almaty-2",
            "https://campaign.example.org/kk/petitions/free-them/?source=poster_Almaty-2",
        ),
    ],
)
def test_the_qr_code_is_an_svg_of_the_petitions_link_in_that_language(client, organizer, language, query, encoded):
    PetitionFactory(slug="free-them")
    client.force_login(organizer)
    response = client.get(qr_url("free-them", language, query=query))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == encoded
    # The drawing is the one segno makes for that link, module for module.
    assert response.content == segno_svg(encoded)
    assert f'filename="petition-free-them-{language}' in response["Content-Disposition"]


def test_the_qr_code_comes_as_a_png_for_print_too(client, organizer):
    PetitionFactory(slug="free-them")
    client.force_login(organizer)
    response = client.get(qr_url("free-them", "ru", "png", "?source=leaflet"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    out = io.BytesIO()
    segno.make("https://campaign.example.org/ru/petitions/free-them/?source=leaflet", error="m").save(
        out, kind="png", scale=8
    )
    assert response.content == out.getvalue()
    assert 'filename="petition-free-them-ru-leaflet.png"' in response["Content-Disposition"]


@pytest.mark.parametrize("source", ["", "a" * 33, "a b", "<script>", "poster%2F1", "ü", "a;b", "a/b", "a.b", "a?b=c"])
def test_a_source_code_outside_letters_digits_hyphen_underscore_is_refused(client, organizer, source):
    PetitionFactory(slug="free-them")
    client.force_login(organizer)
    response = client.get(qr_url("free-them", "en"), {"source": source})
    if source == "":
        assert response.status_code == 200  # no code: the plain link
        return
    assert response.status_code == 400
    assert "1 to 32 letters, digits, hyphens or underscores" in response.content.decode()
    page = client.get(reverse("admin:content_partnerorigin_embed"), {"source": source})
    assert page.status_code == 400
    assert "The links below have no code" in page.content.decode()


def test_unknown_petition_language_or_kind_is_not_found(client, organizer):
    PetitionFactory(slug="free-them")
    client.force_login(organizer)
    assert client.get(qr_url("no-such-petition", "en")).status_code == 404
    assert client.get(qr_url("free-them", "de")).status_code == 404
    assert client.get(qr_url("free-them", "en", "gif")).status_code == 404


def test_the_embed_page_links_each_languages_qr_code_with_the_source_code(client, organizer):
    PetitionFactory(slug="free-them")
    client.force_login(organizer)
    html = client.get(reverse("admin:content_partnerorigin_embed"), {"source": "stall7"}).content.decode()
    for language in ("en", "ru", "kk"):
        assert qr_url("free-them", language, "svg", "?source=stall7") in html
        assert qr_url("free-them", language, "png", "?source=stall7") in html
        assert f"https://campaign.example.org/{language}/petitions/free-them/?source=stall7" in html


def test_only_signed_in_organizers_get_qr_codes(client, db):
    PetitionFactory(slug="free-them")
    assert client.get(qr_url("free-them", "en")).status_code == 302  # to the staff login
    client.force_login(UserFactory(username="moderator", groups=["Moderator"]))
    assert client.get(qr_url("free-them", "en")).status_code == 403
