"""Named reads for pages: narrow columns, no per-row queries."""

import time

from django.conf import settings

from .countries import country_name
from .country_counts import CountryCounts, country_counts_read
from .models import Petition, Signature, goal_next
from .tokens import SignatureRef, signature_ref_filter

# What a page shows of a petition: the title and text in every language (a column each,
# campaign/petitions/translation.py), read with the rest in one query.
_PAGE_COLUMNS = ["slug", "goal", "goal_steps", "signature_count", "closes_at", "closed_at"] + [
    f"{field}_{code}" for field in ("title", "text") for code, _name in settings.LANGUAGES
]


# What these reads return is kept in the process for PETITION_READ_CACHE_SECONDS (a second):
# during a surge the home page, the sign form and count.json then cost no query at all,
# and the stored count they show moves only every few seconds anyway. Only petitions that
# exist are kept, so the dictionary cannot grow with made-up slugs. Callers must not change
# what they get.
_recent: dict[tuple, tuple[float, object]] = {}


def _recently_read(key: tuple, read):
    seconds = settings.PETITION_READ_CACHE_SECONDS
    if seconds <= 0:
        return read()
    now = time.monotonic()
    kept = _recent.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    value = read()
    if value is not None:
        _recent[key] = (now + seconds, value)
    return value


def petition_featured() -> Petition | None:
    return _recently_read(
        ("featured",), lambda: Petition.objects.only(*_PAGE_COLUMNS).order_by("-is_featured", "-created_at").first()
    )


def petition_public(*, slug: str) -> Petition:
    petition = _recently_read(("public", slug), lambda: Petition.objects.only(*_PAGE_COLUMNS).filter(slug=slug).first())
    if petition is None:
        raise Petition.DoesNotExist(f"No petition {slug!r}.")
    return petition


def _count(slug: str) -> dict | None:
    petition = Petition.objects.only("signature_count", "goal", "goal_steps").filter(slug=slug).first()
    if petition is None:
        return None
    count = petition.signature_count
    return {"signature_count": count, "goal": petition.goal, "next_goal": goal_next(petition.goals, count)}


def petition_count(*, slug: str) -> dict | None:
    return _recently_read(("count", slug), lambda: _count(slug))


def petition_country_counts(*, slug: str) -> CountryCounts | None:
    """Confirmed signatures by country as the public may see them; None for no such petition."""
    try:
        petition = petition_public(slug=slug)
    except Petition.DoesNotExist:
        return None
    return _recently_read(("countries", slug), lambda: country_counts_read(petition_id=petition.pk))


def petition_of_signature(*, ref: SignatureRef) -> Petition | None:
    """The petition of the signature a link names (by public id, or by id in an older link)."""
    lookup = {f"signatures__{key}": value for key, value in signature_ref_filter(ref).items()}
    return Petition.objects.only("slug", "title").filter(**lookup).first()


def signatures_recent_public(*, petition: Petition, limit: int = 10) -> list[dict]:
    """Recent signers who chose to be shown: first name and country only."""
    rows = (
        Signature.objects.filter(
            petition=petition,
            show_publicly=True,
            state=Signature.State.CONFIRMED,
            erased_at__isnull=True,
            # Redundant with the state, but it lets the index skip the unconfirmed rows, which
            # sort first in a descending index (a million of them, during a surge).
            confirmed_at__isnull=False,
        )
        .order_by("-confirmed_at")
        .values_list("name", "country")[:limit]
    )
    # The country's name in the page's language (Kazakh included, which django-countries lacks).
    return [{"first_name": name.split()[0] if name else "", "country": country_name(code)} for name, code in rows]
