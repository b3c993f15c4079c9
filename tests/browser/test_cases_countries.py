"""A published case with its photo, and signatures by country, in a real browser: the photo
loads from our origin, the chart draws without JavaScript, and axe-core finds nothing."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from campaign.content.models import Case
from campaign.content.photos import photo_reencode
from campaign.petitions import counting
from tests.factories import SignatureFactory

from .support import axe_violations, origin, screenshot

pytestmark = pytest.mark.browser


def a_photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (90, 120, 160)).save(out, format="JPEG")
    return SimpleUploadedFile("portrait.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_case_photo_and_the_country_chart_show_from_our_origin_without_violations(
    site, browse, live_server, settings, tmp_path, size
):
    settings.MEDIA_ROOT = tmp_path
    case = Case(
        name="Aigerim N.",
        story="Detained in Almaty in January 2022.",
        photo_alt="A woman in a blue coat",
        consent_given_by="Her sister",
        consent_given_on="2026-11-20",
        consent_how="In writing",
        is_published=True,
    )
    case.photo.save("portrait.jpg", photo_reencode(a_photo()), save=False)
    case.save()
    for country, n in {"KZ": 24, "DE": 11, "FR": 4, "PL": 6}.items():
        SignatureFactory.create_batch(n, petition=site, country=country, confirmed=True)
    counting.signature_counts_update()

    tab = browse(size)
    found = {}
    tab.page.goto(live_server.url + reverse("content:home"))
    photo = tab.page.locator("img.case-photo")
    assert photo.get_attribute("alt") == "A woman in a blue coat"
    photo.scroll_into_view_if_needed()
    loaded = (
        "img => img.complete ? img.naturalWidth : new Promise(done => { img.onload = () => done(img.naturalWidth); })"
    )
    assert photo.evaluate(loaded) > 0
    found["home"] = axe_violations(tab.page, live_server.url)

    tab.page.get_by_role("link", name="Signatures by country").click()
    # Measure the page as a reader sees it: once it has loaded, with its stylesheet applied.
    tab.page.wait_for_url(re.compile(r"/countries/$"))
    assert tab.page.locator("svg.country-chart rect").count() == 3  # Kazakhstan, Germany, the rest together
    assert tab.page.locator("table.country-table tbody tr").count() == 3
    wider = tab.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    found["countries"] = axe_violations(tab.page, live_server.url) + ([f"{wider}px too wide"] if wider > 0 else [])
    screenshot(tab, "countries")

    assert {name: problems for name, problems in found.items() if problems} == {}
    assert tab.foreign_requests(origin(live_server.url)) == []
    assert tab.errors == []
