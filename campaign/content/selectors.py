"""Reads for the public pages."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch

from .models import (
    About,
    Campaign,
    Case,
    Delivery,
    Demand,
    PartnerOrigin,
    Quote,
    Response,
    Source,
    TimelineEntry,
    Update,
)
from .services import CONTENT_VERSION_KEY


def campaign_published() -> Campaign | None:
    return (
        Campaign.objects.filter(is_published=True)
        .prefetch_related(
            Prefetch("demands", queryset=Demand.objects.select_related("source")),
            Prefetch("quotes", queryset=Quote.objects.select_related("source")),
            Prefetch("timeline", queryset=TimelineEntry.objects.select_related("source")),
            Prefetch(
                "updates",
                queryset=Update.objects.filter(is_published=True).prefetch_related("sources"),
                to_attr="published_updates",
            ),
            "sources",
        )
        .order_by("pk")
        .first()
    )


def cases_published() -> list[Case]:
    return list(Case.objects.filter(is_published=True))


def case_photo_published(*, pk: int, name: str) -> Case | None:
    """The case whose published photo this is; None for an unpublished case or any other name."""
    case = Case.objects.filter(pk=pk, is_published=True).exclude(photo="").first()
    if case is None or case.photo.name.rpartition("/")[2] != name:
        return None
    return case


def deliveries_and_responses_published() -> list:
    """Published deliveries and responses together, newest first (a delivery before the
    response of the same day)."""
    rows = [*Delivery.objects.filter(is_published=True), *Response.objects.filter(is_published=True)]
    return sorted(rows, key=lambda row: (row.date, isinstance(row, Delivery), row.pk), reverse=True)


def delivery_document_published(*, pk: int, name: str) -> Delivery | None:
    """The delivery whose published document this is; None for an unpublished one or any other name."""
    delivery = Delivery.objects.filter(pk=pk, is_published=True).exclude(document="").first()
    if delivery is None or delivery.document.name.rpartition("/")[2] != name:
        return None
    return delivery


def about() -> About | None:
    return About.objects.order_by("pk").first()


def contact_email(about_row: About | None = None) -> str:
    """The address signers write to: the About page's, else the site's."""
    if about_row is None:
        about_row = about()
    return (about_row and about_row.contact_email) or settings.CAMPAIGN_CONTACT_EMAIL


def sources_all():
    return Source.objects.all()


# The version is read from the shared cache at most once per PETITION_READ_CACHE_SECONDS in
# each process, like the petition's row: a surge of home page views costs no extra round trip.
_version: list = [0.0, None]  # [read again after, version]


def content_version():
    seconds = settings.PETITION_READ_CACHE_SECONDS
    now = time.monotonic()
    if seconds > 0 and _version[0] > now:
        return _version[1]
    value = cache.get(CONTENT_VERSION_KEY)  # None while Redis is down: the page falls back to its own expiry
    _version[:] = [now + seconds, value]
    return value


# Read by every widget view; kept in the process as long as the petition's row (a second), so
# a partner page's surge costs no query and a change in the admin shows within that second.
_origins: list = [0.0, ()]  # [read again after, origins]


def partner_origins() -> tuple[str, ...]:
    """The origins whose pages may frame the widget, as the admin lists them."""
    seconds = settings.PETITION_READ_CACHE_SECONDS
    now = time.monotonic()
    if seconds > 0 and _origins[0] > now:
        return _origins[1]
    value = tuple(PartnerOrigin.objects.order_by("origin").values_list("origin", flat=True))
    _origins[:] = [now + seconds, value]
    return value
