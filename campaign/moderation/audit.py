"""The audit trail: who did what to which signatures, and how they were chosen."""

import logging
from urllib.parse import parse_qsl

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from campaign.petitions.models import AuditEntry, Petition, Signature

from .lookups import CRITERIA_KEYS

logger = logging.getLogger(__name__)
State = Signature.State

# How many ids an audit entry lists; beyond that it records the filter that chose them.
AUDIT_MAX_IDS = 1000

AUDIT_ACTIONS = {
    "field_keys_rotate": _("re-encrypted names and addresses under a new key"),
    "blind_indexes_rebuild": _("rebuilt the blind indexes of addresses and names"),
    "signatures_reject": _("rejected as spam"),
    "signatures_clear": _("cleared suspicion"),
    "signatures_restore": _("restored rejected"),
    "signatures_resend": _("resent confirmation"),
    "signatures_erase": _("erased personal data"),
    "signature_withdraw": _("signature withdrawn by its signer"),
    "signatures_hold": _("held for review again"),
    "signature_correct": _("corrected a signature on the signer's request"),
    "signature_correct_by_signer": _("signature's name corrected by its signer"),
    "signatures_anonymise": _("anonymised the signatures of a closed petition"),
    "petition_close": _("closed a petition"),
    "petition_close_scheduled": _("petition closed at its closing time"),
    "petition_reopen": _("reopened a petition"),
    "invalidation_create": _("started a bulk invalidation"),
    "invalidation_done": _("bulk invalidation finished"),
    "invalidation_reverse": _("started reversing a bulk invalidation"),
    "invalidation_reversed": _("bulk invalidation reversed"),
    "audit_export": _("exported the audit log"),
    "supporters_export": _("exported supporters"),
    "supporters_export_download": _("downloaded a prepared export"),
    "update_draft_about": _("wrote a draft update about a delivery or a response"),
    "update_test_send": _("sent a test of an update to themselves"),
    "update_send_request": _("asked to send an update (waits for approval)"),
    "update_send": _("started sending an update to supporters"),
    "update_sent": _("finished sending an update to supporters"),
}


# --- The audit trail ----------------------------------------------------------------------------


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    count: int = 0,
    petition: Petition | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Append one line to the audit log. Nothing in the site edits or deletes one."""
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "system",
        action=action,
        petition=petition,
        count=count,
        details=details or {},
    )


def filter_names(filters: dict) -> dict:
    """Which filters chose the rows, without their values.

    The audit log outlives an erasure: a search for someone's address or name, or a field
    filter on it (`email__exact=…`), must not keep that person on record. A query string
    becomes its parameter names, a dict its keys; booleans stay.
    """
    names: dict = {}
    for key, value in filters.items():
        if isinstance(value, bool) or value is None:
            names[key] = value
        elif isinstance(value, str):
            names[key] = sorted({name for name, _value in parse_qsl(value, keep_blank_values=True)})
        elif isinstance(value, dict):
            names[key] = sorted(str(name) for name in value)
        else:
            names[key] = sorted(str(name) for name in value)
    return names


def criteria_names(criteria: dict) -> list[str]:
    """The names of an invalidation's criteria (for the audit log), not their values."""
    return [key for key in CRITERIA_KEYS if criteria.get(key)]


def selection_details(rows: QuerySet, filters: dict | None, reason: str = "") -> dict:
    ids = list(rows.order_by("pk").values_list("pk", flat=True)[: AUDIT_MAX_IDS + 1])
    details: dict = {}
    if reason:
        details["reason"] = reason
    if filters:
        details["filter"] = filter_names(filters)
    if len(ids) > AUDIT_MAX_IDS:
        details["ids_first"] = ids[:AUDIT_MAX_IDS]
    else:
        details["ids"] = ids
    return details


def single_petition(rows: QuerySet) -> Petition | None:
    petition_ids = list(rows.order_by().values_list("petition_id", flat=True).distinct()[:2])
    return Petition.objects.filter(pk=petition_ids[0]).first() if len(petition_ids) == 1 else None


# --- Reading an entry ----------------------------------------------------------------------------

# The admin list's query parameters and the criteria, in words.
_FILTER_WORDS = {
    "q": _("search"),
    "state__exact": _("state"),
    "suspicion": _("why suspicious"),
    "country": _("country"),
    "petition__id__exact": _("petition"),
    "invalidation": _("bulk invalidation"),
    "ip": _("IP address or range"),
    "email_domain": _("email domain"),
    "name_pattern": _("name pattern"),
    "name_shape": _("name shape"),
    "signed_from": _("signed from"),
    "signed_to": _("signed before"),
}
_SHOWN_IDS = 5


def _words(name: str) -> str:
    if name in _FILTER_WORDS:
        return str(_FILTER_WORDS[name])
    # Date filters and the like: signed_at__gte → "signed at".
    return name.split("__")[0].replace("_", " ")


def audit_summary(details: dict) -> list[str]:
    """An entry's details as short sentences for people: no JSON, no code names."""
    lines = []
    if details.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": details["reason"]})
    if details.get("criteria"):
        lines.append(_("Criteria: %(names)s") % {"names": ", ".join(_words(n) for n in details["criteria"])})
    chosen = details.get("filter") or {}
    names = sorted({_words(n) for n in chosen.get("changelist", ()) if n not in ("o", "p", "all")})
    if chosen.get("select_across"):
        lines.append(_("Chosen as every row matching: %(names)s") % {"names": ", ".join(names) or _("no filter")})
    elif names:
        lines.append(_("Ticked in a list filtered by: %(names)s") % {"names": ", ".join(names)})
    ids = details.get("ids") or details.get("ids_first") or []
    if ids:
        shown = ", ".join(f"#{pk}" for pk in ids[:_SHOWN_IDS])
        more = len(ids) - _SHOWN_IDS
        if details.get("ids_first"):
            lines.append(_("Signatures %(shown)s and more (the first 1,000 are in the CSV export)") % {"shown": shown})
        elif more > 0:
            lines.append(_("Signatures %(shown)s and %(more)d more") % {"shown": shown, "more": more})
        else:
            lines.append(_("Signatures %(shown)s") % {"shown": shown})
    if details.get("fields"):
        # Which fields were corrected, never their values.
        lines.append(_("Corrected: %(fields)s") % {"fields": ", ".join(details["fields"])})
    if details.get("undoes"):
        lines.append(_("Undid entry #%(pk)s") % {"pk": details["undoes"]})
    if details.get("invalidation"):
        lines.append(_("Bulk invalidation #%(pk)s") % {"pk": details["invalidation"]})
    if "matched" in details:
        lines.append(_("Matched when previewed: %(n)s") % {"n": details["matched"]})
    if details.get("closed_at"):
        lines.append(_("Petition closed at %(when)s") % {"when": details["closed_at"][:16].replace("T", " ")})
    if details.get("after_months"):
        lines.append(_("Anonymised %(n)s months after closing") % {"n": details["after_months"]})
    if "contactable" in details:
        lines.append(_export_summary(details))
    if details.get("update"):
        lines.append(_("Update to supporters #%(pk)s") % {"pk": details["update"]})
    if "sent" in details and "failed" in details:
        lines.append(
            _("Sent %(sent)s, failed %(failed)s, skipped %(skipped)s")
            % {"sent": details["sent"], "failed": details["failed"], "skipped": details.get("skipped", 0)}
        )
    return lines


def _export_summary(details: dict) -> str:
    audience = _("contact list") if details.get("contactable") else _("whole list for delivery")
    parts = [str(audience), ", ".join(details.get("states") or ())]
    if details.get("country"):
        parts.append(details["country"])
    if details.get("since") or details.get("until"):
        parts.append(f"{details.get('since') or '…'} – {details.get('until') or '…'}")
    file_format = "XLSX" if details.get("format") == "xlsx" else _("CSV for Excel") if details.get("excel") else "CSV"
    parts.append(str(file_format))
    if details.get("job"):
        parts.append(_("background job #%(pk)s") % {"pk": details["job"]})
    return " · ".join(p for p in parts if p)
