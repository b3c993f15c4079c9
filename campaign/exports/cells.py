"""How each cell is written: one formula guard, in Python and in SQL alike."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import NotSupportedError
from django.db.models import Case, CharField, Func, Value, When
from django.db.models.functions import Coalesce
from django.utils import translation
from django_countries import countries

from campaign.petitions import crypto
from campaign.petitions.fields import Sealed
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


def _text(column: str):
    """A column that is not a plain text field, as the text its cell holds."""
    if column.endswith("_at"):
        return Coalesce(UtcIsoText(column), Value(""))
    if column == "keep_updated":
        return _keep_updated_text()
    if column == "country_name":
        return Coalesce(CountryName("country"), Value(""))
    return None


# Names and addresses are encrypted: PostgreSQL holds only ciphertext, so these columns are
# filled in Python as each row is read (export_values, then personal_cells).
PERSONAL_COLUMNS = ("name", "first_name", "email")
# A word ends at a space, a comma or a semicolon: the first name is no first cell of its row, and
# where the list separator is ";" a ";" inside it would start a cell (cells.py, top).
_FIRST_WORD = re.compile(r"[^\s,;]+")


def first_word(name: str) -> str:
    """The name's first word, what a mail merge greets ("" if none)."""
    found = _FIRST_WORD.search(name)
    return found.group() if found else ""


def export_values(*, filters: ExportFilters) -> list:
    """What values_list() selects for each column, every one as text (see format_row); the
    personal columns as their ciphertext, then leave_name_off (see personal_cells)."""
    values = []
    for column in filters.columns:
        if column in ("name", "first_name"):
            values.append(Sealed("name"))
        elif column == "email":
            values.append(Sealed("email"))
        else:
            values.append(_text(column) or column)
    return [*values, "leave_name_off"]


def personal_cells(*, filters: ExportFilters) -> Callable[[tuple], list]:
    """What turns a row of export_values() into the file's cells: names and addresses opened,
    a name left off the delivered list emptied (the row, and so its country, stays), the
    first name its first word."""
    keys = crypto.keyring()
    name_purpose = Signature._meta.get_field("name")._aad
    email_purpose = Signature._meta.get_field("email")._aad
    columns = filters.columns
    name_at = [i for i, c in enumerate(columns) if c == "name"]
    first_at = [i for i, c in enumerate(columns) if c == "first_name"]
    email_at = [i for i, c in enumerate(columns) if c == "email"]
    has_name = bool(name_at or first_at)
    delivery = not filters.contactable
    width = len(columns)

    def cells(row: tuple) -> list:
        out = list(row[:width])
        if has_name:
            sealed = row[(name_at or first_at)[0]]
            name = "" if (delivery and row[width]) or not sealed else keys.decrypt(sealed, name_purpose)
            for i in name_at:
                out[i] = name
            for i in first_at:
                out[i] = first_word(name)
        for i in email_at:
            out[i] = keys.decrypt(out[i], email_purpose) if out[i] else ""
        return out

    return cells


def _keep_updated_text() -> Case:
    return Case(When(keep_updated=True, then=Value("yes")), default=Value("no"), output_field=CharField())
