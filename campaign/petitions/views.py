"""Thin views: validate, call a service, redirect after POST."""

import json

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaign.content import selectors as content_selectors
from campaign.moderation.corrections import Correction

from . import selectors, self_service, services
from .abuse import client_ip
from .country_chart import country_chart
from .email_typos import webmail_for
from .forms import ManageChoicesForm, ManageNameForm, ManageRequestForm, ResendForm, SignatureForm
from .models import Petition, Signature
from .sources import SOURCE_PARAMETER, share_urls, source_code_clean
from .tokens import (
    TokenExpired,
    TokenInvalid,
    confirm_token_read,
    manage_token_read,
    signature_ref_filter,
    unsubscribe_token_read,
)


def country_from_language(request) -> str:
    """A sensible default country: the region of the browser's preferred language, if any."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    first = header.split(",")[0].split(";")[0].strip()
    parts = first.replace("_", "-").split("-")
    if len(parts) >= 2 and len(parts[-1]) == 2 and parts[-1].isalpha():
        return parts[-1].upper()
    return ""


def sign_form_for(
    request, petition: Petition, data=None, country: str | None = None, source: str | None = None
) -> SignatureForm:
    """The sign form; its country defaults to the browser's region unless `country` is given,
    its source to the page's `?source=` code (if shaped like one) unless `source` is given."""
    # Resolved only if the form is shown: a valid submission (most of them) never needs it.
    action = reverse_lazy("petitions:sign", kwargs={"slug": petition.slug})
    if data is not None:
        return SignatureForm(data, action=action)
    initial = {
        "country": country_from_language(request) if country is None else country,
        "source": source_code_clean(request.GET.get(SOURCE_PARAMETER)) if source is None else source,
    }
    return SignatureForm(action=action, initial=initial)


def _link_problem(
    request,
    *,
    expired: bool,
    status: int,
    unsubscribe: bool = False,
    manage: bool = False,
    petition: Petition | None = None,
    token="",
):
    context = {
        "expired": expired,
        "unsubscribe": unsubscribe,
        "manage": manage,
        "petition": petition or selectors.petition_featured(),
        "renew_token": token,
    }
    return render(request, "petitions/link_problem.html", context, status=status)


def _petition_or_404(slug: str) -> Petition:
    try:
        return selectors.petition_public(slug=slug)
    except Petition.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def sign(request, slug):
    petition = _petition_or_404(slug)
    if request.method == "POST" and petition.is_open:
        form = sign_form_for(request, petition, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.signature_create(
                petition=petition,
                name=data["name"],
                email=data["email"],
                country=data["country"],
                show_publicly=data["show_publicly"],
                keep_updated=data["keep_updated"],
                leave_name_off=data["leave_name_off"],
                language=translation.get_language() or "en",
                ip_address=client_ip(request),
                honeypot=form.honeypot_filled,
                source_code=data["source"],
            )
            response = redirect("petitions:thanks", slug=petition.slug)
            sent_to_remember(response, petition=petition, email=data["email"])
            return response
        status = 400
    else:
        form = sign_form_for(request, petition)
        # A signature sent to a closed petition is refused, and the page says it is closed.
        status = 410 if request.method == "POST" else 200
    context = {"petition": petition, "form": form, "recent": selectors.signatures_recent_public(petition=petition)}
    return render(request, "petitions/sign.html", context, status=status)


# The thank-you page shows the address the email went to, so a typo can be seen and fixed. It
# comes only from this browser's own submission, in a short-lived signed cookie for that page:
# never a lookup, so the page tells nobody whether an address has signed.
SENT_TO_COOKIE = "sent_to"
SENT_TO_SALT = "petitions.thanks.sent_to"
SENT_TO_SECONDS = 30 * 60


def sent_to_remember(response, *, petition: Petition, email: str) -> None:
    # Signed and base64-encoded: an address may hold characters a cookie cannot (IDN, Cyrillic).
    response.set_cookie(
        SENT_TO_COOKIE,
        signing.dumps(email, salt=SENT_TO_SALT),
        max_age=SENT_TO_SECONDS,
        path=reverse("petitions:thanks", kwargs={"slug": petition.slug}),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def sent_to_read(request) -> str:
    try:
        return signing.loads(request.COOKIES.get(SENT_TO_COOKIE, ""), salt=SENT_TO_SALT, max_age=SENT_TO_SECONDS)
    except signing.BadSignature:  # missing, forged or expired: the page shows no address
        return ""


@require_safe
@cache_control(private=True, no_store=True)  # it may show the visitor's own address: no shared cache may keep it
def thanks(request, slug):
    petition = _petition_or_404(slug)
    share = share_urls(url=request.build_absolute_uri(reverse("content:home")))
    sent_to = sent_to_read(request)
    context = {"petition": petition, "share": share, "sent_to": sent_to, "webmail": webmail_for(sent_to)}
    return render(request, "petitions/thanks.html", context)


def _signature_or_none(ref) -> Signature | None:
    """The signature a link names, unless it was withdrawn or erased."""
    return (
        Signature.objects.filter(**signature_ref_filter(ref), erased_at__isnull=True).select_related("petition").first()
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button; only the POST confirms, because mail scanners follow links."""
    try:
        ref = confirm_token_read(token)
    except TokenExpired as exc:
        # Offer the fresh link for the petition this one was for, not just the featured one.
        petition = selectors.petition_of_signature(ref=exc.ref) if exc.ref is not None else None
        return _link_problem(request, expired=True, status=410, petition=petition, token=token)
    except TokenInvalid:
        return _link_problem(request, expired=False, status=400)
    signature = _signature_or_none(ref)
    if signature is None:
        return _link_problem(request, expired=False, status=404)
    if request.method == "POST":
        services.signature_confirm(signature_id=signature.pk)
        return redirect("petitions:confirmed", slug=signature.petition.slug)
    if signature.confirmed_at is not None:
        # A used link opened again: the page of a confirmed signature, with its sharing.
        return redirect("petitions:confirmed", slug=signature.petition.slug)
    return render(request, "petitions/confirm.html", {"petition": signature.petition})


@require_POST
def confirm_renew(request, token):
    """The expired-link page's one button: a fresh link to the address the old one was for,
    with the rate limits of "Didn't get the email?" and the same answer whatever happens."""
    try:
        confirm_token_read(token)
    except TokenExpired as exc:
        ref = exc.ref
    except TokenInvalid:
        return _link_problem(request, expired=False, status=400)
    else:
        return redirect("petitions:confirm", token=token)  # still valid: confirm with it
    if ref is None:
        return _link_problem(request, expired=False, status=400)
    signature = (
        Signature.objects.filter(**signature_ref_filter(ref), erased_at__isnull=True)
        .select_related("petition")
        .only("email", "petition__slug", "petition__title")
        .first()
    )
    if signature is None:
        return _link_problem(request, expired=False, status=404)
    services.signature_resend_request(petition=signature.petition, email=signature.email, ip_address=client_ip(request))
    return render(request, "petitions/resend_done.html", {"petition": signature.petition, "renewed": True})


@require_safe
def confirmed(request, slug):
    petition = _petition_or_404(slug)
    share = share_urls(url=request.build_absolute_uri(reverse("content:home")))
    return render(request, "petitions/confirmed.html", {"petition": petition, "share": share})


@require_http_methods(["GET", "POST"])
def resend(request, slug):
    petition = _petition_or_404(slug)
    if not petition.is_open:
        # Nothing to confirm any more: a signature confirmed now would count, but none is asked for.
        status = 410 if request.method == "POST" else 200
        return render(request, "petitions/closed.html", {"petition": petition}, status=status)
    if request.method == "POST":
        form = ResendForm(request.POST)
        if form.is_valid():
            services.signature_resend_request(
                petition=petition, email=form.cleaned_data["email"], ip_address=client_ip(request)
            )
            return render(request, "petitions/resend_done.html", {"petition": petition})
        status = 400
    else:
        form, status = ResendForm(), 200
    return render(request, "petitions/resend.html", {"petition": petition, "form": form}, status=status)


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a CSRF token; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        ref = unsubscribe_token_read(token)
    except (TokenExpired, TokenInvalid):
        return _link_problem(request, expired=False, status=400, unsubscribe=True)
    if request.method == "POST":
        signature = Signature.objects.filter(**signature_ref_filter(ref)).only("pk").first()
        if signature is not None:
            services.signature_unsubscribe(signature_id=signature.pk)
        return render(request, "petitions/unsubscribed.html")
    return render(request, "petitions/unsubscribe.html")


@require_http_methods(["GET", "POST"])
def manage_request(request, slug):
    """Ask for a "Manage my signature" link by address. Answered exactly as a resend request,
    through the same machinery and limits: the link comes in the email that request sends."""
    petition = _petition_or_404(slug)
    if request.method == "POST":
        form = ManageRequestForm(request.POST)
        if form.is_valid():
            services.signature_resend_request(
                petition=petition, email=form.cleaned_data["email"], ip_address=client_ip(request)
            )
            return render(request, "petitions/manage_request_done.html", {"petition": petition})
        status = 400
    else:
        form, status = ManageRequestForm(), 200
    return render(request, "petitions/manage_request.html", {"petition": petition, "form": form}, status=status)


MANAGE_ACTIONS = ("choices", "correct_name", "download", "withdraw")


@cache_control(no_store=True, private=True)
@require_http_methods(["GET", "POST"])
def manage(request, token):
    """The signer's page: GET shows; every change, and the download, is a POST."""
    try:
        public_id = manage_token_read(token)
    except TokenExpired as exc:
        petition = selectors.petition_of_signature(ref=exc.ref) if exc.ref is not None else None
        return _link_problem(request, expired=True, status=410, manage=True, petition=petition)
    except TokenInvalid:
        return _link_problem(request, expired=False, status=400, manage=True)
    signature = _signature_or_none(public_id)
    if signature is None:
        return _link_problem(request, expired=False, status=404, manage=True)
    petition, status, closed = signature.petition, 200, False
    name_form = ManageNameForm(initial={"name": signature.name})
    form = ManageChoicesForm(
        initial={
            "show_publicly": signature.show_publicly,
            "keep_updated": signature.keep_updated,
            "leave_name_off": signature.leave_name_off,
        }
    )
    if request.method == "POST":
        # Each button is named after its action; a request naming none, or several, is refused.
        pressed = [name for name in MANAGE_ACTIONS if name in request.POST]
        action = pressed[0] if len(pressed) == 1 else None
        if action is None:
            status = 400
        elif action == "download":
            data = self_service.signature_personal_data(signature=signature)
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="my-signature-{petition.slug}.json"'
            return response
        elif action == "correct_name":
            name_form = ManageNameForm(request.POST)
            if name_form.is_valid():
                outcome = self_service.signature_name_correct(
                    signature_id=signature.pk, name=name_form.cleaned_data["name"]
                )
                if outcome is Correction.GONE:
                    return _link_problem(request, expired=False, status=404, manage=True)
                return redirect(reverse("petitions:manage", kwargs={"token": token}) + "?corrected=1")
            status = 400
        elif action == "withdraw":
            if self_service.signature_withdraw(signature_id=signature.pk):
                return redirect("petitions:withdrawn", slug=petition.slug)
            status, closed = 409, True
        else:
            form = ManageChoicesForm(request.POST)
            if form.is_valid():
                self_service.signature_choices_change(signature_id=signature.pk, **form.cleaned_data)
                return redirect(reverse("petitions:manage", kwargs={"token": token}) + "?saved=1")
            status = 400
    context = {
        "petition": petition,
        "signature": signature,
        "form": form,
        "name_form": name_form,
        "contact_email": content_selectors.contact_email(),
        "saved": request.GET.get("saved") == "1",
        "corrected": request.GET.get("corrected") == "1",
        "closed": closed,
    }
    return render(request, "petitions/manage.html", context, status=status)


@require_safe
def withdrawn(request, slug):
    return render(request, "petitions/withdrawn.html", {"petition": _petition_or_404(slug)})


@require_safe
@cache_control(public=True, max_age=15)
def count(request, slug):
    data = selectors.petition_count(slug=slug)
    if data is None:
        raise Http404
    # "goal" is the petition's goal; "next_goal" what the page's bar measures against now.
    response = JsonResponse({"count": data["signature_count"], "goal": data["goal"], "next_goal": data["next_goal"]})
    response["Access-Control-Allow-Origin"] = "*"  # embeds on partner sites may read the count
    return response


@require_safe
@cache_control(public=True, max_age=60)
def countries_json(request, slug):
    counts = selectors.petition_country_counts(slug=slug)
    if counts is None:
        raise Http404
    response = JsonResponse(counts.as_json())
    response["Access-Control-Allow-Origin"] = "*"  # as count.json: partner sites may read it
    return response


@require_safe
def countries(request, slug):
    petition = _petition_or_404(slug)
    counts = selectors.petition_country_counts(slug=slug)
    context = {"petition": petition, "counts": counts, "chart": country_chart(counts)}
    return render(request, "petitions/countries.html", context)
