"""Updates to supporters travel on a queue of their own (compose's worker-updates), so a large
send never holds up a new signer's confirmation email. Against the real Redis broker."""

import pytest
import redis

from campaign.celery import app

QUEUES = ("celery", "updates")


@pytest.fixture
def broker(redis_url):
    store = redis.Redis.from_url(redis_url)

    def clean():
        store.delete(*QUEUES, *store.keys("_kombu.binding*"))

    clean()
    with app.connection_for_write() as connection:
        # As every worker does on start: declare (and so bind) each queue it consumes.
        for queue in app.amqp.queues.values():
            queue(connection.default_channel).declare()
        yield connection, store
    clean()


def waiting(store) -> dict[str, int]:
    return {queue: store.llen(queue) for queue in QUEUES}


def test_a_confirmation_email_task_waits_only_on_its_own_queue_never_behind_an_update(broker):
    connection, store = broker
    app.send_task("campaign.petitions.tasks.send_signature_emails", connection=connection)
    assert waiting(store) == {"celery": 1, "updates": 0}
    app.send_task("campaign.petitions.tasks.send_update_emails", connection=connection)
    app.send_task("campaign.petitions.tasks.send_supporter_update", args=[1], connection=connection)
    assert waiting(store) == {"celery": 1, "updates": 2}
