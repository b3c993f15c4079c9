"""Erasing a person: their signature's name, email and IP address, and every place the site
quoted them (the audit log, export job records, stored invalidations, export files).

The row stays, with its country, state and dates: the public count and the figures by
country stay true. Staff erasure, a signer's withdrawal and retention's anonymisation all
come through signatures_personal_data_erase.
"""

import re
from urllib.parse import unquote

from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from campaign.exports.jobs import export_files_withdraw
from campaign.petitions.models import AuditEntry, ExportJob, Invalidation, Signature

from .invalidations import invalidations_scrub

ERASED = "[erased]"
# An email address as it may stand in free text (a moderator's reason, a filter value).
_EMAIL = re.compile(r"[^\s\"'<>,;:()\[\]{}=&?/]+@[^\s\"'<>,;:()\[\]{}=&?/]+")
_WORD = re.compile(r"\w+", re.UNICODE)


class _People:
    """The addresses and names to find in free text, compared case-folded, word by word."""

    def __init__(self, rows: list[tuple[str, str]]):
        self.emails = {email.strip().casefold() for _name, email in rows if email.strip()}
        self.names = {tuple(_WORD.findall(name.casefold())) for name, _email in rows}
        self.names.discard(())
        self.longest = max((len(name) for name in self.names), default=0)

    def __bool__(self):
        return bool(self.emails or self.names)

    def scrub(self, text: str) -> str:
        """The text with every quotation of these people replaced by ERASED (the text as it
        was if it quotes none of them)."""
        decoded = unquote(text) if "%40" in text.lower() else text
        hits = []
        scrubbed = _EMAIL.sub(lambda m: self._email_hit(m.group(), hits), decoded)
        spans = self._name_spans(scrubbed)
        for start, end in reversed(spans):
            scrubbed = scrubbed[:start] + ERASED + scrubbed[end:]
        return scrubbed if hits or spans else text

    def _email_hit(self, found: str, hits: list) -> str:
        if found.strip(".").casefold() in self.emails:
            hits.append(found)
            return ERASED
        return found

    def _name_spans(self, text: str) -> list[tuple[int, int]]:
        """Where a whole name stands in the text, word for word (longest first)."""
        if not self.names:
            return []
        words = list(_WORD.finditer(text))
        folded = [word.group().casefold() for word in words]
        spans, index = [], 0
        while index < len(words):
            for length in range(min(self.longest, len(words) - index), 0, -1):
                if tuple(folded[index : index + length]) in self.names:
                    spans.append((words[index].start(), words[index + length - 1].end()))
                    index += length - 1
                    break
            index += 1
        return spans

    def scrub_json(self, value):
        """A JSON value with its strings scrubbed (keys are names of filters, never values)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub_json(item) for key, item in value.items()}
        return value


def records_scrub(*, people: _People, petition_ids: set[int]) -> int:
    """Drop quotations of these people from the audit log, export job records and invalidation
    reasons of their petitions (and entries tied to no petition). Returns records changed."""
    changed = 0
    if not people:
        return 0
    scope = Q(petition_id__in=petition_ids) | Q(petition__isnull=True)
    for pk, details in AuditEntry.objects.filter(scope).exclude(details={}).values_list("pk", "details").iterator():
        scrubbed = people.scrub_json(details)
        if scrubbed != details:
            changed += AuditEntry.objects.filter(pk=pk).update(details=scrubbed)
    for pk, filters in ExportJob.objects.filter(petition_id__in=petition_ids).values_list("pk", "filters").iterator():
        scrubbed = people.scrub_json(filters)
        if scrubbed != filters:
            changed += ExportJob.objects.filter(pk=pk).update(filters=scrubbed)
    for pk, reason in Invalidation.objects.filter(petition_id__in=petition_ids).values_list("pk", "reason").iterator():
        scrubbed = people.scrub(reason)
        if scrubbed != reason:
            changed += Invalidation.objects.filter(pk=pk).update(reason=scrubbed[:200])
    return changed


def signatures_personal_data_erase(*, signature_ids: list[int]) -> int:
    """Erase the name, email and IP address of these signatures and every quotation of them;
    returns how many rows were erased now (rows erased before are left as they are)."""
    ids = list(signature_ids)
    if not ids:
        return 0
    with transaction.atomic():
        # Locked in id order: two erasures of the same rows (a rerun, a withdrawal) wait for
        # each other, and the second finds them erased.
        rows = Signature.objects.filter(pk__in=ids, erased_at__isnull=True).order_by("pk").select_for_update()
        found = list(rows.values_list("pk", "name", "email", "petition_id"))
        if not found:
            return 0
        ids = [pk for pk, _n, _e, _p in found]
        invalidations_scrub(signature_ids=ids)
        export_files_withdraw(signature_ids=ids)
        records_scrub(
            people=_People([(name, email) for _pk, name, email, _p in found]),
            petition_ids={petition_id for _pk, _n, _e, petition_id in found},
        )
        return Signature.objects.filter(pk__in=ids).update(
            name="",
            email="",
            email_canonical=Concat(Value("erased-"), Cast("pk", CharField()), output_field=CharField()),
            email_domain="",
            ip_address=None,
            show_publicly=False,
            keep_updated=False,
            email_state=Signature.EmailState.NONE,
            erased_at=timezone.now(),
        )
