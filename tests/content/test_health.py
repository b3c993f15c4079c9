"""/healthz: what compose's health checks and an operator read. Failures here are real ones:
services pointed at a port where nothing listens, no mocks."""

import pytest
from django.urls import reverse

from campaign.celery import app

CLOSED = "redis://127.0.0.1:8197/0"  # in this engineer's port range; nothing listens there


@pytest.fixture
def broker_at():
    """Point the Celery app's broker somewhere for one test."""
    before = app.conf.broker_url

    def point(url):
        app.conf.broker_url = url

    yield point
    app.conf.broker_url = before


def test_healthy_site_answers_200_with_each_part(client, db, settings):
    settings.REDIS_URL = ""  # tasks in-process: there is no broker to ask

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "in-process"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_cache_that_is_down_makes_it_503(client, db, settings):
    settings.REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}}

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "cache": "down", "broker": "in-process"}
    assert b"8197" not in response.content and b"refused" not in response.content.lower()  # details stay in logs


def test_a_broker_that_is_down_makes_it_503(client, db, settings, broker_at):
    settings.REDIS_URL = CLOSED
    broker_at(CLOSED)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["broker"] == "down" and response.json()["database"] == "ok"


@pytest.mark.services
def test_with_the_real_redis_every_part_is_ok(client, db, settings, redis_url, broker_at):
    settings.REDIS_URL = redis_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    broker_at(redis_url)

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_health_is_only_read(client, db):
    assert client.post(reverse("healthz")).status_code == 405
