"""The partners' widget: the count, the goal and a button, for a frame on a partner's page.

Only this page may be framed, and only by the origins organizers list in the admin (partner
sites); every other page keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY`.
"""

import time

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from campaign.petitions import selectors as petition_selectors
from campaign.petitions.models import Petition
from campaign.petitions.sources import CHANNEL_CODES, SOURCE_PARAMETER, source_code_clean

from . import selectors

# Cached like count.json: 15 s in browsers and proxies, and the page's HTML kept in each
# process per language and state of the petition, so a surge renders no template. The button's
# `?source=` (the partner's code the widget was embedded with, else the widget's own) is put in
# per request, so codes never split that copy.
WIDGET_CACHE_SECONDS = 15
SOURCE_HOLE = "source-code-rendered-per-request-5e0c93"
_pages: dict[tuple, tuple] = {}  # (language, slug) -> (state, expires at, html); only petitions that exist


def frame_ancestors_allow(response: HttpResponse, origins: tuple[str, ...]) -> HttpResponse:
    """Let pages of `origins` frame this response (none: it stays unframeable, as every page)."""
    if origins:
        response._csp_replace = {"frame-ancestors": list(origins)}  # django-csp's per-response policy
        response.xframe_options_exempt = True  # browsers obey frame-ancestors over X-Frame-Options anyway
    return response


def _widget_html(request, petition: Petition) -> str:
    language = get_language()
    state = (petition.signature_count, petition.goal, petition.is_open, petition.title)
    key = (language, petition.slug)
    kept = _pages.get(key)
    now = time.monotonic()
    if kept is not None and kept[0] == state and kept[1] > now:
        return kept[2]
    html = render_to_string("petitions/widget.html", {"petition": petition, "source_hole": SOURCE_HOLE}, request)
    _pages[key] = (state, now + WIDGET_CACHE_SECONDS, html)
    return html


@require_safe
@cache_control(public=True, max_age=WIDGET_CACHE_SECONDS)
def widget(request, slug):
    try:
        petition = petition_selectors.petition_public(slug=slug)
    except Petition.DoesNotExist:
        raise Http404 from None
    # A code is letters, digits, "-" and "_" only (source_code_clean): nothing to escape.
    source = source_code_clean(request.GET.get(SOURCE_PARAMETER)) or CHANNEL_CODES["widget"]
    response = HttpResponse(_widget_html(request, petition).replace(SOURCE_HOLE, source))
    return frame_ancestors_allow(response, selectors.partner_origins())
