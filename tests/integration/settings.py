"""Settings for the integration tier's processes: production's, with two test-only changes.

The processes run with DEBUG off, secure cookies and the proxy header, as in production.
What differs:
- static file URLs are not looked up in a collectstatic manifest: building one takes ~10 s
  and is the image build's business (Dockerfile), not what these tests are about;
- beat sweeps the email outbox, moves the count, closes due petitions and anonymises what
  retention says is due every second or so, instead of every 10 seconds to an hour, so a
  test sees each at work in seconds.
"""

import os

from campaign.settings import *  # noqa: F403
from campaign.settings import CELERY_BEAT_SCHEDULE, STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

_sweep = float(os.environ.get("INTEGRATION_SWEEP_SECONDS", "1"))
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "count-signatures": {**CELERY_BEAT_SCHEDULE["count-signatures"], "schedule": _sweep},
    "sweep-email-outbox": {**CELERY_BEAT_SCHEDULE["sweep-email-outbox"], "schedule": _sweep},
    "close-due-petitions": {**CELERY_BEAT_SCHEDULE["close-due-petitions"], "schedule": _sweep},
    "anonymise-signatures": {**CELERY_BEAT_SCHEDULE["anonymise-signatures"], "schedule": _sweep},
}
