"""The cache while Redis cannot be reached: an empty cache that keeps nothing, never an exception."""

import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from campaign.outbox.tasks import send_signature_emails
from campaign.petitions.models import Signature
from campaign.petitions.services import email_lookup
from campaign.redis_cache import RedisCache
from tests.factories import SignatureFactory
from tests.pages import public_pages

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


# --- Whole pages, in process, with the production cache backend pointed at nothing -------------------


def test_every_public_page_answers_in_every_language_while_the_cache_is_down(client, seeded, cache_down):
    signature = SignatureFactory(petition=seeded)
    answers = {}
    for name, (route, kwargs) in public_pages(seeded, signature).items():
        for language in ("en", "ru", "kk"):
            with translation.override(language):
                answers[name, language] = client.get(reverse(route, kwargs=kwargs or None)).status_code
    answers["count.json"] = client.get(reverse("petition_count", kwargs={"slug": seeded.slug})).status_code
    expected = {key: 400 if key[0] == "broken link" else 200 for key in answers}
    assert answers == expected


def test_signing_and_resend_while_the_cache_is_down_record_the_work_and_the_email_arrives(client, seeded, cache_down):
    # The rate counters are unreachable: each request is recorded in the outbox (the signatures
    # table), and the sender the sweeper wakes once Redis is back sends it.
    sign_url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    form = {"name": "Dana Sadykova", "email": "resend.outage@example.org", "country": "KZ"}
    assert client.post(sign_url, form).status_code == 302
    send_signature_emails()
    assert len(mail.outbox) == 1
    resend_url = reverse("petitions:resend", kwargs={"slug": seeded.slug})
    assert client.post(resend_url, {"email": "Resend.Outage@example.org"}).status_code == 200
    send_signature_emails()
    assert [m.to for m in mail.outbox] == [["resend.outage@example.org"]] * 2
    assert Signature.objects.get(email_index=email_lookup("resend.outage@example.org")).email_requests == 2
