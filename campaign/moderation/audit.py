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
    "signatures_reject": _("rejected as spam"),
    "signatures_clear": _("cleared suspicion"),
    "signatures_restore": _("restored rejected"),
    "signatures_resend": _("resent confirmation"),
    "signatures_erase": _("erased personal data"),
    "signatures_hold": _("held for review again"),
    "invalidation_create": _("started a bulk invalidation"),
    "invalidation_done": _("bulk invalidation finished"),
    "invalidation_reverse": _("started reversing a bulk invalidation"),
    "invalidation_reversed": _("bulk invalidation reversed"),
    "audit_export": _("exported the audit log"),
    "supporters_export": _("exported supporters"),
    "supporters_export_download": _("downloaded a prepared export"),
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
