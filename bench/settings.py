"""The production settings, plus the benchmark's baseline views.

Only the URLconf differs: the baselines (a bare insert, a static response) must be served by
the same gunicorn, through the same middleware, as the pages they are compared with, yet
must never exist in the product. `bench/run.py` starts gunicorn with
DJANGO_SETTINGS_MODULE=bench.settings; everything else comes from the environment exactly as
in production (DEBUG off, SECRET_KEY set, PostgreSQL, Redis).
"""

from campaign.settings import *  # noqa: F403 - the product's settings, unchanged

ROOT_URLCONF = "bench.urls"
