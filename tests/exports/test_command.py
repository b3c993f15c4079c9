"""`manage.py export_supporters`: the page's files, from the command line."""

import io
import os

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from campaign.petitions.models import AuditEntry

from .helpers import body, download, names, parse_csv


def run(*args) -> tuple[bytes, str]:
    """Run the command with stdout captured as bytes; return (stdout, stderr)."""
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    stderr = io.StringIO()
    call_command("export_supporters", *args, stdout=stdout, stderr=stderr)
    stdout.flush()
    return raw.getvalue(), stderr.getvalue()


@pytest.mark.parametrize(
    ("page", "command"),
    [
        ({}, []),
        ({"file_format": "csv-excel"}, ["--excel"]),
        (
            {"country": "DE", "since": "2026-03-02", "until": "2026-03-08"},
            ["--country", "DE", "--since", "2026-03-02", "--until", "2026-03-08"],
        ),
        (
            {"audience": "delivery", "states": ["confirmed", "pending"]},
            ["--all-supporters", "--state", "confirmed", "--state", "pending"],
        ),
        (
            {"audience": "delivery", "country": "FR", "file_format": "csv-excel"},
            ["--all-supporters", "--country", "fr", "--excel"],
        ),
    ],
)
def test_command_and_page_give_byte_identical_files(organizer_client, known, tmp_path, page, command):
    petition, _ = known
    from_page = body(download(organizer_client, petition, **page))
    target = tmp_path / "supporters.csv"
    run("--petition", petition.slug, "--output", str(target), *command)
    assert target.read_bytes() == from_page
    assert from_page.count(b"\n") >= 1


def test_command_and_page_give_the_same_xlsx_cells(organizer_client, known, tmp_path):
    petition, _ = known
    from_page = body(download(organizer_client, petition, audience="delivery", file_format="xlsx"))
    target = tmp_path / "supporters.xlsx"
    run("--petition", petition.slug, "--all-supporters", "--format", "xlsx", "-o", str(target))

    def cells(source):
        return list(load_workbook(source, read_only=True).active.iter_rows(values_only=True))

    assert cells(target) == cells(io.BytesIO(from_page))
    assert len(cells(target)) == 6


def test_command_writes_to_stdout_and_reports_on_stderr(known):
    petition, rows = known
    out, err = run("--petition", petition.slug, "--country", "DE", "--since", "2026-03-02", "--until", "2026-03-08")
    assert names(out) == ["Aigerim Bekova"]
    assert parse_csv(out)[0]["email"] == rows["aigerim"].email
    assert err.strip() == "Wrote 1 rows (csv) to -."
    assert "Aigerim" not in err and "@" not in err


def test_command_file_is_private_to_the_operator_and_leaves_no_partial_file(known, tmp_path):
    petition, _ = known
    target = tmp_path / "out.csv"
    run("--petition", petition.slug, "-o", str(target))
    assert oct(os.stat(target).st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_command_may_export_every_state_and_records_itself_in_the_audit_log(known):
    petition, _ = known
    out, _ = run("--petition", petition.slug, "--all-supporters", "--state", "rejected", "--state", "suspicious")
    assert sorted(names(out)) == ["Held Person", "Rejected Person"]
    entry = AuditEntry.objects.get()
    assert entry.actor is None and entry.actor_label == "system" and entry.details["operator"]
    assert entry.action == "supporters_export" and entry.count == 2 and entry.petition == petition
    assert entry.details["route"] == "command"
    assert entry.details["states"] == ["suspicious", "rejected"] and entry.details["contactable"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--petition", "nope"], "No petition with the slug 'nope'."),
        (["--petition", "free-them", "--country", "XX"], "Unknown country code."),
        (["--petition", "free-them", "--since", "2026-03-09", "--until", "2026-03-01"], "start date is after"),
        (["--petition", "free-them", "--since", "yesterday"], "is not a date"),
        (["--petition", "free-them", "--state", "deleted"], "invalid choice"),
        (["--petition", "free-them", "--contactable", "--all-supporters"], "not allowed with"),
        (["--petition", "free-them", "-o", "/no/such/folder/x.csv"], "does not exist"),
    ],
)
def test_command_refuses_bad_input_with_a_clear_message(known, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not AuditEntry.objects.exists()
