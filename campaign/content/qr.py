"""QR codes for posters and leaflets: the petition's link, per language and source code, drawn
on our server by segno (pure Python), so no third-party service ever sees who prints what."""

import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation

# Medium error correction survives a crease or a smudge and keeps the code small.
ERROR_CORRECTION = "m"


def petition_link(*, slug: str, language: str, source: str = "") -> str:
    """The petition's address in `language`, on our origin, with `?source=` when given (a code
    passing petitions.sources.source_code_clean; the caller checks it)."""
    with translation.override(language):
        path = reverse("petitions:sign", kwargs={"slug": slug})
    query = "?" + urlencode({"source": source}) if source else ""
    return settings.SITE_URL + path + query


def qr_svg(*, url: str) -> bytes:
    """A standalone SVG of `url` as a QR code; its title is the URL, for screen readers and checks."""
    out = io.BytesIO()
    segno.make(url, error=ERROR_CORRECTION).save(out, kind="svg", scale=8, xmldecl=True, title=url)
    return out.getvalue()


def qr_png(*, url: str) -> bytes:
    """`url` as a QR code in a PNG large enough to print at 4 cm (8 px a module)."""
    out = io.BytesIO()
    segno.make(url, error=ERROR_CORRECTION).save(out, kind="png", scale=8)
    return out.getvalue()
