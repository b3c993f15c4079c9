"""Signals that a signature may not come from a distinct, real person.

None of these refuse a signature: they hold it for a moderator, and the supporter sees
exactly what everybody else sees.
"""

import ipaddress
import logging
import re
import unicodedata

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from .models import Signature

logger = logging.getLogger(__name__)
Suspicion = Signature.Suspicion


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except (TypeError, ValueError):
        return None


def client_ip(request) -> str | None:
    """The supporter's address: the one our trusted proxies report, else the socket's.

    An entry that is not an address (whatever a client put there, if a proxy passed it on)
    falls back to the socket's address, so it never escapes the limits by IP and subnet.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies and (reported := _valid_ip(forwarded[-proxies])):
            return reported
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def subnet_of(ip: str) -> str:
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def name_skeleton(name: str) -> str:
    """What is left of a name once case, digits, marks and punctuation are gone."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalpha())


def count_events(counters: list[tuple[str, int]]) -> list[int]:
    """Add one event to each (key, window) counter and return the new counts.

    On Redis this is one round trip (campaign.redis_cache), not two or three per counter: it
    runs on every signature. Both cache backends the settings choose have `incr_windowed`.
    """
    return cache.incr_windowed(counters)


def immediate_suspicions(*, email_domain: str, honeypot: bool) -> list[str]:
    """What the signature itself gives away, with no counting."""
    reasons = []
    if honeypot:
        reasons.append(Suspicion.HONEYPOT)
    if email_domain in DISPOSABLE_DOMAINS:
        reasons.append(Suspicion.DISPOSABLE)
    return [str(r) for r in reasons]


def rate_checks(*, petition_id: int, ip: str | None, email_domain: str, name: str) -> list[tuple[str, int, str, int]]:
    """The windowed counters a signature counts against: (key, window seconds, reason, limit)."""
    checks = [("domain", email_domain, Suspicion.RATE_DOMAIN), ("name", name_skeleton(name), Suspicion.NAME_BURST)]
    if ip:
        checks += [("ip", ip, Suspicion.RATE_IP), ("subnet", subnet_of(ip), Suspicion.RATE_SUBNET)]
    limits = settings.PETITION_RATE_LIMITS
    return [
        (f"rate:{kind}:{petition_id}:{counter_key(value)}", limits[kind][1], str(reason), limits[kind][0])
        for kind, value, reason in checks
        if value
    ]


def counter_key(value: str) -> str:
    """A rate counter's name for an IP, subnet, name or domain: a keyed hash, never the value.

    Redis persists its keys to disk, and anyone who can list them must not read signers'
    names and addresses there. An HMAC with a key derived from SECRET_KEY, so a list of
    guesses cannot be hashed to match without the secret.
    """
    return salted_hmac("campaign.petitions.abuse.counter_key", value, algorithm="sha256").hexdigest()[:32]


def resend_checks(*, petition_id: int, ip: str | None) -> list[tuple[str, int, str, int]]:
    """The counter a "Didn't get the email?" request counts against, per client address."""
    if not ip:
        return []
    limit, window = settings.PETITION_RATE_LIMITS["resend"]
    return [(f"rate:resend:{petition_id}:{counter_key(ip)}", window, "resend", limit)]


# Held for these, a signature gets no email until a moderator clears it: each one is an
# email the site would send to an address someone else typed, in a flood from one place.
EMAIL_WITHHELD_REASONS = (str(Suspicion.RATE_IP), str(Suspicion.RATE_SUBNET))


def over_limits(checks: list[tuple[str, int, str, int]], counts: list[int]) -> list[str]:
    # `counts` is empty when the cache could not be asked: then nothing is over a limit.
    return [reason for (_key, _window, reason, limit), count in zip(checks, counts, strict=False) if count > limit]


URL_PATTERN = re.compile(
    r"://|www\.|\b[\w-]+\.(?:com|net|org|info|biz|ru|kz|io|xyz|top|ly|me|co|site|online|click|link)\b", re.IGNORECASE
)
# Bidirectional overrides, zero-width spaces and the like; ZWNJ and ZWJ stay, since
# Persian and Indic names need them.
ALLOWED_FORMAT_CHARS = {"\u200c", "\u200d"}


def has_forbidden_chars(text: str) -> bool:
    return any(
        unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
        or (unicodedata.category(ch) == "Cf" and ch not in ALLOWED_FORMAT_CHARS)
        for ch in text
    )
