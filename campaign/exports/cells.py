"""How each cell is written: one formula guard, in Python and in SQL alike."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from django.db import NotSupportedError
from django.db.models import Case, CharField, F, Func, Value, When
from django.db.models.functions import Coalesce
from django.utils import translation
from django_countries import countries

from campaign.petitions.models import Signature

from .filters import ExportFilters

logger = logging.getLogger(__name__)
State = Signature.State


ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
# OWASP "CSV injection": a spreadsheet treats a cell starting with these as a formula. The one
# guard for every CSV the site writes: exports (Python and SQL below) and the admin's audit CSV.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Every cell of every CSV file is quoted. Where the list separator is ";" (German, French,
# Russian, Kazakh Excel), a spreadsheet splits an unquoted cell at each ";" and the apostrophe
# guards only the cell's start: `Eve;=cmd|' /C calc'!A0` would become a formula cell. Inside
# quotes no separator splits anything. COPY does the same with FORCE_QUOTE *.

# A formula trigger right after a ";" or ",": where a spreadsheet splits lines at ";" and the
# cell is not the first of its row, quoting alone does not keep it from starting a cell.
_TRIGGER_AFTER_SEPARATOR = re.compile("(?<=[;,])(?=[" + re.escape("".join(FORMULA_TRIGGERS)) + "])")


def neutralise_lists(text: str) -> str:
    """`neutralise`, and an apostrophe before each trigger right after a ";" or ",": for free
    text that may hold lists (the audit log's CSV)."""
    return neutralise(_TRIGGER_AFTER_SEPARATOR.sub("'", text))


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
        return value.astimezone(UTC).strftime(ISO_UTC)
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


class FirstName(Func):
    """The name's first word, what a mail merge greets; NULL if none. A word ends at a space,
    a comma or a semicolon: the name is the first cell of its row, where a ";" never starts
    a cell, but in a later one it would where the list separator is ";" (cells.py, top).

    With `neutralise` (for COPY), a word starting with = + - or @ gets the apostrophe (no word
    holds a tab or CR). One regex per row: a name starting above every trigger and separator
    needs no second look.
    """

    output_field = CharField()
    WORD = "[^[:space:],;]+"
    RISKY = "^[[:space:],;]*[-=+@]"

    def __init__(self, expression, *, neutralise: bool = False):
        super().__init__(expression)
        self.neutralise = neutralise

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("Exports need PostgreSQL or SQLite.")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        word = f"substring({sql} from %s)"
        if not self.neutralise:
            return word, (*params, self.WORD)
        template = f"CASE WHEN ascii({sql}) > {_ABOVE_TRIGGERS} OR {sql} !~ %s THEN {word} ELSE '''' || {word} END"
        return template, (*params, *params, self.RISKY, *params, self.WORD, *params, self.WORD)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        spaced = f"trim(replace(replace({sql}, ';', ' '), ',', ' '))"
        return f"substr({spaced}, 1, instr({spaced} || ' ', ' ') - 1)", (*params, *params, *params)


class CountryName(Func):
    """The English name of the row's country code, looked up in one constant JSON object
    (a hash-like lookup per row, where a CASE of 250 codes would test each in turn)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("Exports need PostgreSQL or SQLite.")

    @staticmethod
    def _names() -> str:
        with translation.override("en"):
            return json.dumps({code: str(name) for code, name in countries}, ensure_ascii=False)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(%s::jsonb ->> {sql})", (self._names(), *params)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"json_extract(%s, '$.' || {sql})", (self._names(), *params)


def _name(*, delivery: bool):
    """The name column, or in the list for delivery the name as delivered (delivered_name)."""
    return delivered_name() if delivery else "name"


def _text(column: str, *, delivery: bool = False):
    """A column that is not a plain text field, as the text its cell holds."""
    if column == "name" and delivery:
        return delivered_name()
    if column.endswith("_at"):
        return Coalesce(UtcIsoText(column), Value(""))
    if column == "keep_updated":
        return _keep_updated_text()
    if column == "first_name":
        return Coalesce(FirstName(_name(delivery=delivery)), Value(""))
    if column == "country_name":
        return Coalesce(CountryName("country"), Value(""))
    return None


def export_values(*, filters: ExportFilters) -> list:
    """What values_list() selects for each column, every one as text (see format_row)."""
    delivery = not filters.contactable
    return [_text(column, delivery=delivery) or column for column in filters.columns]


def delivered_name() -> Case:
    """The name as the list handed to the authorities holds it: empty for a signer who asked to
    be counted without it (the row, and so its country, stays in the list)."""
    return Case(When(leave_name_off=True, then=Value("")), default=F("name"), output_field=CharField())


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
    delivery = not filters.contactable
    cells = []
    for column in filters.columns:
        if column.endswith("_at") or column in ("keep_updated", "country_name"):
            # Digits, dashes, colons, T and Z; yes or no; a country's name: nothing to
            # neutralise (tests/exports/test_contents.py checks every country). No time is '',
            # not NULL, so that COPY quotes it as the Python writer does.
            cells.append(_text(column))
        elif column == "first_name":
            cells.append(Coalesce(FirstName(_name(delivery=delivery), neutralise=True), Value("")))
        else:
            cells.append(CsvCell(_text(column, delivery=delivery) or column, lf_only=not filters.excel))
    return cells
