"""Exports of supporter lists: which rows, how each cell is written, and the files.

The export page, the Celery task and `manage.py export_supporters` all go through
`export_prepare` and `Export.chunks()`/`Export.write_to()`, so every route writes the same
bytes for the same filters. On PostgreSQL a CSV file is written by the database itself
(`COPY (SELECT ...) TO STDOUT`, streamed row by row), with every cell already in its final
text: byte for byte what the Python writer gives, several times faster. Elsewhere (SQLite)
and for XLSX, rows are read with `values_list(...).iterator(chunk_size=…)` and written in
Python. Either way memory stays flat whatever the list size.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from datetime import timezone as dt_timezone
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import NotSupportedError, connections, transaction
from django.db.models import Case, CharField, Count, Func, Max, Min, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_countries import countries

from . import moderation
from .models import AuditEntry, ExportJob, Petition, Signature

logger = logging.getLogger(__name__)
State = Signature.State

FORMATS = ("csv", "xlsx")
# Every organizer may export these; suspicious and rejected rows need export_all_states.
ORGANIZER_STATES = (State.CONFIRMED, State.PENDING)
ALL_STATES = (State.CONFIRMED, State.PENDING, State.SUSPICIOUS, State.REJECTED)
ALL_STATES_PERMISSION = "petitions.export_all_states"
EXPORT_PERMISSION = "petitions.export_supporters"

# Header names are fixed, not translated: mailing tools map columns by these names.
CONTACT_COLUMNS = (
    "name", "email", "country", "signed_at", "confirmed_at", "keep_updated", "consent_version", "language", "state",
)
# The whole-list export for delivery carries no email addresses.
DELIVERY_COLUMNS = tuple(c for c in CONTACT_COLUMNS if c != "email")

# OWASP "CSV injection": a spreadsheet treats a cell starting with these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Every cell of every CSV file is quoted. Where the list separator is ";" (German, French,
# Russian, Kazakh Excel), a spreadsheet splits an unquoted cell at each ";" and the apostrophe
# guards only the cell's start: `Eve;=cmd|' /C calc'!A0` would become a formula cell. Inside
# quotes no separator splits anything. COPY does the same with FORCE_QUOTE *.
QUOTE_ALL = csv.QUOTE_ALL
DEFAULT_CHUNK_SIZE = 2000
# A background job's CSV is written by one COPY per this many pieces (about; see _segments),
# its progress recorded between them: each statement costs, a call per piece would be slow.
SEGMENT_CHUNKS = 50
# The export task's hard time limit, well below the broker's visibility timeout (3600 s).
JOB_TIME_LIMIT = 1800
EXPORT_DIR = "exports"
BOM = "\ufeff"
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
# The audit log's names for an export and for fetching a prepared file.
EXPORT_ACTION = "supporters_export"
DOWNLOAD_ACTION = "supporters_export_download"


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    """What to export and how. Validated on creation; equal filters give equal files."""

    petition_id: int
    states: tuple[str, ...] = (State.CONFIRMED.value,)
    # True: only supporters who agreed to be kept updated, with email (a contact list).
    # False: every supporter, without email (the list handed over on delivery).
    contactable: bool = True
    country: str = ""
    since: date | None = None
    until: date | None = None
    file_format: str = "csv"
    # CSV only: a UTF-8 byte-order mark and CRLF line ends, which Excel needs to read UTF-8.
    excel: bool = False

    def __post_init__(self):
        wanted = {str(s) for s in self.states}
        unknown = wanted - {s.value for s in ALL_STATES}
        if not wanted or unknown:
            raise ValueError("Choose at least one of the states: " + ", ".join(s.value for s in ALL_STATES))
        # A canonical order, so that the same choice always gives the same file and audit entry.
        object.__setattr__(self, "states", tuple(s.value for s in ALL_STATES if s.value in wanted))
        if self.file_format not in FORMATS:
            raise ValueError("The format must be csv or xlsx.")
        if self.file_format != "csv":
            object.__setattr__(self, "excel", False)
        country = (self.country or "").strip().upper()
        if country and country not in countries:
            raise ValueError("Unknown country code.")
        object.__setattr__(self, "country", country)
        if self.since and self.until and self.since > self.until:
            raise ValueError("The start date is after the end date.")

    @property
    def needs_all_states_permission(self) -> bool:
        return needs_all_states_permission(self.as_json())

    @property
    def columns(self) -> tuple[str, ...]:
        return CONTACT_COLUMNS if self.contactable else DELIVERY_COLUMNS

    @property
    def extension(self) -> str:
        return self.file_format

    def as_json(self) -> dict:
        """The filters as stored in an ExportJob and in the audit log (no personal data)."""
        return {
            "states": list(self.states),
            "contactable": self.contactable,
            "country": self.country,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "format": self.file_format,
            "excel": self.excel,
        }

    @classmethod
    def from_json(cls, *, petition_id: int, data: dict) -> ExportFilters:
        return cls(
            petition_id=petition_id,
            states=tuple(data["states"]),
            contactable=data["contactable"],
            country=data.get("country") or "",
            since=date.fromisoformat(data["since"]) if data.get("since") else None,
            until=date.fromisoformat(data["until"]) if data.get("until") else None,
            file_format=data["format"],
            excel=data.get("excel", False),
        )


def needs_all_states_permission(filters_json: dict) -> bool:
    """Whether stored filters reach beyond what every organizer may export."""
    return any(state not in ORGANIZER_STATES for state in filters_json.get("states", ()))


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, dt_time.min, tzinfo=dt_timezone.utc)


# --- Selectors ------------------------------------------------------------------------------


def export_queryset(*, filters: ExportFilters):
    """The signatures an export contains, in a stable order. Never IP addresses or tokens."""
    rows = Signature.objects.filter(
        petition_id=filters.petition_id, state__in=filters.states, erased_at__isnull=True
    )
    if filters.contactable:
        # Only addresses proven by the confirmation email, whose owner asked for updates
        # (unsubscribing clears keep_updated).
        rows = rows.filter(keep_updated=True, confirmed_at__isnull=False)
    if filters.country:
        rows = rows.filter(country=filters.country)
    # Dates are whole days in UTC, both ends included.
    if filters.since:
        rows = rows.filter(signed_at__gte=_start_of_day(filters.since))
    if filters.until:
        rows = rows.filter(signed_at__lt=_start_of_day(filters.until + timedelta(days=1)))
    return rows.order_by("pk")


def export_count(*, filters: ExportFilters) -> int:
    return export_queryset(filters=filters).count()


def export_jobs_for(*, owner, limit: int = 10) -> list[ExportJob]:
    return list(ExportJob.objects.filter(owner=owner).select_related("petition").order_by("-created_at")[:limit])


def delivery_report(*, petition: Petition) -> dict:
    """The figures handed over with the petition: confirmed signatures, by country."""
    confirmed = Signature.objects.filter(petition=petition, state=State.CONFIRMED, erased_at__isnull=True)
    by_country = [
        {"code": row["country"], "name": countries.name(row["country"]) or row["country"], "count": row["n"]}
        for row in confirmed.values("country").annotate(n=Count("pk")).order_by("-n", "country")
    ]
    return {
        "petition": petition,
        "total": sum(row["count"] for row in by_country),
        "countries": by_country,
        "as_of": timezone.now(),
    }


# --- Cells ----------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would otherwise run as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def format_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).strftime(ISO_UTC)
    return neutralise(str(value))


def format_row(row) -> list[str]:
    try:
        # export_values() has the database hand every cell over as text: one comprehension
        # without a call per cell is what keeps a million rows fast.
        return ["'" + value if value.startswith(FORMULA_TRIGGERS) else value for value in row]
    except AttributeError:  # a value that is not text yet
        return [format_cell(value) for value in row]


class UtcIsoText(Func):
    """A timestamp as ISO 8601 text in UTC, formatted by the database.

    Parsing a timestamp into a Python datetime and formatting it again cost more than
    everything else in a row together; the database does it in C.
    """

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("Exports need PostgreSQL or SQLite.")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql} AT TIME ZONE 'UTC', %s)", (*params, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime(%s, {sql})", (ISO_UTC, *params)


def export_values(*, filters: ExportFilters) -> list:
    """What values_list() selects for each column, every one as text (see format_row)."""
    values = []
    for column in filters.columns:
        if column.endswith("_at"):
            values.append(Coalesce(UtcIsoText(column), Value("")))
        elif column == "keep_updated":
            values.append(_keep_updated_text())
        else:
            values.append(column)
    return values


def _keep_updated_text() -> Case:
    return Case(When(keep_updated=True, then=Value("yes")), default=Value("no"), output_field=CharField())


# ascii() gives the code point of a value's first character (0 for ''): the triggers as numbers.
_TRIGGER_CODES = ", ".join(str(ord(t)) for t in FORMULA_TRIGGERS)
_ABOVE_TRIGGERS = max(ord(t) for t in FORMULA_TRIGGERS)


class CsvCell(Func):
    """A text column as the exact text of its CSV cell, for PostgreSQL's COPY to quote.

    Does in SQL what the Python writer does to a cell: the apostrophe before a formula
    trigger (neutralise), then, with LF line ends, each CRLF and CR made an LF. Never NULL:
    both writers quote every cell (see QUOTE_ALL), and COPY leaves NULL unquoted.

    The first branch is the common cell (it starts above every trigger and, with LF line
    ends, holds no CR): one test of each. The whole transformation on every cell took
    PostgreSQL half as long again as the bare columns; this, a third.
    """

    output_field = CharField()

    def __init__(self, expression, *, lf_only: bool):
        super().__init__(expression)
        self.lf_only = lf_only

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("CSV cells are written by COPY, on PostgreSQL only.")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        plain = f"ascii(<x>) > {_ABOVE_TRIGGERS}"
        cell = f"CASE WHEN ascii(<x>) IN ({_TRIGGER_CODES}) THEN '''' || <x> ELSE <x> END"
        if self.lf_only:
            plain += r" AND strpos(<x>, E'\r') = 0"
            cell = rf"replace(replace({cell}, E'\r\n', E'\n'), E'\r', E'\n')"
        template = f"CASE WHEN {plain} THEN <x> ELSE {cell} END"
        return template.replace("<x>", sql), tuple(params) * template.count("<x>")


def copy_cells(*, filters: ExportFilters) -> list:
    """What COPY selects for each column: the cells of export_values() as the writer leaves them."""
    cells = []
    for column in filters.columns:
        if column.endswith("_at"):
            # Digits, dashes, colons, T and Z: nothing to neutralise. No time is '', not NULL,
            # so that COPY quotes it as the Python writer does.
            cells.append(Coalesce(UtcIsoText(column), Value("")))
        elif column == "keep_updated":
            cells.append(_keep_updated_text())
        else:
            cells.append(CsvCell(column, lf_only=not filters.excel))
    return cells


# --- Writers --------------------------------------------------------------------------------


ProgressCallback = Callable[[int], None]


class Export:
    """One export, its rows counted; write it with chunks() (streaming) or write_to(file)."""

    def __init__(self, *, filters: ExportFilters, petition: Petition, count: int, chunk_size: int = DEFAULT_CHUNK_SIZE):
        self.filters = filters
        self.petition = petition
        self.count = count
        self.chunk_size = chunk_size
        self.rows_written = 0

    @property
    def content_type(self) -> str:
        if self.filters.file_format == "xlsx":
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "text/csv; charset=utf-8"

    def filename(self, *, when: datetime | None = None) -> str:
        kind = "contacts" if self.filters.contactable else "delivery"
        stamp = (when or timezone.now()).astimezone(dt_timezone.utc).strftime("%Y%m%d-%H%M")
        return f"{self.petition.slug}-{kind}-{stamp}.{self.filters.extension}"

    def _rows(self) -> Iterator[tuple]:
        return (
            export_queryset(filters=self.filters)
            .values_list(*export_values(filters=self.filters))
            .iterator(chunk_size=self.chunk_size)
        )

    def chunks(self, *, on_progress: ProgressCallback | None = None, snapshot: bool = True) -> Iterator[bytes]:
        """The file, piece by piece: the header at once, then one piece per batch of rows.

        With snapshot (the page and the command), the rows are read in one transaction and
        one statement, so the file is one consistent picture. A background job passes False
        so that its progress updates are visible while it runs.

        A CSV file on PostgreSQL is written by COPY, during which the connection can run
        nothing else: psycopg would wait for itself forever. So on_progress only ever runs
        between statements: without snapshot the file is written in segments of about
        SEGMENT_CHUNKS pieces, one COPY each, with the rows written so far reported after
        each; with snapshot and a callback, the Python writer reads the rows from a
        server-side cursor instead, as before.
        """
        if snapshot:
            with transaction.atomic():
                yield from self._chunks(on_progress, snapshot=True)
        else:
            yield from self._chunks(on_progress, snapshot=False)

    def _chunks(self, on_progress: ProgressCallback | None, *, snapshot: bool) -> Iterator[bytes]:
        if self.filters.file_format == "csv":
            if self.uses_copy() and not (snapshot and on_progress):
                yield from self._copy_chunks(on_progress, segmented=not snapshot)
            else:
                yield from self._csv_chunks(on_progress)
            return
        # A zip archive cannot be sent before it is complete: build it in a temporary
        # file (openpyxl's write-only mode keeps memory flat), then send the file.
        with tempfile.TemporaryFile() as spool:
            self._write_xlsx(spool, on_progress)
            spool.seek(0)
            while block := spool.read(64 * 1024):
                yield block

    def write_to(self, out, *, on_progress: ProgressCallback | None = None, snapshot: bool = True) -> int:
        """Write the whole file to a binary file object; returns the number of rows."""
        if self.filters.file_format == "xlsx":
            if snapshot:
                with transaction.atomic():
                    self._write_xlsx(out, on_progress)
            else:
                self._write_xlsx(out, on_progress)
        else:
            for chunk in self.chunks(on_progress=on_progress, snapshot=snapshot):
                out.write(chunk)
        return self.rows_written

    def uses_copy(self) -> bool:
        """Whether PostgreSQL can write this file (COPY): any CSV file, on PostgreSQL in UTF-8."""
        if self.filters.file_format != "csv":
            return False
        connection = connections[Signature.objects.db]
        if connection.vendor != "postgresql":
            return False
        connection.ensure_connection()
        # Django asks for UTF8; COPY's bytes are in the client encoding, the file's in UTF-8.
        return connection.connection.info.encoding == "utf-8"

    def _csv_header(self, writer, buffer: io.StringIO) -> bytes:
        """The first piece of a CSV file, the same for both writers."""
        if self.filters.excel:
            buffer.write(BOM)
        writer.writerow(self.filters.columns)
        header = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return header

    def _csv_writer(self) -> tuple:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n" if self.filters.excel else "\n", quoting=QUOTE_ALL)
        return writer, buffer

    def _copy_chunks(self, on_progress: ProgressCallback | None, *, segmented: bool) -> Iterator[bytes]:
        """The CSV file as PostgreSQL writes it (see CsvCell), one piece per chunk_size rows."""
        # The header goes out before the query runs, so the download starts at once.
        yield self._csv_header(*self._csv_writer())
        rows = export_queryset(filters=self.filters)
        if not segmented:
            yield from self._copy(rows)
        else:
            for segment in self._segments(rows):
                yield from self._copy(segment)
                if on_progress:
                    on_progress(self.rows_written)
        if on_progress:
            on_progress(self.rows_written)

    def _segments(self, rows):
        """The rows as ranges of keys holding about SEGMENT_CHUNKS pieces each, in key order.

        Ranges, not "the next n rows": finding where n rows end took another scan of each
        segment. Sized from the count, they are even where the keys are; the first is open
        below and the last above, so a row added or changed since the count is in one.
        """
        span = rows.aggregate(low=Min("pk"), high=Max("pk"))
        if span["low"] is None:
            yield rows
            return
        keys = span["high"] - span["low"] + 1
        width = max(1, keys * self.chunk_size * SEGMENT_CHUNKS // max(self.count, 1))
        bounds = [None, *range(span["low"] + width, span["high"] + 1, width), None]
        for lower, upper in zip(bounds, bounds[1:], strict=False):
            segment = rows if lower is None else rows.filter(pk__gte=lower)
            yield segment if upper is None else segment.filter(pk__lt=upper)

    def _copy(self, rows) -> Iterator[bytes]:
        """One COPY of these rows, in pieces of chunk_size rows."""
        connection = connections[rows.db]
        sql, params = rows.values_list(*copy_cells(filters=self.filters)).query.get_compiler(
            connection=connection
        ).as_sql()
        # Each block is one row: the server sends one CopyData message per row, and psycopg
        # hands over one message at a time. Counting blocks counts rows, embedded line breaks
        # or not. A row ends in the LF of COPY's protocol; for Excel it must end in CRLF.
        crlf = self.filters.excel
        # COPY takes no bound parameters: psycopg quotes them into the statement, client-side,
        # as it would for copy(sql, params), which Django's debug cursor does not accept.
        statement = connection.ops.compose_sql(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)", params)
        with connection.wrap_database_errors, connection.cursor() as cursor:
            with cursor.copy(statement) as copy:
                blocks = iter(copy)
                # islice and join, not a Python loop per row: psycopg's read is then the only
                # per-row cost on this side, and it already takes as long as the server.
                while batch := list(islice(blocks, self.chunk_size)):
                    self.rows_written += len(batch)
                    yield self._join(batch, crlf)

    @staticmethod
    def _join(rows: list, crlf: bool) -> bytes:
        if crlf:
            return b"\r\n".join([row[:-1] for row in rows]) + b"\r\n"
        return b"".join(rows)

    def _csv_chunks(self, on_progress: ProgressCallback | None) -> Iterator[bytes]:
        """The CSV file written in Python, row by row: on SQLite, or for a callback (see chunks)."""
        writer, buffer = self._csv_writer()
        # The header goes out before the query runs, so the download starts at once.
        yield self._csv_header(writer, buffer)
        # The csv module quotes only fields holding a character of the line terminator: with
        # LF lines, a bare CR inside a name would go out unquoted and split the row in a
        # spreadsheet (its second half starting a fresh, unneutralised cell). Make it an LF.
        lf_only = not self.filters.excel
        in_chunk = 0
        for row in self._rows():
            cells = format_row(row)
            if lf_only:
                cells = [c.replace("\r\n", "\n").replace("\r", "\n") if "\r" in c else c for c in cells]
            writer.writerow(cells)
            self.rows_written += 1
            in_chunk += 1
            if in_chunk == self.chunk_size:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                in_chunk = 0
                if on_progress:
                    on_progress(self.rows_written)
        if in_chunk:
            yield buffer.getvalue().encode("utf-8")
        if on_progress:
            on_progress(self.rows_written)

    def _write_xlsx(self, out, on_progress: ProgressCallback | None) -> None:
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        workbook = Workbook(write_only=True)
        workbook.properties.creator = "campaign"
        sheet = workbook.create_sheet(title="supporters")
        sheet.freeze_panes = "A2"
        for letter, column in zip("ABCDEFGHI", self.filters.columns, strict=False):
            sheet.column_dimensions[letter].width = 34 if column in ("name", "email") else 22
        sheet.append(list(self.filters.columns))
        for row in self._rows():
            # XML cannot carry most control characters; drop them rather than fail the export.
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in format_row(row)])
            self.rows_written += 1
            if on_progress and self.rows_written % self.chunk_size == 0:
                on_progress(self.rows_written)
        workbook.save(out)
        if on_progress:
            on_progress(self.rows_written)


# --- Services -------------------------------------------------------------------------------


def async_threshold(*, filters: ExportFilters) -> int:
    """Beyond this many rows the export page hands the export to a background job."""
    if filters.file_format == "xlsx":
        return settings.PETITION_EXPORT_ASYNC_THRESHOLD_XLSX
    return settings.PETITION_EXPORT_ASYNC_THRESHOLD


def export_prepare(*, filters: ExportFilters, chunk_size: int | None = None) -> Export:
    """Count the rows an export will have; nothing is written or recorded yet."""
    petition = Petition.objects.only("slug", "title").get(pk=filters.petition_id)
    return Export(
        filters=filters, petition=petition, count=export_count(filters=filters),
        chunk_size=chunk_size or DEFAULT_CHUNK_SIZE,
    )


def export_audit_record(
    *, export: Export, actor, route: str, job: ExportJob | None = None, extra: dict | None = None
) -> AuditEntry:
    """Record who exported what, with which filters, and how many rows.

    The page and the command record before the first row leaves, with the rows counted
    then, so an interrupted download is on record too; a background job records when its
    file is complete, with the rows written.
    """
    details = {"route": route, **export.filters.as_json(), **(extra or {})}
    if job is not None:
        details["job"] = job.pk
    return moderation.audit_record(
        actor=actor, action=EXPORT_ACTION, petition=export.petition, count=export.count, details=details
    )


def export_start(
    *, filters: ExportFilters, actor, route: str, audit_extra: dict | None = None, chunk_size: int | None = None
) -> Export:
    """Count, record in the audit log, and hand back the export ready to be written."""
    export = export_prepare(filters=filters, chunk_size=chunk_size)
    export_audit_record(export=export, actor=actor, route=route, extra=audit_extra)
    return export


# --- Background jobs ------------------------------------------------------------------------


def _export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR


def export_job_path(job: ExportJob) -> Path | None:
    """The job's file on disk, or None when it has none (any more)."""
    if not job.file_path:
        return None
    root = _export_dir().resolve()
    path = (Path(settings.MEDIA_ROOT) / job.file_path).resolve()
    # file_path is ours, but a download must never read outside the exports folder.
    if root not in path.parents:
        return None
    return path


def _enqueue_job(job_id: int) -> None:
    from .tasks import run_export_job

    def publish():
        try:
            run_export_job.delay(job_id)
        except Exception:  # noqa: BLE001 - the periodic purge re-enqueues queued jobs
            logger.warning("Could not enqueue export job %s; the periodic sweep will.", job_id)

    transaction.on_commit(publish)


def export_job_create(*, owner, filters: ExportFilters, total_rows: int) -> ExportJob:
    """Queue a large export to be written to a file by a worker."""
    job = ExportJob.objects.create(
        owner=owner,
        petition_id=filters.petition_id,
        filters=filters.as_json(),
        file_format=filters.file_format,
        total_rows=total_rows,
    )
    _enqueue_job(job.pk)
    return job


def export_job_run(*, job_id: int, chunk_size: int | None = None) -> str:
    """Write a queued job's file under MEDIA_ROOT/exports/. Idempotent: claims the job first."""
    if not ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(state=ExportJob.State.RUNNING):
        return "not-claimed"
    job = ExportJob.objects.select_related("owner", "petition").get(pk=job_id)
    try:
        filters = ExportFilters.from_json(petition_id=job.petition_id, data=job.filters)
        export = export_prepare(filters=filters, chunk_size=chunk_size)
        ExportJob.objects.filter(pk=job_id).update(total_rows=export.count)
        directory = _export_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # An unguessable name: the download view checks the owner, the name is a second fence.
        name = f"{job.pk}-{secrets.token_hex(12)}.{filters.extension}"
        final = directory / name
        partial = directory / (name + ".part")
        last_update = [0.0]

        def progress(rows: int) -> None:
            now = time.monotonic()
            if now - last_update[0] >= 1.0:
                last_update[0] = now
                ExportJob.objects.filter(pk=job_id).update(rows_written=rows)

        try:
            # Readable by the site's own user only (0600), whatever the process's umask: the
            # file is a list of supporters.
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                export.write_to(out, on_progress=progress, snapshot=False)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(state=ExportJob.State.FAILED, finished_at=timezone.now())
        logger.error("Export job %s failed (%s).", job_id, type(exc).__name__)
        return "failed"
    finished = timezone.now()
    ExportJob.objects.filter(pk=job_id).update(
        state=ExportJob.State.DONE,
        rows_written=export.rows_written,
        total_rows=export.rows_written,
        file_path=f"{EXPORT_DIR}/{name}",
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.PETITION_EXPORT_FILE_HOURS),
    )
    export.count = export.rows_written
    job.refresh_from_db()
    export_audit_record(export=export, actor=job.owner, route="background", job=job)
    return "done"


def export_job_download_record(*, job: ExportJob, actor) -> AuditEntry:
    """A prepared file was fetched: on record next to the export itself."""
    return moderation.audit_record(
        actor=actor,
        action=DOWNLOAD_ACTION,
        petition=job.petition,
        count=job.rows_written,
        details={"route": "download", **job.filters, "job": job.pk},
    )


def export_files_withdraw(*, signature_ids: list[int]) -> int:
    """Delete every prepared export file that may hold one of these signatures, which are
    about to be erased; their jobs' pages then say the file is gone. Returns how many.

    A file records no ids, and a signature's state and consent may have changed since it
    was written, so "may hold" goes by what cannot change: the petition, the country and
    the day it was signed against the job's filters, and a file finished after the signing.
    """
    rows = list(Signature.objects.filter(pk__in=signature_ids).values_list("petition_id", "country", "signed_at"))
    if not rows:
        return 0
    withdrawn = 0
    jobs = ExportJob.objects.filter(
        petition_id__in={petition_id for petition_id, _c, _s in rows}, state=ExportJob.State.DONE
    ).exclude(file_path="")
    for job in jobs:
        country = job.filters.get("country") or ""
        since = date.fromisoformat(job.filters["since"]) if job.filters.get("since") else None
        until = date.fromisoformat(job.filters["until"]) if job.filters.get("until") else None
        if not any(
            petition_id == job.petition_id
            and (not country or str(row_country) == country)
            and (since is None or signed_at >= _start_of_day(since))
            and (until is None or signed_at < _start_of_day(until + timedelta(days=1)))
            and (job.finished_at is None or job.finished_at >= signed_at)
            for petition_id, row_country, signed_at in rows
        ):
            continue
        path = export_job_path(job)
        if path is not None:
            path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_path="")
        withdrawn += 1
    return withdrawn


def export_job_withdrawn(job: ExportJob) -> bool:
    """Whether the job's file was deleted before it expired (an erasure; see export_files_withdraw)."""
    return (
        job.state == ExportJob.State.DONE and not job.file_path
        and job.expires_at is not None and job.expires_at > timezone.now()
    )


def export_files_purge() -> dict[str, int]:
    """Delete expired export files, fail jobs whose worker died, re-enqueue lost jobs.

    Run by beat; files live for PETITION_EXPORT_FILE_HOURS (a day) after they are written.
    """
    now = timezone.now()
    Job = ExportJob
    deleted = 0
    for job in Job.objects.filter(state=Job.State.DONE, expires_at__lte=now).exclude(file_path="").iterator():
        path = export_job_path(job)
        if path is not None:
            path.unlink(missing_ok=True)
            deleted += 1
        Job.objects.filter(pk=job.pk).update(file_path="")
    # A job still running long after the task's hard time limit lost its worker.
    stale_before = now - timedelta(seconds=6 * JOB_TIME_LIMIT)
    failed = Job.objects.filter(state=Job.State.RUNNING, created_at__lt=stale_before).update(
        state=Job.State.FAILED, finished_at=now
    )
    # Files no job points to any more (a crash between writing and recording, or leftovers).
    directory = _export_dir()
    keep = set(
        Job.objects.exclude(file_path="").filter(Q(expires_at__gt=now) | Q(expires_at__isnull=True))
        .values_list("file_path", flat=True)
    )
    orphans = 0
    if directory.is_dir():
        # Unchanged for this long: not a file a running job is still writing.
        cutoff = time.time() - 2 * JOB_TIME_LIMIT
        for entry in directory.iterdir():
            if f"{EXPORT_DIR}/{entry.name}" in keep or not entry.is_file():
                continue
            if entry.stat().st_mtime < cutoff:
                entry.unlink(missing_ok=True)
                orphans += 1
    # Jobs the broker lost (Redis down when they were queued); claiming makes repeats harmless.
    requeued = 0
    for job_id in Job.objects.filter(state=Job.State.QUEUED, created_at__lt=now - timedelta(minutes=5)).values_list(
        "pk", flat=True
    ):
        _enqueue_job(job_id)
        requeued += 1
    return {"files_deleted": deleted, "jobs_failed": failed, "orphans_deleted": orphans, "jobs_requeued": requeued}


