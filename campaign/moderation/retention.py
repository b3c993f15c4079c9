"""Retention: PETITION_ANONYMISE_AFTER_MONTHS after a petition closes, every one of its
signatures is anonymised, as the privacy page promises (content.retention words it).

Batched by id with constant memory, idempotent (erased rows are never touched again) and
audited once per petition and run. Run by beat (anonymise-signatures) and by
`manage.py anonymise_signatures [--dry-run]`.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from campaign.petitions.models import Petition, Signature

from .audit import audit_record
from .erasure import Quotes, signatures_personal_data_erase

BATCH_SIZE = 2000


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter);
    later for a negative `months`."""
    year, month = divmod(moment.month - 1 - months, 12)
    year += moment.year
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


@dataclass
class PetitionDue:
    petition: Petition
    to_anonymise: int
    anonymised: int = 0


def petitions_due(*, now: datetime | None = None) -> list[Petition]:
    """Petitions closed long enough ago that their signatures must be anonymised."""
    cutoff = months_before(now or timezone.now(), settings.PETITION_ANONYMISE_AFTER_MONTHS)
    return list(Petition.objects.filter(closed_at__lte=cutoff).only("slug", "closed_at").order_by("closed_at"))


def _remaining(petition: Petition):
    return Signature.objects.filter(petition_id=petition.pk, erased_at__isnull=True)


def signatures_anonymise_due(
    *, dry_run: bool = False, batch_size: int = BATCH_SIZE, now: datetime | None = None, progress=None
) -> list[PetitionDue]:
    """Anonymise every signature of the petitions due (or, with dry_run, only count them).

    `progress(item)` is called after each batch. The public count and the figures by country
    do not move: rows keep their state, country and dates.
    """
    report = []
    for petition in petitions_due(now=now):
        item = PetitionDue(petition=petition, to_anonymise=_remaining(petition).count())
        report.append(item)
        if dry_run or not item.to_anonymise:
            continue
        after, quotes = 0, Quotes(petition_ids={petition.pk})
        while True:
            ids = list(
                _remaining(petition).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            item.anonymised += signatures_personal_data_erase(signature_ids=ids, quotes=quotes)
            after = ids[-1]
            if progress is not None:
                progress(item)
        audit_record(
            actor=None,
            action="signatures_anonymise",
            count=item.anonymised,
            petition=petition,
            details={
                "closed_at": petition.closed_at.isoformat(),
                "after_months": settings.PETITION_ANONYMISE_AFTER_MONTHS,
            },
        )
    return report
