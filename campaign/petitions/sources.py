"""Where signers came from: the `?source=CODE` of the link they signed by.

A code is only ever a first-party label organizers created (SourceCode), never the referrer
or anything a third party sees; it is reported only in aggregate, per petition.
"""

import re

from django.db.models import Count, Q

from .models import SOURCE_CODE_PATTERN, Petition, Signature, SourceCode

SOURCE_CODE = re.compile(SOURCE_CODE_PATTERN)
SOURCE_PARAMETER = "source"

# The codes the site's own buttons put in their links (created active by migration 0011;
# an organizer may deactivate them). Each tells one channel from the others.
CHANNEL_CODES = {
    "whatsapp": "share-whatsapp",
    "telegram": "share-telegram",
    "email": "share-email",
    "bluesky": "share-bluesky",
    "facebook": "share-facebook",
    "link": "share-link",  # the phone's share sheet, "Copy link" and the message shown to copy
    "widget": "widget",  # the button of the partners' widget, unless it was given a partner's code
}


def share_urls(*, url: str) -> dict[str, str]:
    """`url` for each share channel, with that channel's code, e.g. {"whatsapp": url?source=share-whatsapp}."""
    return {
        channel: f"{url}?{SOURCE_PARAMETER}={code}" for channel, code in CHANNEL_CODES.items() if channel != "widget"
    }


def source_code_clean(value) -> str:
    """`value` if it is shaped like a code (so safe as is in a URL and in HTML), else ""."""
    # fullmatch: "$" alone lets a trailing newline through.
    return value if isinstance(value, str) and SOURCE_CODE.fullmatch(value) else ""


def source_active(*, code: str) -> SourceCode | None:
    """The active source with this code; None for no code, an unknown or an inactive one."""
    code = source_code_clean(code)
    if not code:
        return None
    return SourceCode.objects.filter(code=code, active=True).only("pk").first()


def source_figures(*, petition: Petition, kept: Q | None = None) -> list[dict]:
    """Per source (None: no code), most confirmed first: signatures still held, how many of
    them were confirmed by their signer and the rate, and how many are counted now (confirmed,
    and `kept` if given). Unconfirmed signatures are deleted after the retention period, so
    the rate of an older source only covers what is left."""
    counted = Q(state=Signature.State.CONFIRMED) & (kept if kept is not None else Q())
    rows = (
        Signature.objects.filter(petition=petition)
        .order_by()
        .values("source__code", "source__label")
        .annotate(
            signed=Count("pk"),
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
            counted=Count("pk", filter=counted),
        )
    )
    figures = [
        {
            "code": row["source__code"],
            "label": row["source__label"] or "",
            "signed": row["signed"],
            "confirmed": row["confirmed"],
            "percent": round(100 * row["confirmed"] / row["signed"]) if row["signed"] else None,
            "counted": row["counted"],
        }
        for row in rows
    ]
    return sorted(figures, key=lambda row: (row["code"] is None, -row["counted"], -row["signed"], row["code"] or ""))
