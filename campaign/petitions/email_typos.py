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


@lru_cache(maxsize=1024)  # three lists, by the length of a domain's part (at most 254)
def _near_in_length(candidates: tuple[str, ...], length: int) -> tuple[str, ...]:
    """The candidates pymailcheck could pick for a name of `length`, in their order: sift3 is at
    least half the difference in length (see _sift3_within_threshold), and one equal to the
    name has its length."""
    return tuple(c for c in candidates if abs(len(c) - length) <= 2 * _THRESHOLD)


def _sift3_within_threshold(s_1: str, s_2: str, max_offset: int = 5) -> float:
    """pymailcheck.sift3_distance where it is at most the threshold, else a bound above it.

    sift3 walks both names, is (len(s_1) + len(s_2)) / 2 - lcs, and adds one to lcs at most once a
    step for at most the shorter length of steps; so each step that adds nothing puts the result
    one further above half the difference in length. Past the threshold, pymailcheck neither
    keeps a candidate nor lets it shadow a nearer one, so the walk stops there (the same loop as
    pymailcheck's, otherwise: the test compares their suggestions).
    """
    len_1, len_2 = len(s_1), len(s_2)
    if not len_1 or not len_2:
        return pymailcheck.sift3_distance(s_1, s_2, max_offset)
    half_difference = abs(len_1 - len_2) / 2
    c = offset_1 = offset_2 = lcs = 0
    while c + offset_1 < len_1 and c + offset_2 < len_2:
        if s_1[c + offset_1] == s_2[c + offset_2]:
            lcs += 1
        else:
            if half_difference + (c + 1 - lcs) > _THRESHOLD:
                return half_difference + (c + 1 - lcs)
            offset_1 = offset_2 = 0
            for i in range(max_offset):
                if c + i < len_1 and s_1[c + i] == s_2[c]:
                    offset_1 = i
                    break
                if c + i < len_2 and s_1[c] == s_2[c + i]:
                    offset_2 = i
                    break
        c += 1
    return (len_1 + len_2) / 2.0 - lcs


def _pymailcheck_domain(domain: str) -> str | None:
    """pymailcheck's suggested domain (None for none), comparing only as far as a candidate can
    still win: the same answer as with the whole lists and full distances, for a small part of
    sift3's pure-Python work on the ~130 candidates of an unlisted domain."""
    email = f"x@{domain}"
    parts = pymailcheck.split_email(email.lower())  # as pymailcheck.suggest splits it
    if not parts:
        return None
    found = pymailcheck.suggest(
        email,
        domains=_near_in_length(DOMAINS, len(parts["domain"])),
        second_level_domains=_near_in_length(SECOND_LEVEL_DOMAINS, len(parts["second_level_domain"])),
        top_level_domains=_near_in_length(TOP_LEVEL_DOMAINS, len(parts["top_level_domain"])),
        distance_callable=_sift3_within_threshold,
    )
    return found["domain"] if found else None


@lru_cache(maxsize=4096)
def _domain_suggestion(domain: str) -> str | None:
    """The suggestion depends on the domain alone, and most signers share a few domains: each
    is worked out once per process. A listed domain is never corrected."""
    if domain in _LISTED:
        return None
    suggested = _pymailcheck_domain(domain)
    if not suggested or suggested == domain:
        return None
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
