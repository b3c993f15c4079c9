"""Which rows an export holds: its filters, who may ask for which states, and the reads."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time

from django.db.models import Count, Q
from django.utils import timezone
from django_countries import countries

from campaign.petitions.models import ExportJob, Petition, Signature
from campaign.petitions.sources import source_figures

logger = logging.getLogger(__name__)
State = Signature.State


FORMATS = ("csv", "xlsx")
# Every organizer may export these; suspicious and rejected rows need export_all_states.
ORGANIZER_STATES = (State.CONFIRMED, State.PENDING)
ALL_STATES = (State.CONFIRMED, State.PENDING, State.SUSPICIOUS, State.REJECTED)
ALL_STATES_PERMISSION = "petitions.export_all_states"
EXPORT_PERMISSION = "petitions.export_supporters"

# Header names are fixed, not translated: mailing tools map columns by these names.
# first_name is for mail merges ("Dear Aigerim"), the name's first word as the emails use it;
# country_name is the country's English name beside its ISO code.
CONTACT_COLUMNS = (
    "name",
    "first_name",
    "email",
    "country",
    "country_name",
    "signed_at",
    "confirmed_at",
    "keep_updated",
    "consent_version",
    "language",
    "state",
)
# No column says which link (`?source=`) a supporter came by: with a small partner's code it
# would name that partner's members in a file that leaves the site; it is reported in aggregate.
# The whole-list export for delivery carries no email addresses.
DELIVERY_COLUMNS = tuple(c for c in CONTACT_COLUMNS if c != "email")


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    """What to export and how. Validated on creation; equal filters give equal files."""

    petition_id: int
    states: tuple[str, ...] = (State.CONFIRMED.value,)
    # True: only supporters who agreed to be kept updated, with email (a contact list).
    # False: every supporter, without email (the list handed over on delivery).
    contactable: bool = True
    country: str = ""
    since: date | None = None
    until: date | None = None
    file_format: str = "csv"
    # CSV only: a UTF-8 byte-order mark and CRLF line ends, which Excel needs to read UTF-8.
    excel: bool = False

    def __post_init__(self):
        wanted = {str(s) for s in self.states}
        unknown = wanted - {s.value for s in ALL_STATES}
        if not wanted or unknown:
            raise ValueError("Choose at least one of the states: " + ", ".join(s.value for s in ALL_STATES))
        # A canonical order, so that the same choice always gives the same file and audit entry.
        object.__setattr__(self, "states", tuple(s.value for s in ALL_STATES if s.value in wanted))
        if self.file_format not in FORMATS:
            raise ValueError("The format must be csv or xlsx.")
        if self.file_format != "csv":
            object.__setattr__(self, "excel", False)
        country = (self.country or "").strip().upper()
        if country and country not in countries:
            raise ValueError("Unknown country code.")
        object.__setattr__(self, "country", country)
        if self.since and self.until and self.since > self.until:
            raise ValueError("The start date is after the end date.")

    @property
    def needs_all_states_permission(self) -> bool:
        return needs_all_states_permission(self.as_json())

    @property
    def columns(self) -> tuple[str, ...]:
        return CONTACT_COLUMNS if self.contactable else DELIVERY_COLUMNS

    @property
    def extension(self) -> str:
        return self.file_format

    def as_json(self) -> dict:
        """The filters as stored in an ExportJob and in the audit log (no personal data)."""
        return {
            "states": list(self.states),
            "contactable": self.contactable,
            "country": self.country,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "format": self.file_format,
            "excel": self.excel,
        }

    @classmethod
    def from_json(cls, *, petition_id: int, data: dict) -> ExportFilters:
        return cls(
            petition_id=petition_id,
            states=tuple(data["states"]),
            contactable=data["contactable"],
            country=data.get("country") or "",
            since=date.fromisoformat(data["since"]) if data.get("since") else None,
            until=date.fromisoformat(data["until"]) if data.get("until") else None,
            file_format=data["format"],
            excel=data.get("excel", False),
        )


def needs_all_states_permission(filters_json: dict) -> bool:
    """Whether stored filters reach beyond what every organizer may export."""
    return any(state not in ORGANIZER_STATES for state in filters_json.get("states", ()))


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, dt_time.min, tzinfo=UTC)


# --- Selectors ------------------------------------------------------------------------------


def export_queryset(*, filters: ExportFilters):
    """The signatures an export contains, in a stable order. Never IP addresses or tokens."""
    rows = Signature.objects.filter(petition_id=filters.petition_id, state__in=filters.states, erased_at__isnull=True)
    if filters.contactable:
        # Only addresses proven by the confirmation email, whose owner asked for updates
        # (unsubscribing clears keep_updated).
        rows = rows.filter(keep_updated=True, confirmed_at__isnull=False)
    if filters.country:
        rows = rows.filter(country=filters.country)
    # Dates are whole days in UTC, both ends included.
    if filters.since:
        rows = rows.filter(signed_at__gte=start_of_day(filters.since))
    if filters.until:
        rows = rows.filter(signed_at__lt=start_of_day(filters.until + timedelta(days=1)))
    return rows.order_by("pk")


def export_count(*, filters: ExportFilters) -> int:
    return export_queryset(filters=filters).count()


def export_jobs_for(*, owner, limit: int = 10) -> list[ExportJob]:
    return list(ExportJob.objects.filter(owner=owner).select_related("petition").order_by("-created_at")[:limit])


def delivery_report(*, petition: Petition) -> dict:
    """The figures handed over with the petition: confirmed signatures, by country. It names
    nobody; those who asked to be left off the list are counted here like everyone else.

    Signatures anonymised by retention (erased after the petition closed) stay in the figures,
    as in the public count; one erased at its signer's request while it was open does not.
    """
    kept = Q(erased_at__isnull=True)
    if petition.closed_at is not None:
        kept |= Q(erased_at__gte=petition.closed_at)
    confirmed = Signature.objects.filter(kept, petition=petition, state=State.CONFIRMED)
    by_country = [
        {
            "code": row["country"],
            "name": countries.name(row["country"]) or row["country"],
            "count": row["n"],
            "name_left_off": row["left_off"],
        }
        for row in confirmed.values("country")
        .annotate(n=Count("pk"), left_off=Count("pk", filter=Q(leave_name_off=True)))
        .order_by("-n", "country")
    ]
    return {
        "petition": petition,
        # For the organizers reading it on screen, never printed: the list handed over should not
        # tell the authorities which partner organisations brought signers.
        "by_source": source_figures(petition=petition, kept=kept),
        "total": sum(row["count"] for row in by_country),
        "total_name_left_off": sum(row["name_left_off"] for row in by_country),
        "countries": by_country,
        "as_of": timezone.now(),
    }
