"""Reads for the staff dashboard, and its chart drawn as SVG on our own origin.

On a petition with a million signatures these take seconds together, so the views ask for
them through `cached()`: every figure is at most a minute old, and a dashboard left open by
several moderators costs the database one computation a minute.
"""

import math
from collections import Counter
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Count, F, Func, Min, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_countries import countries

from campaign.outbox import pace
from campaign.petitions import abuse
from campaign.petitions.models import Petition, Signature

State = Signature.State
CACHE_SECONDS = 60


def cached(key: str, compute):
    """A dashboard figure from the cache, computed at most once a minute."""
    return cache.get_or_set(f"moderation:dashboard:{key}", compute, CACHE_SECONDS)


def outbox_status(*, now: datetime | None = None) -> dict:
    """The email backlog, all petitions: how many emails wait, since when the oldest one's
    signature was made, and how long every sender is paused (the provider refused or was down).
    Read live: a minute-old figure would hide an outage that just began or ended."""
    now = now or timezone.now()
    pending = Signature.objects.filter(email_state=Signature.EmailState.PENDING).aggregate(
        backlog=Count("pk"), oldest=Min("signed_at")
    )
    return {
        "backlog": pending["backlog"],
        "oldest_minutes": int((now - pending["oldest"]).total_seconds() // 60) if pending["oldest"] else None,
        "paused_seconds": math.ceil(pace.paused_for()),
    }


def dashboard_petitions() -> list[Petition]:
    return list(
        Petition.objects.only("slug", "title", "signature_count", "goal").order_by("-is_featured", "-created_at")
    )


def _rows(petition: Petition, since: datetime | None = None) -> QuerySet:
    rows = Signature.objects.filter(petition=petition)
    return rows.filter(signed_at__gte=since) if since else rows


def signatures_per_hour(*, petition: Petition, hours: int, now: datetime | None = None) -> list[dict]:
    """Signed per hour (and how many of those are now held or rejected), oldest first, no gaps."""
    now = now or timezone.now()
    last_hour = now.replace(minute=0, second=0, microsecond=0)
    first_hour = last_hour - timedelta(hours=hours - 1)
    held = Q(state__in=[State.SUSPICIOUS, State.REJECTED])
    rows = (
        _rows(petition, first_hour)
        .annotate(hour=TruncHour("signed_at"))
        .order_by()
        .values("hour")
        .annotate(signed=Count("pk"), held=Count("pk", filter=held))
    )
    by_hour = {row["hour"]: row for row in rows}
    series = []
    for i in range(hours):
        hour = first_hour + timedelta(hours=i)
        row = by_hour.get(hour, {})
        series.append({"hour": hour, "signed": row.get("signed", 0), "held": row.get("held", 0)})
    return series


class Subnet(Func):
    """PostgreSQL: the /24 (IPv4) or /48 (IPv6) network of an inet column, as text."""

    template = "network(set_masklen(%(expressions)s, CASE WHEN family(%(expressions)s) = 4 THEN 24 ELSE 48 END))::text"
    output_field = CharField()


def top_sources(*, petition: Petition, since: datetime, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
    """The IP addresses, subnets and email domains that signed most since a moment."""
    rows = _rows(petition, since)
    with_ip = rows.filter(ip_address__isnull=False)

    def top(queryset, field):
        return [
            (str(value), n)
            for value, n in queryset.order_by().values_list(field).annotate(n=Count("pk")).order_by("-n", field)[:limit]
        ]

    if connection.vendor == "postgresql":
        subnets = top(with_ip.annotate(subnet=Subnet(F("ip_address"))), "subnet")
    else:
        # Elsewhere addresses are text; count in Python (development databases are small).
        counter = Counter(abuse.subnet_of(ip) for ip in with_ip.values_list("ip_address", flat=True).iterator())
        subnets = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return {
        "ips": top(with_ip, "ip_address"),
        "subnets": subnets,
        "domains": top(rows.exclude(email_domain=""), "email_domain"),
    }


def ip_source_totals(*, ips) -> dict[str, dict]:
    """For each address: how many signatures came from it in all, and how many are counted."""
    rows = (
        Signature.objects.filter(ip_address__in=list(ips))
        .order_by()
        .values("ip_address")
        .annotate(total=Count("pk"), counted=Count("pk", filter=Q(counted=True)))
    )
    return {row["ip_address"]: {"total": row["total"], "counted": row["counted"]} for row in rows}


def confirmation_rate(*, petition: Petition, since: datetime) -> dict:
    """Of those who signed since a moment, how many have confirmed so far."""
    totals = _rows(petition, since).aggregate(
        signed=Count("pk"), confirmed=Count("pk", filter=Q(confirmed_at__isnull=False))
    )
    signed, confirmed = totals["signed"], totals["confirmed"]
    return {"signed": signed, "confirmed": confirmed, "percent": round(100 * confirmed / signed) if signed else None}


def petition_totals(*, petition: Petition) -> dict:
    """Signatures by state, and counted signatures by country."""
    by_state = dict(_rows(petition).order_by().values_list("state").annotate(n=Count("pk")))
    by_country = _rows(petition).filter(state=State.CONFIRMED).order_by().values_list("country").annotate(n=Count("pk"))
    return {
        "by_state": [(label, by_state.get(value, 0)) for value, label in State.choices],
        "by_country": sorted(
            ((countries.name(code) or code, n) for code, n in by_country), key=lambda item: (-item[1], item[0])
        ),
        "computed_at": timezone.now(),
    }


# --- The chart --------------------------------------------------------------------------------

CHART_HEIGHT = 240
PLOT_TOP, PLOT_BOTTOM = 30, 190
PLOT_LEFT = 56
COLOR_SIGNED = "#2f6fb3"
COLOR_HELD = "#c0392b"
COLOR_AXIS = "#6c757d"


def _nice_ceiling(value: int) -> int:
    """1, 2, 5, 10, 20, 50, … at or above value."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart_svg(*, series: list[dict], title: str) -> str:
    """Bars of signatures per hour, the held or rejected part of each in red; days marked."""
    bar = max(3, min(16, 864 // max(1, len(series))))
    width = PLOT_LEFT + bar * len(series) + 16
    plot_height = PLOT_BOTTOM - PLOT_TOP
    top = _nice_ceiling(max([row["signed"] for row in series] + [1]))
    scale = plot_height / top
    font = 'font-family="system-ui, sans-serif" font-size="11"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {width} {CHART_HEIGHT}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{CHART_HEIGHT}" fill="#ffffff"/>',
    ]
    for fraction in (0, 0.5, 1):
        y = PLOT_BOTTOM - fraction * plot_height
        parts.append(f'<line x1="{PLOT_LEFT}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="#dee2e6"/>')
        label = formats.number_format(round(top * fraction), force_grouping=True)
        parts.append(
            f'<text x="{PLOT_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{COLOR_AXIS}" {font}>{label}</text>'
        )
    for i, row in enumerate(series):
        x = PLOT_LEFT + i * bar
        if row["signed"]:
            height = row["signed"] * scale
            parts.append(
                f'<rect x="{x}" y="{PLOT_BOTTOM - height:.1f}" width="{max(1, bar - 1)}" height="{height:.1f}" fill="{COLOR_SIGNED}">'
                f"<title>{escape(_chart_bar_label(row))}</title></rect>"
            )
        if row["held"]:
            height = row["held"] * scale
            parts.append(
                f'<rect x="{x}" y="{PLOT_BOTTOM - height:.1f}" width="{max(1, bar - 1)}" height="{height:.1f}" fill="{COLOR_HELD}"/>'
            )
        if i == 0 or row["hour"].hour == 0:
            parts.append(f'<line x1="{x}" y1="{PLOT_BOTTOM}" x2="{x}" y2="{PLOT_BOTTOM + 6}" stroke="{COLOR_AXIS}"/>')
            day = formats.date_format(row["hour"], "M j")
            parts.append(f'<text x="{x}" y="{PLOT_BOTTOM + 18}" fill="{COLOR_AXIS}" {font}>{escape(day)}</text>')
    parts.append(
        f'<line x1="{PLOT_LEFT}" y1="{PLOT_BOTTOM}" x2="{width - 8}" y2="{PLOT_BOTTOM}" stroke="{COLOR_AXIS}"/>'
    )
    legend_y = CHART_HEIGHT - 14
    parts += [
        f'<rect x="{PLOT_LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{COLOR_SIGNED}"/>',
        f'<text x="{PLOT_LEFT + 14}" y="{legend_y}" fill="#212529" {font}>{escape(_("signed per hour (UTC)"))}</text>',
        f'<rect x="{PLOT_LEFT + 180}" y="{legend_y - 9}" width="10" height="10" fill="{COLOR_HELD}"/>',
        f'<text x="{PLOT_LEFT + 194}" y="{legend_y}" fill="#212529" {font}>{escape(_("of which held or rejected"))}</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def _chart_bar_label(row: dict) -> str:
    return _("%(hour)s: %(signed)s signed, %(held)s held or rejected") % {
        "hour": formats.date_format(row["hour"], "M j, H:i"),
        "signed": row["signed"],
        "held": row["held"],
    }
