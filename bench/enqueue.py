"""Wake the email sender, as signing does, for the signatures a bench run left in the outbox.

Run by bench/run.py with the stack's environment: python bench/enqueue.py
"""

import django

django.setup()

from campaign.petitions import services  # noqa: E402 - after setup

services.signature_emails_wake()  # outside a transaction: publishes at once
