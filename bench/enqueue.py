"""Wake the email sender, as signing does, for the signatures a bench run left in the outbox.

Run by bench/run.py with the stack's environment: python bench/enqueue.py
(or `python bench/enqueue.py update <id>`: publish the send task of that update to supporters)
"""

import sys

import django

django.setup()


from campaign.outbox import wake  # noqa: E402

if sys.argv[1:2] == ["update"]:
    from campaign.dispatch import dispatcher
    from campaign.outbox.updates import SEND_TASK

    dispatcher().send(SEND_TASK, int(sys.argv[2]))
else:
    wake.wake()  # outside a transaction: publishes at once
