"""Leave my name off: a signer counted on the list handed to the authorities, without the name."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from .helpers import body, download, parse_csv, sign


def test_the_delivery_list_counts_a_left_off_signer_by_country_without_the_name(organizer_client, known):
    petition, _rows = known
    sign(petition, "Hidden Signer", country="KZ", leave_name_off=True)

    for file_format in ("csv", "csv-excel"):
        delivered = parse_csv(body(download(organizer_client, petition, audience="delivery", file_format=file_format)))
        assert "Hidden" not in str(delivered)  # neither the name nor its first word
        assert [row["name"] for row in delivered if row["country"] == "KZ"] == [""]
        assert len(delivered) == 6  # the five confirmed signers of the fixture, and this one

    # The xlsx file is written from Python, not by PostgreSQL's COPY.
    sheet = load_workbook(
        io.BytesIO(body(download(organizer_client, petition, audience="delivery", file_format="xlsx"))), read_only=True
    ).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert not any("Hidden" in str(cell) for cell in cells) and "KZ" in cells


def test_the_contact_list_is_unaffected_by_leaving_the_name_off(organizer_client, known):
    petition, _rows = known
    sign(petition, "Hidden Signer", country="KZ", leave_name_off=True)
    contacts = parse_csv(body(download(organizer_client, petition)))
    assert [row["name"] for row in contacts if row["country"] == "KZ"] == ["Hidden Signer"]


def test_the_delivery_report_counts_left_off_signers_by_country_and_names_nobody(organizer_client, known):
    petition, _rows = known
    sign(petition, "Hidden Signer", country="KZ", leave_name_off=True)
    html = organizer_client.get(reverse("exports:report", kwargs={"slug": petition.slug})).content.decode()
    assert "Hidden Signer" not in html
    assert '<td>Kazakhstan</td><td class="num">1</td><td class="num">1</td>' in html
    assert "Of which counted without a name" in html
