"""What moderators do to signatures, and the audit trail of it.

Every function here that writes is a keyword-only service (see services.py for signing and
counting). None of them touches Petition.signature_count: they change Signature.state and ask
the batched counter to move the rows into or out of the public count.
"""

import ipaddress
import logging
import re
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import NotSupportedError, transaction
from django.db.models import Case, CharField, Count, F, Lookup, Max, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AuditEntry, Invalidation, Petition, Signature

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
    "invalidation_create": _("started a bulk invalidation"),
    "invalidation_done": _("bulk invalidation finished"),
    "invalidation_reverse": _("started reversing a bulk invalidation"),
    "invalidation_reversed": _("bulk invalidation reversed"),
    "audit_export": _("exported the audit log"),
    "supporters_export": _("exported supporters"),
    "supporters_export_download": _("downloaded a prepared export"),
}


# --- IP ranges ------------------------------------------------------------------------------


class InNetwork(Lookup):
    """`ip_address__in_network="203.0.113.0/24"`: the address lies in the range.

    PostgreSQL stores addresses as `inet` and answers with `<<=`, using the index. Other
    databases store text; there an IPv4 range becomes a handful of octet prefixes (good
    enough for development on SQLite), and IPv6 ranges are refused.
    """

    lookup_name = "in_network"
    prepare_rhs = False

    def get_prep_lookup(self):
        return str(ipaddress.ip_network(self.rhs, strict=False))

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} <<= {rhs}::inet", (*lhs_params, *rhs_params)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        network = ipaddress.ip_network(self.rhs)
        if network.num_addresses == 1:
            return f"{lhs} = %s", (*lhs_params, str(network.network_address))
        if network.version != 4:
            raise NotSupportedError("IPv6 ranges need PostgreSQL.")
        aligned = -(-network.prefixlen // 8) * 8
        if aligned == 0:
            return f"{lhs} IS NOT NULL", tuple(lhs_params)
        clauses, params = [], []
        for part in network.subnets(new_prefix=aligned):
            octets = str(part.network_address).split(".")[: aligned // 8]
            if aligned == 32:
                clauses.append(f"{lhs} = %s")
                params += [*lhs_params, ".".join(octets)]
            else:
                clauses.append(f"{lhs} LIKE %s")
                params += [*lhs_params, ".".join(octets) + ".%"]
        return "(" + " OR ".join(clauses) + ")", tuple(params)


Signature._meta.get_field("ip_address").register_lookup(InNetwork)


def ip_query(value: str) -> Q:
    """One address, or every address in a CIDR range. Raises ValueError for anything else."""
    value = value.strip()
    if "/" in value:
        network = ipaddress.ip_network(value, strict=False)
        if network.num_addresses > 1:
            return Q(ip_address__in_network=str(network))
        value = str(network.network_address)
    return Q(ip_address=str(ipaddress.ip_address(value)))


def suspicion_query(reason: str) -> Q:
    """Signatures held for this reason (one of Signature.Suspicion), on any database."""
    # The JSON text of the list holds each reason in quotes, so this cannot match a longer one.
    return Q(suspicion__icontains=f'"{reason}"')


def name_pattern_regex(pattern: str) -> str:
    """A name pattern (`*` any run of characters, `?` one character) as an anchored regex."""
    parts = []
    for ch in pattern.strip():
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return "^" + "".join(parts) + "$"


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


def _selection_details(rows: QuerySet, filters: dict | None, reason: str = "") -> dict:
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


def _single_petition(rows: QuerySet) -> Petition | None:
    petition_ids = list(rows.order_by().values_list("petition_id", flat=True).distinct()[:2])
    return Petition.objects.filter(pk=petition_ids[0]).first() if len(petition_ids) == 1 else None


# --- Acting on chosen signatures ----------------------------------------------------------------

# The state a restored signature goes back to: where it was, with any confirmation that
# arrived while it was rejected taken into account.
_RESTORED_STATE = Case(
    When(state_before_invalidation=State.SUSPICIOUS, then=Value(State.SUSPICIOUS)),
    When(confirmed_at__isnull=False, then=Value(State.CONFIRMED)),
    default=Value(State.PENDING),
)


def signatures_eligible(*, action: str, signatures: QuerySet) -> QuerySet:
    """The chosen signatures an action would change: what confirmation pages count."""
    rows = Signature.objects.filter(pk__in=signatures.order_by().values("pk"))
    if action == "reject":
        return rows.exclude(state=State.REJECTED)
    if action == "clear":
        return rows.filter(state=State.SUSPICIOUS)
    if action == "restore":
        return rows.filter(state=State.REJECTED)
    if action == "resend":
        return rows.filter(
            confirmed_at__isnull=True,
            erased_at__isnull=True,
            email_requests__lt=settings.PETITION_MAX_EMAILS_PER_SIGNATURE,
        ).exclude(state=State.REJECTED).exclude(services._email_withheld())
    if action == "erase":
        return rows.filter(erased_at__isnull=True)
    raise ValueError(f"unknown action {action!r}")


def _act(*, actor, action: str, signatures: QuerySet, filters: dict | None, reason: str = "", change) -> int:
    with transaction.atomic():
        rows = signatures_eligible(action=action, signatures=signatures)
        petition = _single_petition(rows)
        details = _selection_details(rows, filters, reason)
        count = change(rows)
        audit_record(actor=actor, action=f"signatures_{action}", count=count, petition=petition, details=details)
    services.signature_counts_schedule()
    return count


def signatures_reject(
    *, actor: AbstractBaseUser, signatures: QuerySet, reason: str = "", filters: dict | None = None
) -> int:
    """Reject as spam: the signatures leave the public count. Returns how many changed."""
    return _act(
        actor=actor, action="reject", signatures=signatures, filters=filters, reason=reason,
        change=lambda rows: rows.update(state_before_invalidation=F("state"), state=State.REJECTED),
    )


def signatures_clear(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Clear suspicion: confirmed ones count again, the others once they confirm. Those whose
    email was withheld while they were held (an IP or subnet limit) get it now."""

    def change(rows):
        ids = list(rows.values_list("pk", flat=True))
        count = Signature.objects.filter(pk__in=ids).update(
            state=Case(When(confirmed_at__isnull=False, then=Value(State.CONFIRMED)), default=Value(State.PENDING))
        )
        services.signature_held_emails_send(signature_ids=ids)
        return count

    return _act(actor=actor, action="clear", signatures=signatures, filters=filters, change=change)


def signatures_restore(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Undo a rejection: back to the state before it (a restored row leaves its invalidation)."""
    return _act(
        actor=actor, action="restore", signatures=signatures, filters=filters,
        change=lambda rows: rows.update(state=_RESTORED_STATE, state_before_invalidation="", invalidation=None),
    )


def signatures_resend(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Send the confirmation link again to unconfirmed signers, within the per-signature cap."""

    def change(rows):
        ids = list(rows.values_list("pk", flat=True))
        count = 0
        for start in range(0, len(ids), 1000):
            count += services._request_email(Signature.objects.filter(pk__in=ids[start : start + 1000]))
        services.signature_emails_wake()
        return count

    return _act(actor=actor, action="resend", signatures=signatures, filters=filters, change=change)


def signatures_erase(*, actor: AbstractBaseUser, signatures: QuerySet, filters: dict | None = None) -> int:
    """Erase personal data but keep an anonymous row, so counts and totals stay true.

    The person must not outlive the erasure elsewhere either: a bulk invalidation whose
    stored filter selects one of them keeps the names of its criteria only, and every
    prepared export file that may hold one of them is deleted (exports.export_files_withdraw).
    The audit log records filter names and ids, never values (filter_names).
    """
    from . import exports

    def change(rows):
        ids = list(rows.values_list("pk", flat=True))
        _invalidations_scrub(signature_ids=ids)
        exports.export_files_withdraw(signature_ids=ids)
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

    return _act(actor=actor, action="erase", signatures=signatures, filters=filters, change=change)


# Criteria that can name or locate a person; the others (country, dates) cannot.
PERSONAL_CRITERIA = ("ip", "email_domain", "name_pattern")


def _invalidations_scrub(*, signature_ids: list[int]) -> int:
    """Drop the values of personal criteria from every invalidation whose filter selects one
    of these signatures (before they are erased). Returns how many were scrubbed.

    A scrubbed invalidation keeps its criteria's names; one still running matches nothing
    more and finishes (its stored filter is gone); reversing works as before, by its links.
    """
    scrubbed = 0
    if not signature_ids:
        return 0
    chosen = Signature.objects.filter(pk__in=signature_ids)
    for invalidation in Invalidation.objects.exclude(criteria__has_key="scrubbed").only("pk", "petition_id", "criteria"):
        criteria = invalidation.criteria
        if not any(criteria.get(key) for key in PERSONAL_CRITERIA):
            continue
        unpinned = {key: value for key, value in criteria.items() if key != "max_pk"}
        try:
            selects = chosen.filter(petition_id=invalidation.petition_id).filter(criteria_query(unpinned)).exists()
        except (ValueError, NotSupportedError):
            selects = True  # a filter this database cannot evaluate: scrub rather than keep
        if not selects:
            continue
        kept = {key: value for key, value in criteria.items() if key not in PERSONAL_CRITERIA}
        kept["scrubbed"] = [key for key in PERSONAL_CRITERIA if criteria.get(key)]
        Invalidation.objects.filter(pk=invalidation.pk).update(criteria=kept)
        scrubbed += 1
    return scrubbed


# --- Bulk invalidation -------------------------------------------------------------------------

CRITERIA_KEYS = ("ip", "email_domain", "name_pattern", "country", "signed_from", "signed_to")


def criteria_query(criteria: dict) -> Q:
    """The filter an invalidation's criteria describe (as stored, JSON)."""
    query = Q(pk__lte=criteria["max_pk"]) if criteria.get("max_pk") is not None else Q()
    if criteria.get("ip"):
        query &= ip_query(criteria["ip"])
    if criteria.get("email_domain"):
        query &= Q(email_domain=criteria["email_domain"])
    if criteria.get("name_pattern"):
        query &= Q(name__iregex=name_pattern_regex(criteria["name_pattern"]))
    if criteria.get("country"):
        query &= Q(country=criteria["country"])
    if criteria.get("signed_from"):
        query &= Q(signed_at__gte=parse_datetime(criteria["signed_from"]))
    if criteria.get("signed_to"):
        query &= Q(signed_at__lt=parse_datetime(criteria["signed_to"]))
    return query


def criteria_from(*, ip: str = "", email_domain: str = "", name_pattern: str = "", country: str = "",
                  signed_from: datetime | None = None, signed_to: datetime | None = None) -> dict:
    """Criteria as stored on an Invalidation: JSON, only what was given."""
    criteria = {
        "ip": ip,
        "email_domain": email_domain,
        "name_pattern": name_pattern,
        "country": country,
        "signed_from": signed_from.isoformat() if signed_from else "",
        "signed_to": signed_to.isoformat() if signed_to else "",
    }
    return {key: value for key, value in criteria.items() if value}


def _invalidation_candidates(petition_id: int, criteria: dict) -> QuerySet:
    if criteria.get("scrubbed"):
        # Its personal criteria were erased with a signer: what is left would match too much.
        return Signature.objects.none()
    return Signature.objects.filter(petition_id=petition_id).filter(criteria_query(criteria)).exclude(
        state=State.REJECTED
    )


def invalidation_preview(*, petition: Petition, criteria: dict, sample_size: int = 20) -> dict:
    """What applying these criteria now would do; the returned criteria pin the rows.

    The highest signature id at preview time becomes part of the criteria, so signatures
    arriving between preview and apply are not swept up unseen.
    """
    pinned = {**criteria, "max_pk": Signature.objects.aggregate(top=Max("pk"))["top"] or 0}
    rows = _invalidation_candidates(petition.pk, pinned)
    by_state = {state: 0 for state in (State.CONFIRMED, State.PENDING, State.SUSPICIOUS)}
    for state, count in _count_by(rows, "state"):
        by_state[state] = count
    return {
        "criteria": pinned,
        "matched": sum(by_state.values()),
        "by_state": by_state,
        "counted": rows.filter(counted=True).count(),
        "sample": list(
            rows.order_by("-signed_at").only("name", "email", "country", "ip_address", "state", "signed_at")[:sample_size]
        ),
    }


def _count_by(rows: QuerySet, field: str):
    return rows.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n")


def invalidation_create(
    *, actor: AbstractBaseUser, petition: Petition, criteria: dict, reason: str, matched: int
) -> Invalidation:
    """Record a bulk invalidation and hand it to a worker, which applies it in batches."""
    from .tasks import apply_invalidation

    if not any(criteria.get(key) for key in CRITERIA_KEYS):
        raise ValueError("an invalidation needs at least one criterion besides the petition")
    with transaction.atomic():
        invalidation = Invalidation.objects.create(
            petition=petition, criteria=criteria, reason=reason, matched=matched, created_by=actor,
            heartbeat_at=timezone.now(),
        )
        audit_record(
            actor=actor, action="invalidation_create", count=matched, petition=petition,
            details={"invalidation": invalidation.pk, "criteria": criteria_names(criteria), "reason": reason},
        )
        transaction.on_commit(lambda: _publish(apply_invalidation, invalidation.pk))
    return invalidation


def _publish(task, invalidation_id: int) -> None:
    try:
        task.delay(invalidation_id)
    except Exception:  # noqa: BLE001 - the row says what is left to do; the sweeper resumes it
        logger.warning("Could not enqueue work for invalidation %s; the sweeper will resume it.", invalidation_id)


def invalidation_apply(
    *, invalidation_id: int, after_pk: int = 0, batch_size: int = 1000, seconds: float = 60.0
) -> int | None:
    """Reject the next batches of an invalidation's signatures, for about `seconds`.

    Returns the id to continue after, or None once it is finished (or not running). Safe to
    run again from any earlier point: rows already rejected are skipped, so none is counted twice.
    """
    invalidation = Invalidation.objects.filter(pk=invalidation_id, state=Invalidation.State.RUNNING).first()
    if invalidation is None:
        return None
    candidates = _invalidation_candidates(invalidation.petition_id, invalidation.criteria)
    deadline = time.monotonic() + seconds
    cursor = after_pk
    while True:
        with transaction.atomic():
            ids = list(candidates.filter(pk__gt=cursor).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            cursor = ids[-1]
            changed = (
                Signature.objects.filter(pk__in=ids)
                .exclude(state=State.REJECTED)
                .update(state_before_invalidation=F("state"), state=State.REJECTED, invalidation=invalidation)
            )
            Invalidation.objects.filter(pk=invalidation.pk).update(
                affected=F("affected") + changed, heartbeat_at=timezone.now()
            )
        services.signature_counts_schedule()
        if time.monotonic() > deadline:
            return cursor
    with transaction.atomic():
        if Invalidation.objects.filter(pk=invalidation.pk, state=Invalidation.State.RUNNING).update(
            state=Invalidation.State.DONE, finished_at=timezone.now()
        ):
            invalidation.refresh_from_db()
            audit_record(
                actor=invalidation.created_by, action="invalidation_done", count=invalidation.affected,
                petition=invalidation.petition, details={"invalidation": invalidation.pk, "matched": invalidation.matched},
            )
    return None


def invalidation_reverse(*, actor: AbstractBaseUser, invalidation_id: int) -> bool:
    """Start undoing a finished invalidation as a whole. False if it is not finished."""
    from .tasks import reverse_invalidation

    with transaction.atomic():
        if not Invalidation.objects.filter(pk=invalidation_id, state=Invalidation.State.DONE).update(
            state=Invalidation.State.REVERSING, restored=0, heartbeat_at=timezone.now()
        ):
            return False
        invalidation = Invalidation.objects.select_related("petition").get(pk=invalidation_id)
        to_restore = Signature.objects.filter(invalidation=invalidation, state=State.REJECTED).count()
        audit_record(
            actor=actor, action="invalidation_reverse", count=to_restore, petition=invalidation.petition,
            details={"invalidation": invalidation.pk, "reason": invalidation.reason},
        )
        transaction.on_commit(lambda: _publish(reverse_invalidation, invalidation_id))
    return True


def invalidation_reversal_apply(*, invalidation_id: int, batch_size: int = 1000, seconds: float = 60.0) -> bool:
    """Restore the next batches of a reversing invalidation. True while there is more to do."""
    invalidation = Invalidation.objects.filter(pk=invalidation_id, state=Invalidation.State.REVERSING).first()
    if invalidation is None:
        return False
    linked = Signature.objects.filter(invalidation=invalidation)
    deadline = time.monotonic() + seconds
    while True:
        with transaction.atomic():
            ids = list(linked.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            batch = Signature.objects.filter(pk__in=ids, invalidation=invalidation)
            restored = batch.filter(state=State.REJECTED).update(
                state=_RESTORED_STATE, state_before_invalidation="", invalidation=None
            )
            # Anything else linked was already changed by hand since; it only leaves the invalidation.
            batch.update(invalidation=None)
            Invalidation.objects.filter(pk=invalidation.pk).update(
                restored=F("restored") + restored, heartbeat_at=timezone.now()
            )
        services.signature_counts_schedule()
        if time.monotonic() > deadline:
            return True
    with transaction.atomic():
        if Invalidation.objects.filter(pk=invalidation.pk, state=Invalidation.State.REVERSING).update(
            state=Invalidation.State.REVERSED, finished_at=timezone.now()
        ):
            invalidation.refresh_from_db()
            # Whoever asked for the reversal (the task itself carries only the invalidation's id).
            request = (
                AuditEntry.objects.filter(action="invalidation_reverse", details__invalidation=invalidation.pk)
                .select_related("actor").order_by("-pk").first()
            )
            audit_record(
                actor=request.actor if request else None, action="invalidation_reversed", count=invalidation.restored,
                petition=invalidation.petition, details={"invalidation": invalidation.pk},
            )
    return False


def invalidations_stalled(*, quiet_seconds: int = 600) -> list[tuple[int, str]]:
    """Invalidations still running or reversing whose worker has gone quiet: a lost task, a
    broker outage. The sweeper hands them to a worker again; redoing a batch is harmless."""
    quiet_since = timezone.now() - timedelta(seconds=quiet_seconds)
    return list(
        Invalidation.objects.filter(
            state__in=[Invalidation.State.RUNNING, Invalidation.State.REVERSING], heartbeat_at__lt=quiet_since
        ).values_list("pk", "state")
    )


def invalidation_touch(*, invalidation_id: int) -> None:
    """Mark an invalidation as handed to a worker just now, so the sweeper waits before the next try."""
    Invalidation.objects.filter(pk=invalidation_id).update(heartbeat_at=timezone.now())
