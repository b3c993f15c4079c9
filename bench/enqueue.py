"""Wake the email sender, as signing does, for the signatures a bench run left in the outbox.

Run by bench/run.py with the stack's environment: python bench/enqueue.py
"""

import django

django.setup()


from campaign.outbox import wake  # noqa: E402

wake.wake()  # outside a transaction: publishes at once
