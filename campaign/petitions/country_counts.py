"""Confirmed signatures by country, as the public may see them: no number points at a few people.

A country with at least `minimum` counted signatures is shown with its number. The others are
one group, "other countries": the total is public (count.json), so the group's sum can always be
worked out as the total minus the countries shown, and it is therefore never tied to a single
country. The small countries are named (each "fewer than `minimum`") only when the group's sum
says nothing more about any one of them: at least two of them, and a sum with which any one of
them could hold anything from 1 to `minimum` - 1 (the others holding between 1 and `minimum` - 1).
"""

import contextlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from .models import Signature


@dataclass(frozen=True)
class CountryCounts:
    total: int
    minimum: int
    countries: list[tuple[str, int]] = field(default_factory=list)  # (code, count), largest first
    other: int = 0  # the small countries' sum; shown as "fewer than minimum" while below it
    other_named: list[str] = field(default_factory=list)  # codes, only where naming them is safe

    @property
    def other_exact(self) -> bool:
        return self.other >= self.minimum

    def as_json(self) -> dict:
        other = None
        if self.other:
            other = {
                "count": self.other if self.other_exact else None,
                "fewer_than": None if self.other_exact else self.minimum,
                "countries": self.other_named,
            }
        return {
            "count": self.total,
            "minimum": self.minimum,
            "countries": [{"country": code, "count": n} for code, n in self.countries],
            "other": other,
        }


def country_counts_public(counts: dict[str, int], *, minimum: int) -> CountryCounts:
    """What may be published of `counts` (country code -> counted signatures)."""
    counts = {code: n for code, n in counts.items() if n > 0}
    shown = sorted(
        ((code, n) for code, n in counts.items() if code and n >= minimum), key=lambda row: (-row[1], row[0])
    )
    small = {code: n for code, n in counts.items() if (code, n) not in shown}
    other = sum(small.values())
    named = [code for code in small if code]
    m = len(small)
    # The largest one can hold is other - (m - 1), the smallest other - (m - 1) * (minimum - 1).
    safe = len(named) == m >= 2 and minimum + m - 2 <= other <= (m - 1) * (minimum - 1) + 1
    return CountryCounts(
        total=sum(counts.values()),
        minimum=minimum,
        countries=shown,
        other=other,
        other_named=sorted(named) if safe else [],
    )


def _counted_by_country(petition_id: int) -> dict[str, int]:
    rows = (
        Signature.objects.filter(petition_id=petition_id, counted=True)
        .values_list("country")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {str(code or ""): n for code, n in rows}


def country_counts_read(*, petition_id: int) -> CountryCounts:
    """The public counts by country, computed at most once per COUNTRY_COUNTS_CACHE_SECONDS
    across all processes (a grouped scan of the petition's counted signatures)."""
    minimum = settings.COUNTRY_COUNT_MINIMUM
    key = f"petitions:countries:{petition_id}:{minimum}"
    try:
        counts = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is down: count from the database
        counts = None
    if counts is None:
        counts = _counted_by_country(petition_id)
        with contextlib.suppress(Exception):  # the cache is down: the next view counts again
            cache.set(key, counts, settings.COUNTRY_COUNTS_CACHE_SECONDS)
    return country_counts_public(counts, minimum=minimum)
