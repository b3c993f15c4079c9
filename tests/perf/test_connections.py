"""Connection reuse (Redis cache, Celery's broker, PostgreSQL in the worker) against the real
services: fewer round trips and objects per request, and still right after a connection dies."""

import pytest
import redis
from celery.signals import task_prerun
from django.core.cache import caches
from django.db import connection

from campaign.petitions import abuse

pytestmark = pytest.mark.services


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "campaign.redis_cache.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": "perf-test"}
    }
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_windowed_counters_count_in_one_round_trip_and_expire(redis_cache):
    assert redis_cache.incr_windowed([("a", 60), ("b", 1)]) == [1, 1]
    assert redis_cache.incr_windowed([("a", 60), ("b", 1)]) == [2, 2]
    client = redis_cache._cache.get_client(write=True)
    assert 0 < client.ttl(redis_cache.make_key("a")) <= 60  # the window starts at the first event
    assert redis_cache.get("a") == 2  # the same keys Django's own add()/incr() use


def test_cache_reuses_one_client_and_survives_a_dropped_connection(redis_cache):
    redis_cache.set("k", "v")
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=True) is client
    client.client_kill_filter(_id=client.client_id())  # the server hangs up on us
    assert redis_cache.get("k") == "v"


def test_rate_limits_on_redis_hold_the_signature_past_the_limit(redis_cache, settings):
    settings.PETITION_RATE_LIMITS = {"ip": (2, 3600), "subnet": (100, 3600), "domain": (100, 600), "name": (100, 3600)}
    reasons = []
    for c in "abc":
        checks = abuse.rate_checks(petition_id=1, ip="203.0.113.9", email_domain="example.org", name=f"Name {c}")
        reasons.append(abuse.over_limits(checks, abuse.count_events([(key, window) for key, window, _r, _l in checks])))
    assert reasons == [[], [], ["rate_ip"]]


def test_broker_publishes_through_one_client_and_recovers_from_a_dropped_connection(redis_url):
    from kombu import Connection

    with Connection(redis_url, transport="campaign.broker:Transport") as conn:
        queue = conn.SimpleQueue("perf-test-broker")
        queue.clear()
        queue.put({"n": 1})
        channel = queue.channel
        shared = channel._shared_client
        queue.put({"n": 2})
        assert channel._shared_client is shared
        shared.client_kill_filter(_id=shared.client_id())
        queue.put({"n": 3})
        received = [queue.get(timeout=5) for _ in range(3)]
        for message in received:
            message.ack()
        assert [m.payload["n"] for m in received] == [1, 2, 3]
        queue.clear()
        queue.close()


class WorkerTask:
    """What the signal carries for a task a worker runs (not one run in the caller's process)."""

    class request:
        is_eager = False


@pytest.mark.django_db(transaction=True)
def test_worker_task_after_the_database_dropped_its_connection_still_runs(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [(pid,)] = cursor.fetchall()
    import psycopg

    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    task_prerun.send(sender=WorkerTask, task_id="t", task=WorkerTask, args=(), kwargs={})
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_counters_and_a_flag_are_one_round_trip_and_the_flag_is_set_once(redis_cache):
    assert redis_cache.incr_windowed_add([("a", 60), ("b", 1)], "flag", 1, 30) == ([1, 1], True)
    assert redis_cache.incr_windowed_add([("a", 60), ("b", 1)], "flag", 1, 30) == ([2, 2], False)
    assert redis_cache.get("flag") == 1  # what Django's add() would have stored
    client = redis_cache._cache.get_client(write=True)
    assert 0 < client.ttl(redis_cache.make_key("flag")) <= 30
    redis_cache.delete("flag")
    assert redis_cache.incr_windowed_add([], "flag", 1, 30) == ([], True)


@pytest.mark.django_db
def test_on_redis_a_signature_over_a_limit_is_held_and_a_surge_wakes_one_sender(redis_cache, redis_url, settings):
    from django.test import TestCase

    from campaign.celery import app
    from campaign.outbox import wake
    from campaign.petitions import services
    from campaign.petitions.models import Signature
    from tests.factories import PetitionFactory

    settings.PETITION_RATE_LIMITS = {"ip": (1, 3600), "subnet": (100, 3600), "domain": (100, 600), "name": (100, 3600)}
    petition = PetitionFactory()
    queue = redis.Redis.from_url(redis_url)
    queue.delete("celery")
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        for n in range(3):
            with TestCase.captureOnCommitCallbacks(execute=True):
                services.signature_create(
                    petition=petition,
                    name=f"Signer {'abc'[n]}",
                    email=f"s{n}@example.org",
                    country="KZ",
                    ip_address="203.0.113.9",
                )
        published = queue.llen("celery")
    finally:
        app.conf.task_always_eager = eager
        queue.delete("celery")
    states = list(Signature.objects.order_by("pk").values_list("state", "suspicion"))
    assert states == [("pending", []), ("suspicious", ["rate_ip"]), ("suspicious", ["rate_ip"])]
    assert published == 1  # the flag stood for the second and third: one sender for all three
    assert redis_cache.get(wake.WAKE_KEY) == 1
