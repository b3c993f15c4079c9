"""Abuse: rate limits, honeypot and disposable addresses hold signatures for review, never refuse
them, and never let the sender see the difference."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from campaign.petitions.models import Petition, Signature
from campaign.petitions.services import email_lookup
from campaign.petitions.tokens import confirm_token_make

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
CLOSED_PORT = 8198  # in this engineer's range; nothing listens there


@pytest.fixture
def limits(settings):
    """Generous limits, to be tightened one at a time by each test."""
    settings.PETITION_RATE_LIMITS = {
        "ip": (100, 3600),
        "subnet": (100, 3600),
        "domain": (100, 600),
        "name": (100, 3600),
    }
    return settings.PETITION_RATE_LIMITS


def sign(petition, capture, n, *, ip="203.0.113.5", forwarded=None, **fields):
    """Sign as person number n (a distinct name and address) from `ip`; what the browser gets back."""
    client = Client(REMOTE_ADDR=ip)
    data = {
        "name": f"Signer {chr(65 + n)}{chr(97 + n)}lova",
        "email": f"signer{n}@example.org",
        "country": "KZ",
        **fields,
    }
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    with capture(execute=True):
        response = client.post(reverse("petitions:sign", kwargs={"slug": petition.slug}), data, **extra)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    # The thank-you page shows each sender the address they typed, and only that: blanked here.
    return (
        response.status_code,
        response.get("Location"),
        CSRF.sub(b"", page.content).replace(data["email"].encode(), b""),
    )


def confirm_all(capture):
    client = Client()
    for public_id in Signature.objects.values_list("public_id", flat=True):
        with capture(execute=True):
            client.post(reverse("petitions:confirm", kwargs={"token": confirm_token_make(public_id=public_id)}))


def test_signatures_beyond_the_ip_limit_are_held_not_refused_and_not_counted(
    petition, limits, django_capture_on_commit_callbacks
):
    limits["ip"] = (2, 3600)
    seen = [sign(petition, django_capture_on_commit_callbacks, n) for n in range(3)]

    assert seen[0] == seen[1] == seen[2]  # the sender cannot tell
    states = list(Signature.objects.order_by("pk").values_list("state", "suspicion"))
    assert states == [("pending", []), ("pending", []), ("suspicious", ["rate_ip"])]
    # Held for the IP limit: no email until a moderator clears it (tests/petitions/test_mail_bombing.py).
    assert len(mail.outbox) == 2

    confirm_all(django_capture_on_commit_callbacks)
    assert Petition.objects.get().signature_count == 2
    held = Signature.objects.get(state=Signature.State.SUSPICIOUS)
    assert held.confirmed_at is not None  # recorded, for the moderator to weigh


@pytest.mark.parametrize(
    ("limit", "signers", "reason"),
    [
        ("subnet", [("203.0.113.5", "example.org"), ("203.0.113.77", "example.org")], "rate_subnet"),
        ("domain", [("198.51.100.1", "same.example"), ("192.0.2.1", "same.example")], "rate_domain"),
    ],
)
def test_subnet_and_domain_limits_hold_the_excess(
    petition, limits, django_capture_on_commit_callbacks, limit, signers, reason
):
    limits[limit] = (1, 600)
    for n, (ip, domain) in enumerate(signers):
        sign(petition, django_capture_on_commit_callbacks, n, ip=ip, email=f"signer{n}@{domain}")
    assert list(Signature.objects.order_by("pk").values_list("suspicion", flat=True)) == [[], [reason]]


def test_a_burst_of_the_same_name_is_held(petition, limits, django_capture_on_commit_callbacks):
    limits["name"] = (1, 3600)
    for n, name in enumerate(["John Smith", "JOHN  SMITH2"]):
        sign(petition, django_capture_on_commit_callbacks, n, ip=f"198.51.{n}.1", name=name)
    assert list(Signature.objects.order_by("pk").values_list("suspicion", flat=True)) == [[], ["name_burst"]]


def test_a_filled_honeypot_is_held_with_the_same_response(petition, limits, django_capture_on_commit_callbacks):
    human = sign(petition, django_capture_on_commit_callbacks, 0)
    bot = sign(petition, django_capture_on_commit_callbacks, 1, website="http://spam.example")

    assert bot == human
    assert Signature.objects.get(email_index=email_lookup("signer1@example.org")).suspicion == ["honeypot"]
    confirm_all(django_capture_on_commit_callbacks)
    assert Petition.objects.get().signature_count == 1


def test_a_disposable_address_is_held(petition, limits, django_capture_on_commit_callbacks):
    sign(petition, django_capture_on_commit_callbacks, 0, email="throwaway@mailinator.com")
    signature = Signature.objects.get()
    assert signature.state == Signature.State.SUSPICIOUS and signature.suspicion == ["disposable"]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "stored"),
    [
        (0, "198.51.100.9", "10.0.0.2"),  # nobody trusted: the header is ignored
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # the entry our proxy added, not the forged one
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.3", "198.51.100.9"),
        (1, "not-an-address", "10.0.0.2"),  # not an address: the socket's, never none at all
        (1, "198.51.100.9, 999.1.1.1", "10.0.0.2"),
    ],
)
def test_client_address_honours_trusted_proxy_count(
    petition, limits, settings, django_capture_on_commit_callbacks, proxies, forwarded, stored
):
    settings.TRUSTED_PROXY_COUNT = proxies
    sign(petition, django_capture_on_commit_callbacks, 0, ip="10.0.0.2", forwarded=forwarded)
    assert Signature.objects.get().ip_address == stored


def test_people_behind_one_proxy_are_limited_each_by_their_own_address(
    petition, limits, settings, django_capture_on_commit_callbacks
):
    settings.TRUSTED_PROXY_COUNT = 1
    limits["ip"] = (1, 3600)
    for n in range(3):
        sign(petition, django_capture_on_commit_callbacks, n, ip="10.0.0.2", forwarded=f"198.51.{n}.9")
    assert not Signature.objects.filter(state=Signature.State.SUSPICIOUS).exists()


@pytest.mark.parametrize(("limit", "reason"), [("ip", "rate_ip"), ("subnet", "rate_subnet")])
def test_a_forwarded_entry_that_is_not_an_address_still_counts_against_ip_and_subnet_limits(
    petition, limits, settings, django_capture_on_commit_callbacks, limit, reason
):
    settings.TRUSTED_PROXY_COUNT = 1
    limits[limit] = (2, 3600)
    for n in range(3):
        sign(petition, django_capture_on_commit_callbacks, n, ip="10.0.0.2", forwarded=f"not-an-ip-{n}")
    states = list(Signature.objects.order_by("pk").values_list("state", "suspicion", "ip_address"))
    assert states == [("pending", [], "10.0.0.2"), ("pending", [], "10.0.0.2"), ("suspicious", [reason], "10.0.0.2")]


def test_an_oversized_request_is_refused_with_a_400(client, petition):
    response = client.post(
        reverse("petitions:sign", kwargs={"slug": petition.slug}),
        {"name": "x" * 100_000, "email": "a@example.org", "country": "KZ"},
    )
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_signing_works_while_the_cache_is_down(client, petition, settings, django_capture_on_commit_callbacks):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{CLOSED_PORT}/0",
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("petitions:sign", kwargs={"slug": petition.slug}),
            {"name": "Aigerim Bekova", "email": "aigerim@example.org", "country": "KZ"},
        )
    assert response.status_code == 302
    assert Signature.objects.get().state == Signature.State.PENDING  # unchecked, not held
    assert len(mail.outbox) == 1


@pytest.mark.services
def test_rate_counters_in_redis_name_no_ip_address_subnet_name_or_domain(
    petition, limits, settings, redis_url, django_capture_on_commit_callbacks
):
    import redis

    settings.CACHES = {
        "default": {"BACKEND": "campaign.redis_cache.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": "campaign"}
    }
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    limits["ip"] = (1, 3600)
    try:
        for n in range(2):
            sign(
                petition,
                django_capture_on_commit_callbacks,
                n,
                ip="10.0.0.2",
                forwarded="198.51.100.77",
                name="Zhanar Abenova",
                email=f"zhanar{n}@probe-domain.example",
            )
        settings.TRUSTED_PROXY_COUNT = 1
        sign(
            petition,
            django_capture_on_commit_callbacks,
            2,
            ip="10.0.0.2",
            forwarded="198.51.100.77",
            name="Zhanar Abenova",
            email="zhanar2@probe-domain.example",
        )
        # The counters worked: the second signature from the same address was held.
        assert Signature.objects.filter(state=Signature.State.SUSPICIOUS).exists()
        keys = [key.decode() for key in store.keys("*")]
        assert any(":rate:" in key for key in keys), keys
        for secret in (
            "10.0.0.2",
            "198.51.100.77",
            "198.51.100.0",
            "10.0.0.0",
            "Zhanar",
            "zhanar",
            "abenova",
            "probe-domain",
        ):
            assert not [key for key in keys if secret.lower() in key.lower()], secret
    finally:
        store.flushdb()
