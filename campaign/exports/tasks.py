"""Export Celery tasks; named as before exports were their own app (queued messages carry the name)."""

from celery import shared_task

from . import jobs


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=jobs.JOB_TIME_LIMIT - 60,
    time_limit=jobs.JOB_TIME_LIMIT,
    name="campaign.petitions.tasks.run_export_job",
)
def run_export_job(job_id: int) -> str:
    """Write a large export's file; a repeat delivery finds the job claimed and does nothing."""
    return jobs.export_job_run(job_id=job_id)


@shared_task(soft_time_limit=300, time_limit=330, name="campaign.petitions.tasks.purge_export_files")
def purge_export_files() -> dict:
    return jobs.export_files_purge()
