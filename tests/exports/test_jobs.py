"""Large exports: a background file, its progress, a link for its owner only, expiry and purge."""

import os
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.exports import filters as export_filters
from campaign.exports import jobs as export_jobs
from campaign.petitions.models import AuditEntry, ExportJob

from .helpers import body, download, names, staff_user


@pytest.fixture
def large(settings, exports_media):
    """Make the known data "large": anything above two rows goes to the background."""
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 2
    settings.PETITION_EXPORT_ASYNC_THRESHOLD_XLSX = 2
    return exports_media


def start_job(client, petition, capture, **filters) -> ExportJob:
    with capture(execute=True):
        response = download(client, petition, **filters)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", kwargs={"pk": job.pk})
    return job


def test_large_export_is_written_in_the_background_and_downloaded_by_its_owner(
    organizer_client, organizer, known, large, django_capture_on_commit_callbacks, settings
):
    petition, _ = known
    job = start_job(organizer_client, petition, django_capture_on_commit_callbacks, file_format="csv-excel")
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.rows_written == job.total_rows == 3
    assert job.expires_at - job.finished_at == timedelta(hours=24)
    assert job.file_path.startswith("exports/") and (large / job.file_path).is_file()

    page = organizer_client.get(reverse("exports:job", kwargs={"pk": job.pk}))
    assert "Download the file" in page.content.decode() and 'http-equiv="refresh"' not in page.content.decode()
    listed = organizer_client.get(reverse("exports:start")).content.decode()
    assert reverse("exports:job", kwargs={"pk": job.pk}) in listed

    response = organizer_client.get(reverse("exports:job-file", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="free-them-contacts-')
    data = body(response)
    # The same bytes the page streams below the threshold.
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 1000
    assert data == body(download(organizer_client, petition, file_format="csv-excel"))
    assert names(data) == ["Aigerim Bekova", "Marie Dubois", "Old Supporter"]


def test_background_export_and_its_download_are_in_the_audit_log(
    organizer_client, organizer, known, large, django_capture_on_commit_callbacks
):
    petition, _ = known
    job = start_job(organizer_client, petition, django_capture_on_commit_callbacks, file_format="xlsx")
    organizer_client.get(reverse("exports:job-file", kwargs={"pk": job.pk}))
    export, fetched = AuditEntry.objects.order_by("pk")
    assert (export.action, export.actor, export.count) == ("supporters_export", organizer, 3)
    assert export.details["route"] == "background" and export.details["job"] == job.pk
    assert export.details["format"] == "xlsx"
    assert (fetched.action, fetched.actor, fetched.details["job"]) == ("supporters_export_download", organizer, job.pk)


def test_xlsx_goes_to_the_background_sooner_than_csv(
    organizer_client, known, exports_media, settings, django_capture_on_commit_callbacks
):
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 1000
    settings.PETITION_EXPORT_ASYNC_THRESHOLD_XLSX = 2
    petition, _ = known
    assert download(organizer_client, petition).streaming
    job = start_job(organizer_client, petition, django_capture_on_commit_callbacks, file_format="xlsx")
    job.refresh_from_db()
    assert job.file_format == "xlsx" and job.state == ExportJob.State.DONE
    response = organizer_client.get(reverse("exports:job-file", kwargs={"pk": job.pk}))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert body(response).startswith(b"PK")


def test_progress_page_refreshes_itself_while_the_file_is_written(organizer_client, organizer, known, large):
    petition, _ = known
    job = ExportJob.objects.create(
        owner=organizer,
        petition=petition,
        filters={},
        file_format="csv",
        state=ExportJob.State.RUNNING,
        total_rows=200,
        rows_written=50,
    )
    response = organizer_client.get(reverse("exports:job", kwargs={"pk": job.pk}))
    html = response.content.decode()
    assert response.context["percent"] == 25
    assert '<meta http-equiv="refresh"' in html and "50 of 200 rows written" in html
    # Not ready yet: the file link leads back to the progress page.
    file_response = organizer_client.get(reverse("exports:job-file", kwargs={"pk": job.pk}))
    assert file_response.status_code == 302 and file_response["Location"] == reverse(
        "exports:job", kwargs={"pk": job.pk}
    )


def _done_job(owner, petition, media, **fields) -> ExportJob:
    (media / "exports").mkdir(parents=True, exist_ok=True)
    (media / "exports" / "9-secret.csv").write_bytes(b"name,email\n")
    filters = export_filters.ExportFilters(petition_id=petition.pk, **fields.pop("filters", {})).as_json()
    now = timezone.now()
    return ExportJob.objects.create(
        owner=owner,
        petition=petition,
        filters=filters,
        file_format="csv",
        state=ExportJob.State.DONE,
        file_path="exports/9-secret.csv",
        finished_at=now,
        expires_at=now + timedelta(hours=24),
        **fields,
    )


def test_another_organizers_job_and_file_are_not_found(client, organizer, known, large):
    petition, _ = known
    job = _done_job(organizer, petition, large)
    client.force_login(staff_user("export_supporters", username="colleague"))
    assert client.get(reverse("exports:job", kwargs={"pk": job.pk})).status_code == 404
    assert client.get(reverse("exports:job-file", kwargs={"pk": job.pk})).status_code == 404
    assert not AuditEntry.objects.exists()


def test_owner_who_lost_the_export_permission_cannot_download(client, organizer, known, large):
    petition, _ = known
    job = _done_job(organizer, petition, large)
    client.force_login(organizer)
    assert client.get(reverse("exports:job-file", kwargs={"pk": job.pk})).status_code == 200
    organizer.user_permissions.clear()
    client.force_login(organizer)
    assert client.get(reverse("exports:job-file", kwargs={"pk": job.pk})).status_code == 403


def test_a_job_with_rejected_rows_needs_the_all_states_permission_at_download_too(client, known, large):
    petition, _ = known
    admin = staff_user("export_supporters", "export_all_states")
    job = _done_job(admin, petition, large, filters={"states": ("rejected",)})
    client.force_login(admin)
    assert client.get(reverse("exports:job-file", kwargs={"pk": job.pk})).status_code == 200
    admin.user_permissions.remove(admin.user_permissions.get(codename="export_all_states"))
    client.force_login(admin)
    assert client.get(reverse("exports:job-file", kwargs={"pk": job.pk})).status_code == 403


def test_an_expired_link_answers_410_gone(organizer_client, organizer, known, large):
    petition, _ = known
    job = _done_job(organizer, petition, large)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = organizer_client.get(reverse("exports:job-file", kwargs={"pk": job.pk}))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "has expired" in organizer_client.get(reverse("exports:job", kwargs={"pk": job.pk})).content.decode()


def test_the_periodic_purge_deletes_files_a_day_old(organizer_client, organizer, known, large):
    petition, _ = known
    job = _done_job(organizer, petition, large)
    fresh = export_jobs.export_files_purge()
    assert fresh["files_deleted"] == 0 and (large / job.file_path).is_file()

    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    from campaign.exports.tasks import purge_export_files

    assert purge_export_files.delay().get()["files_deleted"] == 1
    assert not (large / "exports" / "9-secret.csv").exists()
    job.refresh_from_db()
    assert job.file_path == ""
    assert organizer_client.get(reverse("exports:job-file", kwargs={"pk": job.pk})).status_code == 410


def test_purge_removes_orphan_files_and_fails_jobs_whose_worker_died(organizer, known, large):
    petition, _ = known
    (large / "exports").mkdir(parents=True)
    orphan = large / "exports" / "77-left-behind.csv.part"
    orphan.write_bytes(b"half a file")
    long_ago = time.time() - 3 * export_jobs.JOB_TIME_LIMIT
    os.utime(orphan, (long_ago, long_ago))
    recent = large / "exports" / "78-being-written.csv.part"
    recent.write_bytes(b"in progress")
    stuck = ExportJob.objects.create(
        owner=organizer, petition=petition, filters={}, file_format="csv", state=ExportJob.State.RUNNING
    )
    ExportJob.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=12))

    result = export_jobs.export_files_purge()
    assert result["orphans_deleted"] == 1 and result["jobs_failed"] == 1
    assert not orphan.exists() and recent.exists()
    stuck.refresh_from_db()
    assert stuck.state == ExportJob.State.FAILED


def test_purge_re_enqueues_a_job_the_broker_lost(organizer, known, large, django_capture_on_commit_callbacks):
    petition, _ = known
    filters = export_filters.ExportFilters(petition_id=petition.pk)
    job = ExportJob.objects.create(owner=organizer, petition=petition, filters=filters.as_json(), file_format="csv")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs.export_files_purge()["jobs_requeued"] == 1
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.rows_written == 3


def test_a_job_runs_once_however_often_its_task_is_delivered(organizer, known, large):
    petition, _ = known
    filters = export_filters.ExportFilters(petition_id=petition.pk)
    job = ExportJob.objects.create(owner=organizer, petition=petition, filters=filters.as_json(), file_format="csv")
    assert export_jobs.export_job_run(job_id=job.pk) == "done"
    assert export_jobs.export_job_run(job_id=job.pk) == "not-claimed"
    assert AuditEntry.objects.filter(action="supporters_export").count() == 1
    assert len(list((large / "exports").iterdir())) == 1


def test_a_failing_job_is_marked_failed_and_leaves_no_file(organizer_client, organizer, known, large):
    petition, _ = known
    job = ExportJob.objects.create(
        owner=organizer, petition=petition, filters={"states": ["confirmed"]}, file_format="csv"
    )
    assert export_jobs.export_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED and job.file_path == ""
    assert not (large / "exports").exists() or not any((large / "exports").iterdir())
    assert "failed" in organizer_client.get(reverse("exports:job", kwargs={"pk": job.pk})).content.decode()
