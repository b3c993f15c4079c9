"""Finding signatures: by IP address or range, suspicion reason, name pattern, an
invalidation's criteria; and the state a signature is restored to."""

import ipaddress
import logging

from django.db import NotSupportedError
from django.db.models import Case, Lookup, Q, Value, When
from django.utils.dateparse import parse_datetime

from campaign.petitions.models import Signature

logger = logging.getLogger(__name__)
State = Signature.State

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


# --- An invalidation's criteria ------------------------------------------------------------

CRITERIA_KEYS = ("ip", "email_domain", "name_shape", "country", "signed_from", "signed_to")


def criteria_query(criteria: dict) -> Q:
    """The filter an invalidation's criteria describe (as stored, JSON)."""
    query = Q(pk__lte=criteria["max_pk"]) if criteria.get("max_pk") is not None else Q()
    if criteria.get("ip"):
        query &= ip_query(criteria["ip"])
    if criteria.get("email_domain"):
        query &= Q(email_domain=criteria["email_domain"])
    if criteria.get("name_shape"):
        query &= Q(name_shape=criteria["name_shape"])

    if criteria.get("country"):
        query &= Q(country=criteria["country"])
    if criteria.get("signed_from"):
        query &= Q(signed_at__gte=parse_datetime(criteria["signed_from"]))
    if criteria.get("signed_to"):
        query &= Q(signed_at__lt=parse_datetime(criteria["signed_to"]))
    return query


# The state a rejected or invalidated signature returns to when it is restored.
RESTORED_STATE = Case(
    When(state_before_invalidation=State.SUSPICIOUS, then=Value(State.SUSPICIOUS)),
    When(confirmed_at__isnull=False, then=Value(State.CONFIRMED)),
    default=Value(State.PENDING),
)
