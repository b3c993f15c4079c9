"""Exports decrypt names and addresses as the rows stream by: every hostile value stored
encrypted comes out as itself, guarded as a spreadsheet cell, in every file and audience; a
background job reports progress between pieces and may query meanwhile."""

import csv
import io

import pytest
from django.db import transaction

from campaign.exports import jobs as export_jobs
from campaign.exports.cells import FORMULA_TRIGGERS
from campaign.exports.filters import ExportFilters
from campaign.petitions.fields import Sealed
from campaign.petitions.models import Signature
from tests.factories import PetitionFactory, SignatureFactory
from tests.hostile.corpus import HOSTILE
from tests.hostile.test_inputs import as_text

# PostgreSQL text cannot hold NUL.
VALUES = list(
    dict.fromkeys(v for v in [*map(as_text, HOSTILE), "", " ", "=1", "a\rb", "a\r\nb", "x;=y"] if "\x00" not in v)
)


def expected_cell(value: str, *, excel: bool) -> str:
    cell = "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    return cell if excel else cell.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def hostile(db):
    petition = PetitionFactory(slug="hostile")
    for n, value in enumerate(VALUES):
        SignatureFactory(
            petition=petition, name=value[:100], email=f"{value[:40]}@row{n}.example", confirmed=True, keep_updated=True
        )
    return petition


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode().removeprefix("\ufeff"), newline="")))


@pytest.mark.parametrize("excel", [False, True])
def test_every_hostile_name_and_address_comes_out_decrypted_and_guarded(hostile, excel):
    sealed = Signature.objects.filter(petition=hostile).values_list(Sealed("name"), flat=True)
    assert all(value == "" or value.startswith("v1:") for value in sealed)
    export = export_jobs.export_prepare(filters=ExportFilters(petition_id=hostile.pk, excel=excel))
    rows = rows_of(b"".join(export.chunks()))
    assert len(rows) == len(VALUES) == export.rows_written
    got = {(row["name"], row["email"]) for row in rows}
    want = {
        (expected_cell(value[:100], excel=excel), expected_cell(f"{value[:40]}@row{n}.example", excel=excel))
        for n, value in enumerate(VALUES)
    }
    assert got == want


def test_the_delivery_list_leaves_out_addresses_and_left_off_names(db):
    petition = PetitionFactory()
    SignatureFactory(petition=petition, name="Kept Name", confirmed=True)
    SignatureFactory(petition=petition, name="Left Off", leave_name_off=True, confirmed=True, country="KZ")
    export = export_jobs.export_prepare(filters=ExportFilters(petition_id=petition.pk, contactable=False))
    rows = rows_of(b"".join(export.chunks()))
    assert "email" not in rows[0]
    assert sorted((row["name"], row["first_name"], row["country"]) for row in rows) == [
        ("", "", "KZ"),
        ("Kept Name", "Kept", "DE"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_background_job_reports_progress_between_pieces_and_may_query_meanwhile(hostile):
    filters = ExportFilters(petition_id=hostile.pk)
    export = export_jobs.export_prepare(filters=filters, chunk_size=7)
    seen = []
    data = b"".join(
        export.chunks(
            on_progress=lambda rows: seen.append((rows, Signature.objects.filter(petition=hostile).count())),
            snapshot=False,
        )
    )
    assert len(rows_of(data)) == export.rows_written == len(VALUES)
    reported = [rows for rows, _ in seen]
    assert len(reported) > 3 and reported == sorted(reported) and reported[-1] == len(VALUES)
    assert all(count == len(VALUES) for _, count in seen)


@pytest.mark.parametrize("snapshot", [True, False])
def test_an_abandoned_download_frees_the_connection(hostile, snapshot):
    export = export_jobs.export_prepare(filters=ExportFilters(petition_id=hostile.pk), chunk_size=10)
    chunks = export.chunks(snapshot=snapshot)
    next(chunks)
    assert next(chunks)
    chunks.close()  # what a WSGI server's response.close() does when the browser goes away
    with transaction.atomic():
        assert Signature.objects.filter(petition=hostile).count() == len(VALUES)
