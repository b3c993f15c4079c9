"""The cache while Redis cannot be reached: an empty cache that keeps nothing, never an exception."""

import logging

import pytest

from campaign.redis_cache import RedisCache

CLOSED = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, the connection is refused


@pytest.fixture
def unreachable():
    return RedisCache(CLOSED, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})


def test_an_unreachable_cache_reads_as_empty_and_drops_writes(unreachable):
    assert unreachable.get("content:home:abc") is None
    assert unreachable.get("content:home:abc", "fallback") == "fallback"
    assert unreachable.get_many(["a", "b"]) == {}
    assert unreachable.has_key("a") is False
    unreachable.set("a", 1)
    assert unreachable.add("a", 1) is False
    assert unreachable.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert unreachable.delete("a") is False
    unreachable.delete_many(["a"])


def test_an_unreachable_cache_logs_the_operation_never_the_key(unreachable, caplog):
    with caplog.at_level(logging.WARNING, logger="campaign.redis_cache"):
        unreachable.get("rate:resend:1:aigerim@example.org")
    assert [r.getMessage() for r in caplog.records] == ["Cache unavailable: get answered as a miss"]


def test_rate_counters_still_raise_for_their_callers_to_decide(unreachable):
    with pytest.raises(Exception):  # noqa: B017 - redis-py's ConnectionError; the callers catch broadly
        unreachable.incr_windowed([("rate:ip:1:x", 60)])
