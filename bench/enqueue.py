"""Enqueue the confirmation email of every signature of one bench run, as signing would.

Run by bench/run.py with the stack's environment: python bench/enqueue.py RUN_TAG
"""

import sys

import django

django.setup()

from campaign.petitions.models import Signature  # noqa: E402 - after setup
from campaign.petitions.tasks import send_signature_email  # noqa: E402

ids = Signature.objects.filter(email__startswith=sys.argv[1] + ".").values_list("pk", flat=True)
for signature_id in ids.iterator():
    send_signature_email.delay(signature_id)
