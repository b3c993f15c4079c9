"""The Kazakhstan campaign's content, kept in step with seed_data.py.

`seed_campaign()` creates whatever is missing, keyed by each row's stable key, and brings
every row nobody edited up to date. A row remembers, in `seed_digest`, the hash of the
values the seed last wrote; if its values still hash to that, nobody touched it and the
seed may replace them. A row whose values differ was edited in the admin: it stays as the
editor left it, and the admin says a newer seeded version is available, which an editor
can take (`seed_rows_take`). Rows written before digests were kept have an empty digest:
they count as untouched when their values match one of the earlier published seeds
(`seed_history.EARLIER`).
"""

import hashlib
import json
from collections import Counter
from functools import cache

from django.db import models, transaction
from django.utils import translation

from . import seed_data, seed_history, seed_translations, services, translations
from .models import Campaign, Demand, Quote, Source, TimelineEntry, Update

# What the seed writes for each kind of row, and so what its digest covers. Fields editors
# fill that the seed never does (a source's archived copy, whether the campaign is
# published) are left out: filling them is not an edit of the seeded text.
FIELDS = {
    Source: ["title", "description", "kind", "publisher", "url", "published_label", "published_on", "note"],
    Campaign: [
        "title",
        "lede",
        "what_happened",
        "why_it_matters",
        "call_to_action",
        "share_text",
        "reviewed_on",
        "sources",
    ],
    TimelineEntry: ["date", "date_label", "title", "body", "source"],
    Demand: ["organisation", "addressee", "text", "source", "position"],
    Quote: ["speaker", "role", "text", "excerpt", "source", "position"],
    Update: ["title", "as_of", "body", "is_published", "sources"],
}
NAMES = {
    Source: "sources",
    Campaign: "campaigns",
    TimelineEntry: "timeline",
    Demand: "demands",
    Quote: "quotes",
    Update: "updates",
}
# The seeded translations (seed_translations.py), by kind of row.
TRANSLATED = {
    Source: "SOURCES",
    Campaign: "CAMPAIGNS",
    TimelineEntry: "TIMELINE",
    Demand: "DEMANDS",
    Quote: "QUOTES",
    Update: "UPDATES",
}
# The seed writes every translated column too ("title_ru"), so the digest covers the translations:
# a row whose translation an editor changed is an edited row. An empty translated column is left
# out of the digest, so rows seeded before the content had translations still hash as they did.
for _model in FIELDS:
    FIELDS[_model] = FIELDS[_model] + [
        f"{field}_{language}" for language in translations.LANGUAGES for field in translations.translated_fields(_model)
    ]
TRANSLATION_COLUMNS = {
    name for model in FIELDS for name in FIELDS[model] if name.rsplit("_", 1)[-1] in translations.LANGUAGES
}


def seed_values_digest(values: dict) -> str:
    """The hash of a row's seeded values: foreign keys by their key, many-to-many as a sorted list of keys."""
    values = {name: value for name, value in values.items() if not (name in TRANSLATION_COLUMNS and not value)}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


@cache
def seeded_rows() -> dict[type, dict[str, dict]]:
    """Every kind of row the seed writes: key -> the values it writes (relations by key)."""
    rows: dict[type, dict[str, dict]] = {model: {} for model in FIELDS}
    for row in seed_data.SOURCES:
        rows[Source][row["key"]] = {f: row[f] for f in FIELDS[Source] if f in row}
    data = seed_data.CAMPAIGN
    rows[Campaign][data["slug"]] = {
        **{f: data[f] for f in FIELDS[Campaign] if f in data and f != "sources"},
        "sources": sorted(data["source_keys"]),
    }
    for row in seed_data.TIMELINE:
        rows[TimelineEntry][row["key"]] = {f: row[f] for f in FIELDS[TimelineEntry] if f in row}
    for model, data_rows in ((Demand, seed_data.DEMANDS), (Quote, seed_data.QUOTES)):
        for position, row in enumerate(data_rows):
            rows[model][row["key"]] = {
                **{f: row[f] for f in FIELDS[model] if f in row and f != "position"},
                "position": position,
            }
    for row in seed_data.UPDATES:
        rows[Update][row["key"]] = {
            **{f: row[f] for f in FIELDS[Update] if f in row and f != "sources"},
            "sources": sorted(row["source_keys"]),
        }
    for model, name in TRANSLATED.items():
        for key, by_language in getattr(seed_translations, name).items():
            for language, texts in by_language.items():
                rows[model][key].update({f"{field}_{language}": text for field, text in texts.items()})
    return rows


def _current_values(row: models.Model) -> dict:
    values = {}
    for name in FIELDS[type(row)]:
        field = row._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(row, name).values_list("key", flat=True))
        elif field.many_to_one:
            values[name] = getattr(row, name).key
        else:
            values[name] = getattr(row, name)
            if name in TRANSLATION_COLUMNS and values[name] is None:
                values[name] = ""
    return values


def _is_untouched(row: models.Model) -> bool:
    digest = seed_values_digest(_current_values(row))
    if row.seed_digest:
        return digest == row.seed_digest
    return digest in seed_history.EARLIER.get(NAMES[type(row)], {}).get(row.key, ())


def seed_status(row: models.Model) -> str | None:
    """None for a row the seed does not write; "current" when the seed's newest values are
    what it last wrote to this row (edited or not); "newer" when the seed has newer values."""
    values = seeded_rows().get(type(row), {}).get(row.key)
    if values is None:
        return None
    return "current" if row.seed_digest == seed_values_digest(values) else "newer"


def _write(row: models.Model, values: dict, sources: dict[str, Source], campaign: Campaign | None) -> None:
    m2m = {}
    for name, value in values.items():
        field = row._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = [sources[k] for k in value]
        elif field.many_to_one:
            setattr(row, name, sources[value])
        else:
            setattr(row, name, value)
    if campaign is not None and hasattr(row, "campaign_id"):
        row.campaign = campaign
    for language in translations.LANGUAGES:
        if any(name.endswith(f"_{language}") and value for name, value in values.items()):
            translations.translation_made(row, language)
    row.seed_digest = seed_values_digest(values)
    row.save()
    for name, related in m2m.items():
        getattr(row, name).set(related)


def _sync(model, key: str, values: dict, sources, campaign, counts: dict[str, Counter]) -> models.Model:
    name = NAMES[model]
    row = model.objects.filter(key=key).first()
    if row is None:
        row = model(key=key)
        _write(row, values, sources, campaign)
        counts["created"][name] += 1
    elif row.seed_digest == seed_values_digest(values):
        pass
    elif seed_values_digest(_current_values(row)) == seed_values_digest(values):
        row.seed_digest = seed_values_digest(values)  # already holds the newest values: remember that
        row.save(update_fields=["seed_digest"])
    elif _is_untouched(row):
        _write(row, values, sources, campaign)
        counts["updated"][name] += 1
    else:
        counts["kept"][name] += 1
    return row


# English is active while the seed reads and writes: `row.title` is then the English column.
@transaction.atomic
@translation.override("en")
def seed_campaign() -> dict[str, Counter]:
    """Create the missing rows and update the untouched ones. Returns, per outcome
    ("created", "updated", "kept" for edited rows left alone), how many of each kind."""
    counts = {"created": Counter(), "updated": Counter(), "kept": Counter()}
    rows = seeded_rows()
    sources = {key: _sync(Source, key, values, {}, None, counts) for key, values in rows[Source].items()}
    # Rows may point at a source an editor added; look up every source by key.
    sources = {s.key: s for s in Source.objects.all()}
    ((campaign_key, campaign_values),) = rows[Campaign].items()
    campaign = _sync(Campaign, campaign_key, campaign_values, sources, None, counts)
    for model in (TimelineEntry, Demand, Quote, Update):
        for key, values in rows[model].items():
            _sync(model, key, values, sources, campaign, counts)

    from campaign.petitions.services import petition_seed

    if petition_seed(**seed_data.PETITION, translations=seed_translations.PETITION):
        counts["created"]["petitions"] += 1
    if counts["created"] or counts["updated"]:
        services.content_changed()
    return counts


@transaction.atomic
@translation.override("en")
def seed_rows_take(*, rows) -> int:
    """Give the chosen rows the seed's newest values, whatever an editor wrote: an editor's
    choice in the admin. Rows the seed does not write are left alone. Returns how many changed."""
    sources = {s.key: s for s in Source.objects.all()}
    campaign = Campaign.objects.filter(key=seed_data.CAMPAIGN["slug"]).first()
    changed = 0
    for row in rows:
        values = seeded_rows().get(type(row), {}).get(row.key)
        if values is None or any(sources.get(k) is None for k in _source_keys(values)):
            continue
        _write(row, values, sources, campaign if type(row) is not Campaign else None)
        changed += 1
    if changed:
        services.content_changed()
    return changed


def _source_keys(values: dict) -> list[str]:
    keys = []
    for name in ("source", "sources"):
        value = values.get(name)
        if isinstance(value, str):
            keys.append(value)
        elif isinstance(value, list):
            keys.extend(value)
    return keys
