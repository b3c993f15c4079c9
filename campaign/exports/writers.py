"""Writing an export: csv and xlsx in Python, names and addresses decrypted as rows stream by.

PostgreSQL's COPY wrote CSV files until names and addresses were encrypted: the database holds
only ciphertext, and opening it there would hand it the key (in its logs, its statements).
Rows come from a server-side cursor in pieces of chunk_size, so memory stays flat."""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from campaign.petitions.models import Petition, Signature

from .cells import export_values, format_row, personal_cells
from .filters import ExportFilters, export_queryset

logger = logging.getLogger(__name__)
State = Signature.State


# Every cell of every CSV file is quoted (see cells.py).
QUOTE_ALL = csv.QUOTE_ALL
DEFAULT_CHUNK_SIZE = 2000
BOM = "\ufeff"


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
        stamp = (when or timezone.now()).astimezone(UTC).strftime("%Y%m%d-%H%M")
        return f"{self.petition.slug}-{kind}-{stamp}.{self.filters.extension}"

    def _rows(self) -> Iterator[list]:
        """Each row's cells as text, names and addresses decrypted."""
        cells = personal_cells(filters=self.filters)
        rows = (
            export_queryset(filters=self.filters)
            .values_list(*export_values(filters=self.filters))
            .iterator(chunk_size=self.chunk_size)
        )
        return map(cells, rows)

    def chunks(self, *, on_progress: ProgressCallback | None = None, snapshot: bool = True) -> Iterator[bytes]:
        """The file, piece by piece: the header at once, then one piece per batch of rows.

        With snapshot (the page and the command), the rows are read in one transaction and
        one statement, so the file is one consistent picture. A background job passes False
        so that its progress updates are visible while it runs (outside a transaction the
        server-side cursor is held across commits, so on_progress may write).
        """
        if snapshot:
            with transaction.atomic():
                yield from self._chunks(on_progress, snapshot=True)
        else:
            yield from self._chunks(on_progress, snapshot=False)

    def _chunks(self, on_progress: ProgressCallback | None, *, snapshot: bool) -> Iterator[bytes]:
        if self.filters.file_format == "csv":
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

    def _csv_chunks(self, on_progress: ProgressCallback | None) -> Iterator[bytes]:
        """The CSV file written in Python, row by row."""
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
        columns = self.filters.columns
        for letter, column in zip("ABCDEFGHIJK", columns, strict=False):
            sheet.column_dimensions[letter].width = 34 if column in ("name", "email", "country_name") else 20
        sheet.append(list(columns))
        # Times are real dates (UTC, given a date format by openpyxl) that a spreadsheet sorts
        # and filters, not text.
        times = [i for i, column in enumerate(columns) if column.endswith("_at")]
        for row in self._rows():
            # XML cannot carry most control characters; drop them rather than fail the export.
            cells: list = [ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in format_row(row)]
            for i in times:
                cells[i] = datetime.fromisoformat(cells[i].removesuffix("Z")) if cells[i] else None
            sheet.append(cells)
            self.rows_written += 1
            if on_progress and self.rows_written % self.chunk_size == 0:
                on_progress(self.rows_written)
        workbook.save(out)
        if on_progress:
            on_progress(self.rows_written)
