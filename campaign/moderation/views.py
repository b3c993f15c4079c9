"""Staff pages beside the admin: dashboard, review queue, bulk invalidation.

Thin views: check the permission, validate, call a service or a selector, redirect after POST.
They render inside the admin's frame, so staff find the same navigation everywhere.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.auth.decorators import user_passes_test
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaign.petitions.models import AuditEntry, Invalidation, Petition, Signature
from campaign.petitions.sources import source_figures
from campaign.staff_admin import staff_permission, staff_verified

from . import actions, dashboard, invalidations, lookups
from .corrections import Correction
from .corrections import signature_correct as correction_make
from .forms import InvalidationApplyForm, InvalidationForm, SignatureCorrectForm

QUEUE_PAGE_SIZE = 100
CRITERIA_FIELDS = ("petition", "ip", "email_domain", "name_shape", "country", "signed_from", "signed_to", "reason")


def _render(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(request.GET.get(name, default))))
    except ValueError:
        return default


def _chosen_petition(request) -> tuple[Petition | None, list[Petition]]:
    petitions = dashboard.dashboard_petitions()
    slug = request.GET.get("petition")
    chosen = next((p for p in petitions if p.slug == slug), petitions[0] if petitions else None)
    return chosen, petitions


# --- Dashboard -----------------------------------------------------------------------------------


def _series(petition: Petition, days: int) -> list[dict]:
    # The page's table and its chart (a second request) share one computation.
    return dashboard.cached(
        f"series:{petition.pk}:{days}", lambda: dashboard.signatures_per_hour(petition=petition, hours=24 * days)
    )


@staff_permission("petitions.view_dashboard")
@require_safe
def dashboard_view(request):
    petition, petitions = _chosen_petition(request)
    context = {
        "title": _("Campaign dashboard"),
        "petitions": petitions,
        "petition": petition,
        "outbox": dashboard.outbox_status(),
    }
    if petition is None:
        return _render(request, "moderation/dashboard.html", context)
    days = _int_param(request, "days", 3, 1, 14)
    now = timezone.now()
    key = f"{petition.pk}"
    windows = [("hour", _("last hour"), timedelta(hours=1)), ("day", _("last 24 hours"), timedelta(days=1))]
    can_moderate = request.user.has_perm("petitions.moderate_signature")
    context.update(
        days=days,
        day_choices=[1, 3, 7, 14],
        series=_series(petition, days),
        # IP addresses, networks and email domains are for those who moderate, never organizers
        # (the privacy page promises IPs are used only against abuse).
        sources=[
            {
                "label": label,
                "since": now - span,
                **dashboard.cached(
                    f"sources:{key}:{name}",
                    lambda span=span: dashboard.top_sources(petition=petition, since=now - span),
                ),
            }
            for name, label, span in windows
        ]
        if can_moderate
        else [],
        rates=[
            {
                "label": label,
                **dashboard.cached(
                    f"rate:{key}:{name}",
                    lambda span=span: dashboard.confirmation_rate(petition=petition, since=now - span),
                ),
            }
            for name, label, span in (
                ("day", _("signed in the last 24 hours"), timedelta(days=1)),
                ("week", _("signed in the last 7 days"), timedelta(days=7)),
            )
        ],
        totals=dashboard.cached(f"totals:{key}", lambda: dashboard.petition_totals(petition=petition)),
        # Which partners' and channels' links brought signers: per code, never per person.
        by_source=dashboard.cached(f"by-source:{key}", lambda: source_figures(petition=petition)),
        can_moderate=can_moderate,
        can_view_signatures=request.user.has_perm("petitions.view_signature"),
        held=dashboard.cached(
            f"held:{key}",
            lambda: Signature.objects.filter(petition=petition, state=Signature.State.SUSPICIOUS).count(),
        )
        if can_moderate
        else None,
    )
    return _render(request, "moderation/dashboard.html", context)


@user_passes_test(staff_verified, login_url="admin:login")
@require_safe
def staff_home(request):
    """Where staff land after signing in: the dashboard if they may see it, else the admin."""
    if request.user.has_perm("petitions.view_dashboard"):
        return redirect("moderation:dashboard")
    return redirect("admin:index")


# A picture of hourly totals, no personal data: the browser may keep it for a minute.
@staff_permission("petitions.view_dashboard", store=True)
@require_safe
def chart_view(request):
    petition, _petitions = _chosen_petition(request)
    days = _int_param(request, "days", 3, 1, 14)
    series = _series(petition, days) if petition else []
    title = ngettext("Signatures per hour, last day", "Signatures per hour, last %(days)d days", days) % {"days": days}
    response = HttpResponse(
        dashboard.chart_svg(series=series, title=title), content_type="image/svg+xml; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


# --- Review queue --------------------------------------------------------------------------------


@staff_permission("petitions.moderate_signature")
@require_safe
def queue_view(request):
    reason = request.GET.get("reason", "")
    if reason not in Signature.Suspicion.values:
        reason = ""
    held = Signature.objects.filter(state=Signature.State.SUSPICIOUS)
    kinds = [
        {"value": value, "label": label, "count": held.filter(lookups.suspicion_query(value)).count()}
        for value, label in Signature.Suspicion.choices
    ]
    rows = held.filter(lookups.suspicion_query(reason)) if reason else held
    ip = request.GET.get("ip", "").strip()
    if ip:
        try:
            rows = rows.filter(lookups.ip_query(ip))
        except ValueError:
            messages.error(request, _("That is not an IP address or a range such as 203.0.113.0/24."))
            ip = ""
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(
        rows.order_by("-pk").only(
            "name", "email", "country", "ip_address", "suspicion", "signed_at", "confirmed_at", "petition_id"
        )[: QUEUE_PAGE_SIZE + 1]
    )
    labels = dict(Signature.Suspicion.choices)
    # Each held signature's source in context: everyone from its address, held or counted.
    sources = dashboard.ip_source_totals(ips={s.ip_address for s in page[:QUEUE_PAGE_SIZE] if s.ip_address})
    for signature in page:
        signature.reason_labels = [labels.get(value, value) for value in signature.suspicion]
        signature.ip_group = sources.get(signature.ip_address)
    context = {
        "title": _("Review queue"),
        "kinds": kinds,
        "held_total": held.count(),
        "reason": reason,
        "ip": ip,
        "signatures": page[:QUEUE_PAGE_SIZE],
        "older": page[QUEUE_PAGE_SIZE - 1].pk if len(page) > QUEUE_PAGE_SIZE else None,
        "action_url": reverse("admin:petitions_signature_changelist") + "?state__exact=suspicious",
        "changelist_url": reverse("admin:petitions_signature_changelist"),
        "can_erase": request.user.has_perm("petitions.delete_signature"),
    }
    return _render(request, "moderation/queue.html", context)


# --- Bulk invalidation -------------------------------------------------------------------------


def _criteria(data: dict) -> dict:
    return invalidations.criteria_from(
        ip=data["ip"],
        email_domain=data["email_domain"],
        name_shape=data["name_shape"],
        country=data["country"],
        signed_from=data["signed_from"],
        signed_to=data["signed_to"],
    )


@staff_permission("petitions.moderate_signature")
@require_http_methods(["GET", "POST"])
def invalidation_new(request):
    """Criteria, then a preview with the number matched, then apply: each step a POST."""
    step = request.POST.get("step", "")
    context = {"title": _("Bulk invalidation")}
    if request.method == "POST" and step == "preview":
        form = InvalidationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            preview = invalidations.invalidation_preview(petition=data["petition"], criteria=_criteria(data))
            apply_form = InvalidationApplyForm(
                initial={
                    **{name: data[name] for name in CRITERIA_FIELDS},
                    "petition": data["petition"].pk,
                    "max_pk": preview["criteria"]["max_pk"],
                    "matched": preview["matched"],
                }
            )
            context.update(form=form, preview=preview, apply_form=apply_form, petition=data["petition"])
            return _render(request, "moderation/invalidation_form.html", context)
        context["form"] = form
        return _render(request, "moderation/invalidation_form.html", context, status=400)
    if request.method == "POST" and step == "apply":
        form = InvalidationApplyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            invalidation = invalidations.invalidation_create(
                actor=request.user,
                petition=data["petition"],
                criteria={**_criteria(data), "max_pk": data["max_pk"]},
                reason=data["reason"],
                matched=data["matched"],
            )
            return redirect("moderation:invalidation", pk=invalidation.pk)
        # Only a tampered or stale page gets here: start again from the criteria.
        messages.error(request, _("The preview was incomplete; check the criteria and preview again."))
        context["form"] = InvalidationForm(request.POST)
        return _render(request, "moderation/invalidation_form.html", context, status=400)
    # A first visit, or criteria handed over from the dashboard: a form to check, not yet errors.
    initial = {name: request.POST.get(name, "") for name in CRITERIA_FIELDS if request.POST.get(name)}
    if "petition" not in initial:
        petition, _petitions = _chosen_petition(request)
        initial["petition"] = petition.pk if petition else None
    context["form"] = InvalidationForm(initial=initial)
    return _render(request, "moderation/invalidation_form.html", context)


@staff_permission("petitions.view_invalidation")
@require_safe
def invalidation_detail(request, pk: int):
    invalidation = get_object_or_404(Invalidation.objects.select_related("petition", "created_by"), pk=pk)
    working = invalidation.state in (Invalidation.State.RUNNING, Invalidation.State.REVERSING)
    context = {
        "title": _("Bulk invalidation #%(pk)d") % {"pk": invalidation.pk},
        "invalidation": invalidation,
        "working": working,
        "can_reverse": invalidation.state == Invalidation.State.DONE
        and request.user.has_perm("petitions.moderate_signature"),
        "criteria": [
            (label, invalidation.criteria[key])
            for key, label in (
                ("ip", _("IP address or range")),
                ("email_domain", _("Email domain")),
                ("name_shape", _("Name shape")),
                ("name_pattern", _("Name pattern (before names were encrypted)")),
                ("country", _("Country")),
                ("signed_from", _("Signed from")),
                ("signed_to", _("Signed before")),
            )
            if invalidation.criteria.get(key)
        ]
        + [
            (label, _("(removed when a signer's personal data was erased)"))
            for key, label in (
                ("ip", _("IP address or range")),
                ("email_domain", _("Email domain")),
                ("name_pattern", _("Name pattern")),
            )
            if key in invalidation.criteria.get("scrubbed", ())
        ],
        "signatures_url": reverse("admin:petitions_signature_changelist") + f"?invalidation={invalidation.pk}",
        "can_view_signatures": request.user.has_perm("petitions.view_signature"),
    }
    return _render(request, "moderation/invalidation_progress.html", context)


@staff_permission("petitions.moderate_signature")
@require_POST
def invalidation_reverse(request, pk: int):
    invalidation = get_object_or_404(Invalidation.objects.select_related("petition"), pk=pk)
    if request.POST.get("confirm") != "yes":
        # Like every other action: first what it will do, then a second button to do it.
        context = {
            "title": _("Reverse bulk invalidation #%(pk)d?") % {"pk": invalidation.pk},
            "invalidation": invalidation,
            "rejected_now": invalidation.signatures.filter(state=Signature.State.REJECTED).count(),
        }
        return _render(request, "moderation/invalidation_reverse_confirm.html", context)
    if invalidations.invalidation_reverse(actor=request.user, invalidation_id=invalidation.pk):
        messages.success(request, _("Reversing: the signatures go back to the state they had."))
    else:
        messages.error(request, _("Only a finished invalidation can be reversed."))
    return redirect("moderation:invalidation", pk=invalidation.pk)


# --- Undo ----------------------------------------------------------------------------------------

UNDONE_MESSAGES = {
    "signatures_reject": lambda n: ngettext(
        "Undone: %(n)d signature restored.", "Undone: %(n)d signatures restored.", n
    ),
    "signatures_restore": lambda n: ngettext(
        "Undone: %(n)d signature rejected again.", "Undone: %(n)d signatures rejected again.", n
    ),
    "signatures_clear": lambda n: ngettext(
        "Undone: %(n)d signature held for review again.", "Undone: %(n)d signatures held for review again.", n
    ),
}


@staff_permission("petitions.moderate_signature")
@require_POST
def undo(request):
    """The Undo button of a moderation action's success message: only its own author's."""
    pk = request.POST.get("entry", "")
    entry = AuditEntry.objects.filter(pk=int(pk) if pk.isascii() and pk.isdigit() else 0, actor=request.user).first()
    if entry is None or not actions.audit_entry_undoable(entry):
        messages.error(request, _("That action cannot be undone any more (or was undone already)."))
    else:
        count = actions.audit_entry_undo(actor=request.user, entry=entry)
        messages.success(request, UNDONE_MESSAGES[entry.action](count) % {"n": count})
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("moderation:queue")


# --- Correcting a signature ------------------------------------------------------------------------


@staff_permission("petitions.change_signature")
@require_http_methods(["GET", "POST"])
def signature_correct(request, signature_id):
    """Correct a signature's name or email address, on the signer's written request. The form
    is also on the signature's page in the admin; errors come back here."""
    signature = get_object_or_404(Signature, pk=signature_id, erased_at__isnull=True)
    signature_page = reverse("admin:petitions_signature_change", args=[signature.pk])
    status = 200
    if request.method == "POST":
        form = SignatureCorrectForm(request.POST)
        if form.is_valid():
            outcome = correction_make(actor=request.user, signature_id=signature.pk, **form.cleaned_data)
            if outcome is Correction.GONE:
                messages.error(request, _("This signature was erased meanwhile: there is nothing to correct."))
                return redirect(signature_page)
            if outcome is Correction.EMAIL_TAKEN:
                form.add_error("email", _("This address has already signed this petition, in another signature."))
                status = 409
            else:
                if outcome is Correction.CORRECTED:
                    messages.success(request, _("Corrected. The old name or address was removed from the audit log."))
                else:
                    messages.info(request, _("Nothing changed: the name and address are as they were."))
                return redirect(signature_page)
        else:
            status = 400
    else:
        form = SignatureCorrectForm(initial={"name": signature.name, "email": signature.email})
    context = {
        "title": _("Correct name or email"),
        "form": form,
        "signature": signature,
        "signature_page": signature_page,
    }
    return _render(request, "moderation/signature_correct.html", context, status=status)
