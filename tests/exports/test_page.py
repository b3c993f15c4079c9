"""The export page: choosing, counting, downloading as a stream, the audit trail, access."""

import html

import pytest
from django.urls import reverse

from campaign.exports import writers
from campaign.petitions.models import AuditEntry, ExportJob
from tests.factories import UserFactory

from .helpers import at, body, download, form_data, names, parse_csv, sign, staff_user


def test_page_defaults_to_confirmed_contact_list_and_hides_admin_states_from_organizers(organizer_client, known):
    response = organizer_client.get(reverse("exports:start"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["petition"].value() == "free-them"
    assert form["states"].value() == ["confirmed"]
    assert form["audience"].value() == "contactable"
    assert [value for value, _ in form.fields["states"].choices] == ["confirmed", "pending"]
    html = response.content.decode()
    assert "Whole list for delivery" in html and "without email addresses" in html


def test_administrators_may_choose_held_and_rejected_states(client, administrator, known):
    client.force_login(administrator)
    form = client.get(reverse("exports:start")).context["form"]
    assert [value for value, _ in form.fields["states"].choices] == ["confirmed", "pending", "suspicious", "rejected"]


def test_counting_shows_the_number_of_rows_before_the_download(organizer_client, known):
    petition, _ = known
    query = form_data(petition, country="DE", since="2026-03-02", until="2026-03-08")
    response = organizer_client.get(reverse("exports:start"), query)
    assert response.status_code == 200
    assert response.context["count"] == 1
    html = response.content.decode()
    assert "This export will have 1 row." in html
    assert f'action="{reverse("exports:download")}"' in html
    # The counted filters travel with the download button.
    assert 'type="hidden" name="since" value="2026-03-02"' in html
    assert not AuditEntry.objects.exists()  # counting exports nothing


def test_counting_more_than_the_threshold_announces_a_background_file(organizer_client, known, settings):
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 2
    petition, _ = known
    html = organizer_client.get(reverse("exports:start"), form_data(petition)).content.decode()
    assert "prepared in the background" in html and "Prepare the file" in html


def test_bad_dates_get_a_clear_message_and_400(organizer_client, known):
    petition, _ = known
    response = organizer_client.get(
        reverse("exports:start"), form_data(petition, since="2026-03-09", until="2026-03-01")
    )
    assert response.status_code == 400
    assert "The first day is after the last day." in response.content.decode()
    response = download(organizer_client, petition, since="not a date")
    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_organizer_cannot_export_rejected_or_held_signatures(organizer_client, known):
    petition, _ = known
    response = download(organizer_client, petition, states=["confirmed", "rejected"])
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_download_is_a_streaming_attachment(organizer_client, known):
    petition, _ = known
    response = download(organizer_client, petition)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="free-them-contacts-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert "no-store" in response["Cache-Control"]


def test_rows_come_out_batch_by_batch_before_the_query_is_exhausted(organizer_client, petition, monkeypatch):
    monkeypatch.setattr(writers, "DEFAULT_CHUNK_SIZE", 10)
    for n in range(25):
        sign(petition, f"Supporter {n:02d}", signed=at(2))
    response = download(organizer_client, petition)
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b'"name","first_name","email",')  # the header, before any row is read
    first_batch = next(chunks)
    assert first_batch.count(b"\n") == 10  # ten rows out while fifteen are still unread
    rest = b"".join(chunks)
    assert len(names(b'"name","first_name","email"\n' + first_batch + rest)) == 25


@pytest.mark.services
@pytest.mark.parametrize("file_format", ["csv", "csv-excel"])
def test_postgres_streams_the_file_from_a_cursor_that_is_still_open(
    client, organizer, petition, postgres, monkeypatch, file_format
):
    monkeypatch.setattr(writers, "DEFAULT_CHUNK_SIZE", 10)
    for n in range(25):
        sign(petition, f"Supporter {n:02d}", signed=at(2))
    client.force_login(organizer)
    response = download(client, petition, file_format=file_format)
    chunks = iter(response.streaming_content)
    next(chunks)
    assert next(chunks).count(b"\n") == 10
    # The server-side cursor is still being read: the rest has not been fetched into memory.
    with postgres.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 1
    assert len(names(b"name\n" + b"".join(chunks))) == 15
    with postgres.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 0
    assert AuditEntry.objects.count() == 1


def test_each_download_is_in_the_audit_log_with_who_which_filters_and_how_many(organizer_client, organizer, known):
    petition, _ = known
    download(organizer_client, petition, country="DE", since="2026-03-02", until="2026-03-08", file_format="csv-excel")
    entry = AuditEntry.objects.get()
    assert entry.actor == organizer and entry.actor_label == "organizer"
    assert entry.action == "supporters_export" and entry.petition == petition and entry.count == 1
    assert entry.details == {
        "route": "page",
        "states": ["confirmed"],
        "contactable": True,
        "country": "DE",
        "since": "2026-03-02",
        "until": "2026-03-08",
        "format": "csv",
        "excel": True,
    }
    assert entry.created_at is not None


def test_delivery_report_shows_the_text_the_confirmed_total_and_counts_by_country(organizer_client, known):
    petition, _ = known
    response = organizer_client.get(reverse("exports:report", kwargs={"slug": petition.slug}))
    assert response.status_code == 200
    assert response.context["total"] == 5  # confirmed and not erased, whatever the contact choice
    assert [(c["name"], c["count"]) for c in response.context["countries"]] == [("Germany", 4), ("France", 1)]
    html = response.content.decode()
    assert "Release everyone arbitrarily detained." in html
    assert "exports/report.css" in html and "<style" not in html and " style=" not in html


def test_report_for_a_missing_petition_is_404(organizer_client, db):
    assert organizer_client.get(reverse("exports:report", kwargs={"slug": "nope"})).status_code == 404


ROUTES = [
    ("get", "exports:start", {}),
    ("post", "exports:download", {}),
    ("get", "exports:job", {"pk": 1}),
    ("get", "exports:job-file", {"pk": 1}),
    ("get", "exports:report", {"slug": "free-them"}),
]


@pytest.mark.parametrize(("method", "name", "kwargs"), ROUTES)
def test_every_route_sends_anonymous_visitors_to_the_staff_login(client, known, method, name, kwargs):
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(("method", "name", "kwargs"), ROUTES)
def test_every_route_refuses_staff_without_the_export_permission(client, known, method, name, kwargs):
    client.force_login(staff_user("moderate_signature"))
    assert getattr(client, method)(reverse(name, kwargs=kwargs), form_data(known[0])).status_code == 403
    assert not AuditEntry.objects.exists() and not ExportJob.objects.exists()


def test_a_non_staff_account_with_the_permission_still_cannot_export(client, known):
    client.force_login(staff_user("export_supporters", is_staff=False))
    response = download(client, known[0])
    assert response.status_code == 302 and not AuditEntry.objects.exists()


def test_export_page_only_answers_get_and_download_only_post(organizer_client, known):
    assert organizer_client.post(reverse("exports:start")).status_code == 405
    assert organizer_client.get(reverse("exports:download")).status_code == 405


def test_an_organizer_downloads_germany_this_week_as_a_new_user_would(organizer_client, organizer, known):
    """The issue's "done": find the page, count, download, open; the administrator sees it logged."""
    petition, rows = known
    home = organizer_client.get(reverse("admin:index"))
    assert f'href="{reverse("exports:start")}"' in home.content.decode()  # found from the staff home page
    page = organizer_client.get(reverse("exports:start"))
    assert "Export supporters" in page.content.decode()
    query = form_data(petition, country="DE", since="2026-03-02", until="2026-03-08", file_format="csv-excel")
    counted = organizer_client.get(reverse("exports:start"), query)
    assert counted.context["count"] == 1
    data = body(organizer_client.post(reverse("exports:download"), query))
    assert data.startswith(b"\xef\xbb\xbf")
    assert parse_csv(data)[0]["email"] == rows["aigerim"].email
    assert AuditEntry.objects.filter(action="supporters_export", actor=organizer, count=1).exists()
    organizer_client.force_login(UserFactory(groups=["Administrator"]))
    log = html.unescape(organizer_client.get(reverse("admin:petitions_auditentry_changelist")).content.decode())
    assert "organizer" in log and "contact list · confirmed · DE · 2026-03-02 – 2026-03-08 · CSV for Excel" in log


def test_report_print_sheet_names_the_campaign_whatever_its_title_holds(organizer_client, known):
    petition, _rows = known
    petition.title = 'Free "them" } @page { x'
    petition.save()
    response = organizer_client.get(reverse("exports:report-print-css", kwargs={"slug": petition.slug}))
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert css.count("{") == 2 and css.count("}") == 2 and css.count('"') == 2
    assert "@top-left" in css and "Free" in css
