"""Likely typos in an email's domain ("gmial.con"), and the webmail of the big providers.

The suggestions come from pymailcheck (the Python port of mailcheck.js): its list of popular
domains and its distance rule, widened with the providers most of this campaign's audience
use (Kazakhstan and Russia). A suggestion is only offered: the supporter may keep what they typed.
"""

from functools import lru_cache

import pymailcheck

# The region's big providers, which pymailcheck's list (mostly US and western Europe) lacks.
REGIONAL_DOMAINS = {"mail.ru", "inbox.ru", "list.ru", "bk.ru", "yandex.ru", "yandex.kz", "ya.ru", "rambler.ru"}
OTHER_BIG_DOMAINS = {"outlook.com", "hotmail.com", "yahoo.com", "live.com", "gmx.de", "proton.me", "protonmail.com"}
# Tuples with the most used first: of two suggestions at the same distance the first wins, and a
# set's order would change between processes. pymailcheck's second-level list misses a comma
# ("gmx" "hotmail"), so that one is spelled out here.
DOMAINS = ("gmail.com", "mail.ru", "yandex.ru", *sorted(pymailcheck.DOMAINS | REGIONAL_DOMAINS | OTHER_BIG_DOMAINS))
SECOND_LEVEL_DOMAINS = ("gmail", "mail", "yandex", "hotmail", "outlook", "yahoo", "live", "inbox", "list", "gmx")
TOP_LEVEL_DOMAINS = (
    "com", "ru", "kz", "org", "net",
    *sorted(
        pymailcheck.TOP_LEVEL_DOMAINS
        | {"ua", "by", "uz", "kg", "ie", "hu", "me", "edu.kz", "gov.kz", "org.kz", "com.kz", "ac.kz", "edu.ru"}
        | {"com.ru", "org.ru", "ac.uk", "com.ua", "com.tr", "de", "pl", "lt", "lv", "ee", "fi", "cn", "tr"}
    ),
)  # fmt: skip

# The webmail page of a provider, by the domains it serves: plain links the visitor may follow.
WEBMAIL = [
    ("Gmail", "https://mail.google.com/", {"gmail.com", "googlemail.com"}),
    ("Mail.ru", "https://e.mail.ru/", {"mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru"}),
    ("Yandex Mail", "https://mail.yandex.ru/", {"yandex.ru", "yandex.kz", "yandex.com", "ya.ru"}),
    ("Outlook", "https://outlook.live.com/mail/", {"outlook.com", "hotmail.com", "live.com", "msn.com"}),
    ("Yahoo Mail", "https://mail.yahoo.com/", {"yahoo.com", "ymail.com", "rocketmail.com"}),
    ("iCloud Mail", "https://www.icloud.com/mail/", {"icloud.com", "me.com", "mac.com"}),
    ("Proton Mail", "https://mail.proton.me/", {"proton.me", "protonmail.com", "pm.me"}),
]


def email_suggestion(email: str) -> str | None:
    """The address with its domain corrected, if the domain looks like a typo of a popular one."""
    local, _at, domain = email.rpartition("@")
    if not local or not domain:
        return None
    suggested = _domain_suggestion(domain.lower())
    return f"{local}@{suggested}" if suggested else None  # the local part as typed


_LISTED = frozenset(DOMAINS)
# pymailcheck keeps a closest candidate only within this distance (one threshold for all three lists).
_THRESHOLD = max(pymailcheck.DOMAIN_THRESHOLD, pymailcheck.SECOND_LEVEL_THRESHOLD, pymailcheck.TOP_LEVEL_THRESHOLD)


def _distance_within_threshold(typed: str, candidate: str) -> float:
    """pymailcheck's sift3 distance wherever it can matter, and a lower bound of it elsewhere.

    sift3 is (len(a) + len(b)) / 2 - matches, with matches <= the shorter length, so it is at
    least half the difference in length. A candidate whose bound is over the threshold can be
    neither kept nor the closest of those kept; pymailcheck picks the same domain either way,
    without sift3's pure-Python loop for most of the ~150 candidates of an unlisted domain.
    """
    bound = abs(len(typed) - len(candidate)) / 2
    if bound > _THRESHOLD:
        return bound
    return pymailcheck.sift3_distance(typed, candidate)


@lru_cache(maxsize=4096)
def _domain_suggestion(domain: str) -> str | None:
    """The suggestion depends on the domain alone, and most signers share a few domains: each
    is worked out once per process. A listed domain is never corrected."""
    if domain in _LISTED:
        return None
    found = pymailcheck.suggest(
        f"x@{domain}",
        domains=DOMAINS,
        second_level_domains=SECOND_LEVEL_DOMAINS,
        top_level_domains=TOP_LEVEL_DOMAINS,
        distance_callable=_distance_within_threshold,
    )
    if not found or found["domain"] == domain:
        return None
    suggested = found["domain"]
    if suggested not in _LISTED and not _one_likely_slip(domain, suggested):
        return None
    return suggested


def _one_likely_slip(typed: str, suggested: str) -> bool:
    """For a domain we do not list: one part changed, and not one that is often right as typed.
    Any unlisted country code (.am, .рф) is near a listed one, and short names are near each
    other (site, live), so only a name of 5+ letters or a three-letter ending (.con) is doubted."""
    typed_name, _dot, typed_ending = typed.partition(".")
    name, _dot, ending = suggested.partition(".")
    if typed_ending == ending:
        return len(typed_name) >= 5 and name in SECOND_LEVEL_DOMAINS
    return typed_name == name and len(typed_ending) == 3 and typed_ending.isascii() and typed_ending.isalpha()


def webmail_for(email: str) -> tuple[str, str] | None:
    """(name, address) of the provider's webmail for this address, if it is a big one."""
    domain = email.rpartition("@")[2].lower()
    for name, url, domains in WEBMAIL:
        if domain in domains:
            return name, url
    return None
