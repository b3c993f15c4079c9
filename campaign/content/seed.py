"""The Kazakhstan campaign as it stands on first set-up.

`seed_campaign()` creates whatever is missing, keyed by each row's stable key, and never
touches a row that exists: editors' changes in the admin survive every run.
"""

from django.db import transaction

from . import seed_data
from .models import Campaign, Demand, Quote, Source, TimelineEntry


@transaction.atomic
def seed_campaign() -> dict[str, int]:
    """Create the missing rows; return how many of each kind were created."""
    created = {"sources": 0, "campaigns": 0, "timeline": 0, "demands": 0, "quotes": 0, "petitions": 0}

    sources = {}
    for row in seed_data.SOURCES:
        fields = {k: v for k, v in row.items() if k != "key"}
        sources[row["key"]], made = Source.objects.get_or_create(key=row["key"], defaults=fields)
        created["sources"] += made

    data = seed_data.CAMPAIGN
    fields = {k: v for k, v in data.items() if k not in ("slug", "source_keys")}
    campaign, made = Campaign.objects.get_or_create(key=data["slug"], defaults=fields)
    if made:
        campaign.sources.set([sources[k] for k in data["source_keys"]])
    created["campaigns"] += made

    for model, rows, name in (
        (TimelineEntry, seed_data.TIMELINE, "timeline"),
        (Demand, seed_data.DEMANDS, "demands"),
        (Quote, seed_data.QUOTES, "quotes"),
    ):
        for position, row in enumerate(rows):
            fields = {k: v for k, v in row.items() if k not in ("key", "source")}
            fields.update(campaign=campaign, source=sources[row["source"]])
            if model is not TimelineEntry:
                fields["position"] = position
            created[name] += model.objects.get_or_create(key=row["key"], defaults=fields)[1]

    from campaign.petitions.services import petition_seed

    created["petitions"] += petition_seed(**seed_data.PETITION)
    return created
