import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from django.views.i18n import set_language

from campaign.petitions import selectors as petition_selectors
from campaign.petitions.sources import SOURCE_PARAMETER, source_code_clean
from campaign.petitions.views import country_from_language, sign_form_for

from . import selectors


def _campaign_or_404():
    campaign = selectors.campaign_published()
    if campaign is None:
        raise Http404
    return campaign


# The page every visitor of a surge opens first. Its HTML is rendered once per language and
# state of the petition (count, text, open or closed), kept for a minute in this process and
# in the shared cache, and served with only the visitor's own CSRF token and preselected
# country put in: no query (the petition's row is a second old at most, see
# petitions.selectors) and no template, instead of ~8 queries and ~40 ms of templates.
# Every committed change to the content (an organizer's save in the admin, the seed) gives
# it a new version (content.services.content_changed), which is part of the state: the next
# view after that, within the second a process keeps the version, renders the page afresh.
# The count and the recent signers show whenever the counter moves the count. The sign form's
# `?source=` code is put in per request too, so a partner's link never splits the cache.
HOME_CACHE_SECONDS = 60
CSRF_HOLE = "csrf-token-rendered-per-request-3f9c1e"
SOURCE_HOLE = "source-code-rendered-per-request-8d41a7"
NO_COUNTRY = '<option value="" selected>'
_pages: dict[str, tuple] = {}  # language -> (content and petition state, expires at, html); bounded by LANGUAGES


def _home_state(petition) -> tuple:
    petition_state = petition and (
        petition.pk,
        petition.signature_count,
        petition.is_open,
        petition.goal,
        petition.goal_steps,
        petition.title,
        petition.text,
    )
    return (selectors.content_version(), petition_state)


def _home_html(request, petition, state) -> str:
    language = get_language()
    kept = _pages.get(language)
    now = time.monotonic()
    if kept is not None and kept[0] == state and kept[1] > now:
        return kept[2]
    key = "content:home:" + hashlib.sha256(repr((language, state)).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        context = {
            "campaign": _campaign_or_404(),
            "petition": petition,
            "csrf_token": CSRF_HOLE,
            "source_code": SOURCE_HOLE,  # the language switcher's `next` keeps the code too
        }
        if petition:
            context["form"] = sign_form_for(request, petition, country="", source=SOURCE_HOLE)
            context["recent"] = petition_selectors.signatures_recent_public(petition=petition)
        html = render_to_string("content/home.html", context, request)
        cache.set(key, html, HOME_CACHE_SECONDS)
    _pages[language] = (state, now + HOME_CACHE_SECONDS, html)
    return html


@require_safe
def home(request):
    petition = petition_selectors.petition_featured()
    html = _home_html(request, petition, _home_state(petition))
    country = country_from_language(request)
    option = f'<option value="{country}">'
    if country and option in html:
        html = html.replace(NO_COUNTRY, '<option value="">', 1).replace(
            option, f'<option value="{country}" selected>', 1
        )
    # A code is letters, digits, "-" and "_" only (source_code_clean): nothing to escape.
    source = source_code_clean(request.GET.get(SOURCE_PARAMETER))
    html = html.replace(f"?{SOURCE_PARAMETER}={SOURCE_HOLE}", f"?{SOURCE_PARAMETER}={source}" if source else "")
    html = html.replace(f'value="{SOURCE_HOLE}"', f'value="{source}"', 1)
    return HttpResponse(html.replace(CSRF_HOLE, get_token(request)))


@require_safe
def demands(request):
    return render(request, "content/demands.html", {"campaign": _campaign_or_404()})


@require_safe
def timeline(request):
    campaign = _campaign_or_404()
    # Deliveries and responses take their place among the events, after those of the same day.
    events = [(entry.date, 0, entry) for entry in campaign.timeline.all()]
    events += [(row.date, 1, row) for row in reversed(selectors.deliveries_and_responses_published())]
    events.sort(key=lambda event: event[:2])
    return render(request, "content/timeline.html", {"campaign": campaign, "events": [e[2] for e in events]})


@require_safe
def sources(request):
    return render(request, "content/sources.html", {"sources": selectors.sources_all()})


@require_safe
def about(request):
    about = selectors.about()
    return render(request, "content/about.html", {"about": about, "about_contact": selectors.contact_email(about)})


# A short lifetime: once an organizer unpublishes a case, its photo must soon stop being served.
@require_safe
@cache_control(public=True, max_age=60)
def case_photo(request, pk, name):
    case = selectors.case_photo_published(pk=pk, name=name)
    if case is None:
        raise Http404
    try:
        return FileResponse(case.photo.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404 from None


# Like a case's photo: served by the app, only while the delivery is published, briefly cached.
@require_safe
@cache_control(public=True, max_age=60)
def delivery_document(request, pk, name):
    delivery = selectors.delivery_document_published(pk=pk, name=name)
    if delivery is None:
        raise Http404
    pdf = delivery.document_is_pdf
    try:
        return FileResponse(
            delivery.document.open("rb"),
            content_type="application/pdf" if pdf else "image/jpeg",
            filename=name,
        )
    except FileNotFoundError:
        raise Http404 from None


@require_safe
def privacy(request):
    # The page's promises are worded from the settings the code that keeps them reads.
    retention = {
        "unconfirmed_days": settings.PETITION_UNCONFIRMED_RETENTION_DAYS,
        "ip_days": settings.PETITION_IP_RETENTION_DAYS,
        "anonymise_months": settings.PETITION_ANONYMISE_AFTER_MONTHS,
        "backup_days": math.ceil(settings.BACKUP_KEEP * settings.BACKUP_INTERVAL_SECONDS / 86400),
    }
    return render(request, "content/privacy.html", {"retention": retention})


def language_choose(request):
    """Django's set_language (sets the language cookie, redirects to `next` in the chosen
    language), with `next` read in its own language: Django resolves it in the active one,
    which on this unprefixed URL is the browser's, and would leave /ru/... untranslated."""
    next_url = request.POST.get("next", "")
    with translation.override(translation.get_language_from_path(next_url) or translation.get_language()):
        return set_language(request)


def csrf_failure(request, reason=""):
    """A form older than its security cookie: say so plainly, keep the supporter's input."""
    return render(request, "403_csrf.html", status=403)


def _check(probe) -> str:
    try:
        probe()
    except Exception:  # noqa: BLE001 - any failure means "down"; the detail stays in the logs
        return "down"
    return "ok"


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache():
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache read back nothing")


def _broker():
    from campaign.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _check(_database), "cache": _check(_cache)}
    checks["broker"] = _check(_broker) if settings.REDIS_URL else "in-process"
    healthy = all(state != "down" for state in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503)
