"""Nothing in an export that a spreadsheet runs: every hostile name and address the form
accepts goes through the CSV (plain and for Excel) and XLSX exports as inert text."""

import csv
import io

from django.db.models import F
from openpyxl import load_workbook

from campaign.exports import filters as export_filters
from campaign.exports import jobs as export_jobs
from campaign.petitions import services
from campaign.petitions.forms import SignatureForm
from campaign.petitions.models import Signature

from .corpus import HOSTILE
from .test_inputs import VALID, as_text

# What makes a spreadsheet evaluate a cell (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def sign_everything_the_form_accepts(petition) -> int:
    signed = 0
    for i, value in enumerate(HOSTILE):
        for field in ("name", "email"):
            data = {**VALID, "email": f"export-{field}-{i}@example.org", field: as_text(value)}
            form = SignatureForm(data)
            if not form.is_valid():
                continue
            c = form.cleaned_data
            services.signature_create(
                petition=petition, name=c["name"], email=c["email"], country=c["country"], keep_updated=True
            )
            signed += 1
    # Confirmed, so that the default export (confirmed supporters who may be contacted) has them all.
    Signature.objects.update(state=Signature.State.CONFIRMED, confirmed_at=F("signed_at"))
    return signed


def export(petition, **filters) -> bytes:
    out = io.BytesIO()
    prepared = export_jobs.export_prepare(filters=export_filters.ExportFilters(petition_id=petition.pk, **filters))
    prepared.write_to(out)
    return out.getvalue()


def test_no_hostile_name_or_address_becomes_a_formula_in_any_export_format(petition):
    assert sign_everything_the_form_accepts(petition) > 100
    signed = Signature.objects.count()  # fewer: some addresses in the corpus are one person
    findings = []
    for excel in (False, True):
        text = export(petition, file_format="csv", excel=excel).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == signed + 1, "one row per signature, however hostile the name"
        for row in rows[1:]:
            findings += [f"CSV (excel={excel}): {cell[:50]!r}" for cell in row if cell.startswith(FORMULA_START)]
    sheet = load_workbook(io.BytesIO(export(petition, file_format="xlsx")), read_only=True).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == signed
    for row in rows:
        for cell in row:
            if cell.data_type == "f" or str(cell.value or "").startswith(FORMULA_START):
                findings.append(f"XLSX: {str(cell.value)[:50]!r}")
    assert not findings, "\n".join(findings[:40])
