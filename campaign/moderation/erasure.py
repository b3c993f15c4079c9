"""Erasing a person: their signature's name, email and IP address, and every place the site
quoted them (the audit log, export job records, stored invalidations, export files).

The row stays, with its country, state and dates: the public count and the figures by
country stay true. Staff erasure, a signer's withdrawal and retention's anonymisation all
come through signatures_personal_data_erase.
"""

import re
from urllib.parse import unquote

from django.db import connection, transaction
from django.db.models import CharField, Q, Value
from django.db.models.expressions import RawSQL
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

    def named_in(self, words: tuple[str, ...]) -> bool:
        """Whether one of these names stands, word for word, in this sequence of words."""
        return any(
            words[start : start + length] in self.names
            for start in range(len(words))
            for length in range(1, min(self.longest, len(words) - start) + 1)
        )

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


def _tokens(text: str) -> tuple[tuple[str, ...], set[str]]:
    """The text's words (case-folded, in order) and email addresses."""
    words = tuple(word.casefold() for word in _WORD.findall(text))
    return words, {found.strip(".").casefold() for found in _EMAIL.findall(text)}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


class Quotes:
    """The free text of the audit log, export job records and invalidation reasons of some
    petitions (and audit entries tied to none), indexed by word and address.

    One index serves many erasures (retention's batches): those records are only ever added
    to (or scrubbed here), so each use reads just the records added since the last.
    """

    # (model, the column holding the text, whether it is JSON, which rows are in scope)
    SOURCES = (
        (AuditEntry, "details", True, lambda ids: Q(petition_id__in=ids) | Q(petition__isnull=True)),
        (ExportJob, "filters", True, lambda ids: Q(petition_id__in=ids)),
        (Invalidation, "reason", False, lambda ids: Q(petition_id__in=ids)),
    )

    def __init__(self, *, petition_ids: set[int]):
        self.petition_ids = set(petition_ids)
        self.after = {model: 0 for model, *_rest in self.SOURCES}
        self.records: list[list] = []  # [model, pk, field, is_json, value, words in order, emails]

    def refresh(self) -> None:
        for model, field, is_json, scope in self.SOURCES:
            rows = model.objects.filter(scope(self.petition_ids), pk__gt=self.after[model]).order_by("pk")
            for pk, value in rows.values_list("pk", field).iterator():
                self.after[model] = pk
                texts = list(_strings(value))
                if not any(texts):
                    continue
                words, emails = _tokens(" ".join(unquote(text) for text in texts))
                self.records.append([model, pk, field, is_json, value, words, emails])

    def scrub(self, people: _People) -> int:
        """Drop quotations of these people from every record; returns how many changed."""
        self.refresh()
        changed = 0
        for record in self.records:
            model, pk, field, is_json, value, words, emails = record
            if not (emails & people.emails) and not people.named_in(words):
                continue
            scrubbed = people.scrub_json(value) if is_json else people.scrub(value)[:200]
            if scrubbed != value:
                changed += model.objects.filter(pk=pk).update(**{field: scrubbed})
                record[4:] = [scrubbed, *_tokens(" ".join(_strings(scrubbed)))]
        return changed


def _pk_in(ids: list[int]) -> Q:
    # On PostgreSQL one array parameter: a list of thousands of parameters costs more to send
    # than the rows cost to update.
    if connection.vendor == "postgresql":
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
    return Q(pk__in=ids)


def signatures_personal_data_erase(*, signature_ids: list[int], quotes: Quotes | None = None) -> int:
    """Erase the name, email and IP address of these signatures and every quotation of them;
    returns how many rows were erased now (rows erased before are left as they are).

    `quotes`, for many erasures in a row (retention), is an index of the records that may
    quote them, covering their petitions; without it one is built for this call.
    """
    ids = list(signature_ids)
    if not ids:
        return 0
    with transaction.atomic():
        # Locked in id order: two erasures of the same rows (a rerun, a withdrawal) wait for
        # each other, and the second finds them erased.
        rows = Signature.objects.filter(_pk_in(ids), erased_at__isnull=True).order_by("pk").select_for_update()
        found = list(rows.values_list("pk", "name", "email", "petition_id"))
        if not found:
            return 0
        ids = [pk for pk, _n, _e, _p in found]
        invalidations_scrub(signature_ids=ids)
        export_files_withdraw(signature_ids=ids)
        petition_ids = {petition_id for _pk, _n, _e, petition_id in found}
        if quotes is None or not petition_ids <= quotes.petition_ids:
            quotes = Quotes(petition_ids=petition_ids)
        quotes.scrub(_People([(name, email) for _pk, name, email, _p in found]))
        return Signature.objects.filter(_pk_in(ids)).update(
            name="",
            email="",
            email_index=Concat(Value("erased-"), Cast("pk", CharField()), output_field=CharField()),
            email_domain="",
            name_words="",
            name_shape="",
            ip_address=None,
            show_publicly=False,
            keep_updated=False,
            email_state=Signature.EmailState.NONE,
            erased_at=timezone.now(),
        )


def name_words(name: str) -> tuple[str, ...]:
    """A name as quotations of it are found: its words, case-folded."""
    return tuple(_WORD.findall(name.casefold()))


def quotations_scrub(*, petition_ids: set[int], people: list[tuple[str, str]]) -> int:
    """Drop every quotation of these (name, email) pairs from the audit entries, export job
    records and invalidation reasons of these petitions, as an erasure does (an empty name or
    address is not looked for). Returns how many records changed."""
    found = _People(people)
    return Quotes(petition_ids=petition_ids).scrub(found) if found else 0
