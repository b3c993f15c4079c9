"""The integration tier's settings with production's static files: collectstatic's manifest and
hashed names (as the image has them), collected into STATIC_ROOT, a folder of the test's own."""

import os

from campaign.settings import STORAGES as PRODUCTION_STORAGES
from tests.integration.settings import *  # noqa: F403

STORAGES = PRODUCTION_STORAGES
STATIC_ROOT = os.environ["STATIC_ROOT"]
