"""On PostgreSQL, COPY writes the CSV files: byte for byte what the Python writer writes.

Every comparison is against the Python writer forced explicitly (Export._csv_chunks, the
writer SQLite uses), over the hostile corpus stored as it is, bypassing the form: as names,
as email addresses and in the other text columns, with empty and missing times and every
state, through every audience and both line endings.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from campaign.exports import jobs as export_jobs
from campaign.exports import writers as export_writers
from campaign.exports.filters import ExportFilters
from campaign.petitions.models import Signature
from tests.factories import PetitionFactory
from tests.hostile.corpus import HOSTILE
from tests.hostile.test_inputs import as_text

from .helpers import at, body, download, sign

State = Signature.State
UTC = UTC

# Where the two writers' rules differ or a cell needs work: quoting, empty cells, line
# breaks, formula triggers (and near misses), PostgreSQL's end-of-data marker.
EDGES = [
    "",
    " ",
    "  ",
    "\\.",
    "\\",
    ".",
    '"',
    '""',
    "'",
    ",",
    ",,",
    '","',
    "\r",
    "\n",
    "\r\n",
    "\n\r",
    "\r\r\n",
    "a\rb",
    "a\nb",
    "a\r\nb",
    "a\r",
    "a\n",
    "\ra",
    "\na",
    " a ",
    " =1",
    "'=1",
    "a=1",
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\tx",
    "\x0b=1",
    "\u00a0=1",
    "\u2028",
    "é",
    "=é",
    '"=1"',
    "=1,2",
    "=\r\n",
    'A,"B"\r\nC',
    "\\.\n",
    "\\N",
    "NULL",
    "null",
]
# Every ASCII character (no NUL: PostgreSQL's text cannot hold it) alone, leading, inside, trailing.
ASCII = [form.format(chr(c)) for c in range(1, 128) for form in ("{}", "{}x", "a{}b", "x{}")]
# PostgreSQL text cannot hold NUL; the column sizes cap the rest.
VALUES = list(dict.fromkeys(v for v in [*map(as_text, HOSTILE), *EDGES, *ASCII] if "\x00" not in v))
STATES = [State.CONFIRMED, State.PENDING, State.SUSPICIOUS, State.REJECTED]
TIMES = [
    None,
    datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Almaty")),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.fixture
def hostile_petition(postgres):
    petition = PetitionFactory(slug="hostile")
    rows = []
    for value in VALUES:
        # Each value once as a name, once as an address; the short columns get its start.
        for column in ("name", "email"):
            n = len(rows)
            rows.append(
                Signature(
                    petition=petition,
                    name=value[:100] if column == "name" else f"Plain {n}",
                    email=value[:254] if column == "email" else f"row{n}@example.org",
                    email_canonical=f"row{n}@example.org",
                    email_domain="example.org",
                    country=value[:2] if n % 7 == 0 else "KZ",
                    language=value[:10] if n % 5 == 0 else "en",
                    consent_version=value[:40] if n % 3 == 0 else "2026-11-27",
                    keep_updated=n % 4 != 3,
                    state=STATES[n % len(STATES)],
                    confirmed_at=TIMES[n % len(TIMES)],
                )
            )
    created = Signature.objects.bulk_create(rows)
    # signed_at is stamped on insert; spread it over the days and the odd instants.
    for n, row in enumerate(created):
        signed = TIMES[1 + n % (len(TIMES) - 1)]
        row.signed_at = signed + timedelta(hours=n % 50) if signed.year == 2026 else signed
    Signature.objects.bulk_update(created, ["signed_at"])
    return petition


def python_writer(filters: ExportFilters, chunk_size: int) -> bytes:
    export = export_jobs.export_prepare(filters=filters, chunk_size=chunk_size)
    with transaction.atomic():
        data = b"".join(export._csv_chunks(None))
    assert export.rows_written == export.count
    return data


def copy_writer(filters: ExportFilters, chunk_size: int, monkeypatch, **options) -> tuple[bytes, export_writers.Export]:
    export = export_jobs.export_prepare(filters=filters, chunk_size=chunk_size)
    assert export.uses_copy()
    with monkeypatch.context() as patched:
        # Proof that the bytes below come from COPY, not from the writer they are compared with.
        patched.setattr(export_writers.Export, "_csv_chunks", lambda *a, **k: pytest.fail("the Python writer ran"))
        data = b"".join(export.chunks(**options))
    return data, export


FILTERS = [
    {"contactable": contactable, "excel": excel, "states": tuple(s.value for s in STATES)}
    for contactable in (True, False)
    for excel in (False, True)
] + [
    {
        "contactable": False,
        "excel": False,
        "states": ("pending", "rejected"),
        "country": "KZ",
        "since": at(3).date(),
        "until": at(4).date(),
    },
    {"contactable": True, "excel": True, "states": ("confirmed",), "country": "KZ", "since": at(2).date()},
]


@pytest.mark.services
@pytest.mark.parametrize("options", FILTERS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items() if k != "states"))
@pytest.mark.parametrize("chunk_size", [7, export_writers.DEFAULT_CHUNK_SIZE])
def test_copy_writes_the_same_bytes_as_the_python_writer_for_every_hostile_value(
    hostile_petition, monkeypatch, options, chunk_size
):
    filters = ExportFilters(petition_id=hostile_petition.pk, **options)
    expected = python_writer(filters, chunk_size)
    assert expected.count(b"\n") > 100  # the filters leave plenty of rows to compare
    copied, export = copy_writer(filters, chunk_size, monkeypatch)
    assert copied == expected, _first_difference(copied, expected)
    assert export.rows_written == export.count


@pytest.mark.services
@pytest.mark.parametrize("excel", [False, True])
def test_a_background_job_copies_in_segments_with_progress_between_them(hostile_petition, monkeypatch, excel):
    filters = ExportFilters(
        petition_id=hostile_petition.pk, contactable=False, excel=excel, states=tuple(s.value for s in STATES)
    )
    seen = []

    def progress(rows):
        # A job's callback writes to the database: it must run between COPY statements.
        seen.append((rows, Signature.objects.filter(petition=hostile_petition).count()))

    copied, export = copy_writer(filters, 7, monkeypatch, on_progress=progress, snapshot=False)
    assert copied == python_writer(filters, 7)
    total = export.rows_written
    assert total == export.count and total > 100
    reported = [rows for rows, _ in seen]
    # Several COPY statements (about 50 pieces of 7 rows each), the rows so far after each.
    assert len(reported) > 3 and reported == sorted(reported) and reported[-1] == total
    assert all(count == len(VALUES) * 2 for _, count in seen)


@pytest.mark.services
def test_a_job_file_is_the_page_file_on_postgres(
    organizer_client, organizer, known, exports_media, django_capture_on_commit_callbacks
):
    petition, _ = known
    sign(petition, '=\r\nHYPERLINK("x")', signed=at(3))
    sign(petition, "", signed=at(3))
    filters = ExportFilters(petition_id=petition.pk, contactable=False)
    from_page = body(download(organizer_client, petition, audience="delivery"))
    # Run here, not through the broker: nothing is published.
    with django_capture_on_commit_callbacks(execute=False):
        job = export_jobs.export_job_create(owner=organizer, filters=filters, total_rows=0)
    assert export_jobs.export_job_run(job_id=job.pk, chunk_size=2) == "done"
    job.refresh_from_db()
    assert job.rows_written == 7
    assert (exports_media / job.file_path).read_bytes() == from_page


@pytest.mark.services
def test_copy_works_under_the_debug_cursor_and_is_logged_with_its_filters(hostile_petition, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filters = ExportFilters(
        petition_id=hostile_petition.pk, contactable=False, states=("pending",), country="KZ", since=at(2).date()
    )
    expected = python_writer(filters, 50)
    # Capturing queries swaps in Django's debug cursor, as DEBUG=True does.
    with CaptureQueriesContext(connection) as queries:
        copied, _ = copy_writer(filters, 50, monkeypatch)
    assert copied == expected
    [logged] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("COPY")]
    assert "'pending'" in logged and "'KZ'" in logged  # the filters travel as quoted literals


@pytest.mark.services
def test_a_callback_with_a_snapshot_gets_the_python_writer_and_may_query(hostile_petition):
    filters = ExportFilters(petition_id=hostile_petition.pk, contactable=False, states=("confirmed",))
    export = export_jobs.export_prepare(filters=filters, chunk_size=50)
    counts = []
    data = b"".join(export.chunks(on_progress=lambda rows: counts.append(Signature.objects.count())))
    assert data == python_writer(filters, 50)
    assert counts and export.rows_written == export.count


@pytest.mark.services
@pytest.mark.parametrize("snapshot", [True, False])
def test_an_abandoned_download_cancels_its_copy_and_frees_the_connection(petition, postgres, snapshot):
    for n in range(25):
        sign(petition, f"Supporter {n:02d}")
    export = export_jobs.export_prepare(filters=ExportFilters(petition_id=petition.pk), chunk_size=10)
    chunks = export.chunks(snapshot=snapshot)
    next(chunks)
    assert next(chunks).count(b"\n") == 10
    # What a WSGI server's response.close() does when the browser goes away. Until then the
    # connection is busy with the COPY: psycopg would make any query wait for it.
    chunks.close()
    assert Signature.objects.count() == 25


def test_only_csv_on_postgresql_is_written_by_copy(petition):
    from django.db import connection

    for file_format, excel in (("csv", False), ("csv", True), ("xlsx", False)):
        filters = ExportFilters(petition_id=petition.pk, file_format=file_format, excel=excel)
        export = export_jobs.export_prepare(filters=filters)
        assert export.uses_copy() == (file_format == "csv" and connection.vendor == "postgresql")


def _first_difference(a: bytes, b: bytes) -> str:
    at_byte = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"first difference at byte {at_byte}: COPY {a[at_byte - 60 : at_byte + 60]!r} vs Python {b[at_byte - 60 : at_byte + 60]!r}"
