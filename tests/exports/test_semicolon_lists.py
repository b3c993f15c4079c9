"""Export files opened where a spreadsheet's list separator is ";" (German, French, Russian,
Kazakh Excel), and the files' place on disk.

Every cell is quoted, so a ";" inside a name never starts a cell of its own: no cell of a
file read with ";" as the delimiter begins with a formula trigger, whichever writer wrote it
(COPY on PostgreSQL, Python elsewhere) and whichever route asked (page, command, job).
"""

import csv
import io
import os
import stat

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign.exports import cells as export_cells
from campaign.petitions.models import ExportJob

from .helpers import at, body, download, sign

SEMICOLON_NAME = "Eve;=cmd|' /C calc'!A0"
OTHER_NAMES = ["Ann;+1+1", "Bob; -2+3", "Cy;@SUM(1)", "Di;\t=1", "Ed,;=1"]


def cells_with_semicolons(data: bytes) -> list[str]:
    text = data.decode("utf-8").removeprefix("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row]


def assert_no_formula_cell(data: bytes) -> None:
    cells = cells_with_semicolons(data)
    assert any(SEMICOLON_NAME.split(";")[0] in cell for cell in cells)  # the row is there
    formulas = [cell for cell in cells if cell.startswith(export_cells.FORMULA_TRIGGERS)]
    assert formulas == []


@pytest.fixture
def semicolon_petition(petition):
    for name in [SEMICOLON_NAME, *OTHER_NAMES]:
        sign(petition, name, signed=at(2))
    return petition


@pytest.mark.parametrize("file_format", ["csv", "csv-excel"])
@pytest.mark.parametrize("audience", ["contactable", "delivery"])
def test_page_export_read_with_semicolons_has_no_formula_cell(
    organizer_client, semicolon_petition, file_format, audience
):
    data = body(download(organizer_client, semicolon_petition, file_format=file_format, audience=audience))
    assert_no_formula_cell(data)


@pytest.mark.parametrize("excel", [[], ["--excel"]])
def test_command_export_read_with_semicolons_has_no_formula_cell(semicolon_petition, tmp_path, excel):
    target = tmp_path / "supporters.csv"
    call_command(
        "export_supporters",
        "--petition",
        semicolon_petition.slug,
        "--output",
        str(target),
        *excel,
        stderr=io.StringIO(),
    )
    assert_no_formula_cell(target.read_bytes())


def test_the_audit_log_csv_read_with_semicolons_has_no_formula_cell(client, semicolon_petition):
    from campaign.moderation import audit
    from campaign.petitions.models import AuditEntry
    from tests.factories import UserFactory

    admin = UserFactory(username="auditor", is_superuser=True, is_staff=True)
    audit.audit_record(actor=admin, action="signatures_reject", details={"reason": SEMICOLON_NAME})
    client.force_login(admin)
    response = client.post(
        reverse("admin:petitions_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": list(AuditEntry.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 200
    assert_no_formula_cell(body(response))


def test_background_export_files_are_readable_by_their_owner_only(
    organizer_client, semicolon_petition, exports_media, settings, django_capture_on_commit_callbacks
):
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 1
    old_umask = os.umask(0o022)  # the usual umask, which would leave a new file world-readable
    try:
        with django_capture_on_commit_callbacks(execute=True):
            download(organizer_client, semicolon_petition)
    finally:
        os.umask(old_umask)
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.DONE
    path = exports_media / job.file_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert_no_formula_cell(path.read_bytes())
