"""The Celery app: `celery -A campaign worker` and `celery -A campaign beat`."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")

app = Celery("campaign")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _check_database_connections(sender=None, **kwargs):
    """Between tasks as between requests: drop connections that broke or outlived
    CONN_MAX_AGE, and health-check the rest on first use (settings.CELERY_DB_REUSE_MAX)."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return  # running inside the caller's request and transaction
    from django.db import close_old_connections

    close_old_connections()
