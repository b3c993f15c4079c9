"""An organizer prints the delivery report (to PDF, as Chromium's print dialog does) and reads it."""

import subprocess

import pytest
from django.urls import reverse
from django_countries import countries

from tests.factories import SignatureFactory

from .support import SCREENSHOTS
from .test_staff import log_in, staff_with_role

pytestmark = pytest.mark.browser


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # The last printed page, as a picture beside the other screenshots (poppler's pdftoppm).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = [page for page in text.split("\f") if page.strip()]
    last = str(len(pages))
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            last,
            "-l",
            last,
            "-singlefile",
            str(path),
            str(SCREENSHOTS / "report-print"),
        ],
        check=True,
    )
    return pages


def test_printed_report_names_the_campaign_numbers_every_page_and_totals_once(site, browse, live_server, tmp_path):
    # One signature from each of 70 countries and two more from Kazakhstan: a table longer than a page.
    codes = [code for code, _name in countries][:70]
    for code in codes:
        SignatureFactory(petition=site, confirmed=True, country=code)
    SignatureFactory.create_batch(2, petition=site, confirmed=True, country="KZ")
    page = browse("desktop").page
    report = reverse("exports:report", kwargs={"slug": site.slug})
    log_in(page, live_server, staff_with_role("Organizer"), then=report)

    pages = pdf_pages(page.pdf(format="A4", prefer_css_page_size=True), tmp_path)

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        header = text.strip().splitlines()[0]
        assert site.title in header and "Delivery report" in header
        assert text.strip().splitlines()[-1].strip() == f"Page {number} of {len(pages)}"
    totals = [number for number, text in enumerate(pages, start=1) if "Total" in text]
    assert totals == [len(pages)]
    last_line_with_total = next(line for line in pages[-1].splitlines() if "Total" in line)
    # Total, signatures, of which counted without a name.
    assert last_line_with_total.split()[-2:] == ["72", "0"]
