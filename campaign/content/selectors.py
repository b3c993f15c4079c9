"""Reads for the public pages."""

from django.db.models import Prefetch

from .models import Campaign, Demand, Quote, Source, TimelineEntry


def campaign_published() -> Campaign | None:
    return (
        Campaign.objects.filter(is_published=True)
        .prefetch_related(
            Prefetch("demands", queryset=Demand.objects.select_related("source")),
            Prefetch("quotes", queryset=Quote.objects.select_related("source")),
            Prefetch("timeline", queryset=TimelineEntry.objects.select_related("source")),
            "sources",
        )
        .order_by("pk")
        .first()
    )


def sources_all():
    return Source.objects.all()
