"""Exports of supporter lists: which rows, how each cell is written, and the files.

The export page, the Celery task and `manage.py export_supporters` all go through
`export_prepare` and `Export.chunks()`/`Export.write_to()`, so every route writes the same
bytes for the same filters. On PostgreSQL a CSV file is written by the database itself
(`COPY (SELECT ...) TO STDOUT`, streamed row by row), with every cell already in its final
text: byte for byte what the Python writer gives. Elsewhere (SQLite)
and for XLSX, rows are read with `values_list(...).iterator(chunk_size=…)` and written in
Python. Either way memory stays flat whatever the list size.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaign.dispatch import dispatcher
from campaign.moderation.audit import audit_record
from campaign.petitions.models import AuditEntry, ExportJob, Petition, Signature

from . import writers
from .filters import ExportFilters, export_count, start_of_day
from .writers import Export

logger = logging.getLogger(__name__)
State = Signature.State


# The export task's hard time limit, well below the broker's visibility timeout (3600 s).
JOB_TIME_LIMIT = 1800
EXPORT_DIR = "exports"
# The audit log's names for an export and for fetching a prepared file.
EXPORT_ACTION = "supporters_export"
DOWNLOAD_ACTION = "supporters_export_download"


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
        filters=filters,
        petition=petition,
        count=export_count(filters=filters),
        chunk_size=chunk_size or writers.DEFAULT_CHUNK_SIZE,
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
    return audit_record(
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
    def publish():
        try:
            dispatcher().send("campaign.petitions.tasks.run_export_job", job_id)
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
    except Exception as exc:  # noqa: BLE001 - any failure fails the job; its type is logged, not its data
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
    return audit_record(
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
    if not ExportJob.objects.filter(state=ExportJob.State.DONE).exclude(file_path="").exists():
        return 0  # no file to withdraw (most of the time): the signatures need not be read
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
            and (since is None or signed_at >= start_of_day(since))
            and (until is None or signed_at < start_of_day(until + timedelta(days=1)))
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
        job.state == ExportJob.State.DONE
        and not job.file_path
        and job.expires_at is not None
        and job.expires_at > timezone.now()
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
        Job.objects.exclude(file_path="")
        .filter(Q(expires_at__gt=now) | Q(expires_at__isnull=True))
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
