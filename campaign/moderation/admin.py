"""Signatures, invalidations and the audit log in the staff admin.

Built for a table of millions of signatures: no full COUNT, no facet counts, sorting only by
indexed columns. Every change to a signature goes through an action that asks for
confirmation with the number affected, calls a service in actions.py and leaves an audit
entry; nothing is edited or deleted in a form.
"""

import ipaddress

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_countries import countries

from campaign.moderation import actions as moderation_actions
from campaign.moderation import lookups
from campaign.moderation.forms import RejectForm, SignatureCorrectForm
from campaign.petitions import crypto
from campaign.petitions.admin import ReadOnlyAdmin
from campaign.petitions.models import AuditEntry, Invalidation, Signature
from campaign.petitions.services import email_lookup


class LargeTablePaginator(Paginator):
    """Pages without counting every row of a huge table.

    Unfiltered, on PostgreSQL, the planner's estimate (pg_class.reltuples) stands in for the
    count once the table is large; filtered, rows are counted only up to COUNT_LIMIT.
    `count_note` says which ("about", "more than"), so the page does not claim a false total.
    """

    COUNT_LIMIT = 100_000
    count_note = ""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > self.COUNT_LIMIT:
                self.count_note = "about"
                return int(row[0])
        count = queryset.order_by()[: self.COUNT_LIMIT + 1].count()
        if count > self.COUNT_LIMIT:
            self.count_note = "more than"
            return self.COUNT_LIMIT
        return count


class SuspicionFilter(admin.SimpleListFilter):
    title = _("why suspicious")
    parameter_name = "suspicion"

    def lookups(self, request, model_admin):
        return Signature.Suspicion.choices

    def queryset(self, request, queryset):
        if self.value() in Signature.Suspicion.values:
            return queryset.filter(lookups.suspicion_query(self.value()))
        return queryset


class CountryFilter(admin.SimpleListFilter):
    """Only the countries signatures come from (not all 250), looked up once every few minutes."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = cache.get_or_set(
            "moderation:signature-countries",
            lambda: list(Signature.objects.order_by().values_list("country", flat=True).distinct()),
            600,
        )
        return sorted(((code, countries.name(code) or code) for code in codes), key=lambda item: item[1])

    def queryset(self, request, queryset):
        value = (self.value() or "").upper()
        return queryset.filter(country=value) if value in countries else queryset


class InvalidationFilter(admin.SimpleListFilter):
    title = _("bulk invalidation")
    parameter_name = "invalidation"

    def lookups(self, request, model_admin):
        return [(str(pk), f"#{pk} {reason}") for pk, reason in Invalidation.objects.values_list("pk", "reason")[:20]]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isascii() and value.isdigit():
            return queryset.filter(invalidation_id=int(value))
        return queryset


def _confirmed_action(name: str, description, permission: str):
    """An admin action that shows a confirmation page (with the number affected) before acting."""

    def action(modeladmin, request, queryset):
        return modeladmin.confirm_then_act(request, queryset, name)

    action.__name__ = name
    return admin.action(description=description, permissions=[permission])(action)


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["name", "email", "country", "state", "suspicion_display", "ip_address", "signed_at", "confirmed_at"]
    list_filter = [
        "state",
        SuspicionFilter,
        CountryFilter,
        ("signed_at", admin.DateFieldListFilter),
        ("confirmed_at", admin.DateFieldListFilter),
        "petition",
        InvalidationFilter,
    ]
    # The search box needs search_fields to show; get_search_results does the work.
    search_fields = ["name"]
    search_help_text = _(
        "Whole words of a name; a whole email address; @example.org for a whole domain; an IP address or a range "
        "such as 203.0.113.0/24."
    )
    list_per_page = 100
    list_max_show_all = 1000
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Only indexed columns: sorting millions of rows by anything else is a full sort.
    sortable_by = ["signed_at"]
    ordering = ["-signed_at"]
    actions = ["reject_spam", "clear_suspicion", "restore", "resend_confirmation", "erase_personal_data"]
    fieldsets = [
        (None, {"fields": ["petition", "name", "email", "country", "language", "show_publicly", "keep_updated"]}),
        (
            _("Moderation"),
            {
                "fields": [
                    "state",
                    "suspicion_display",
                    "ip_address",
                    "invalidation",
                    "state_before_invalidation",
                    "counted",
                ]
            },
        ),
        (_("Times"), {"fields": ["signed_at", "confirmed_at", "unsubscribed_at", "erased_at"]}),
        (
            _("Email"),
            {"fields": ["email_state", "email_requests", "email_attempts", "email_sent_at", "consent_version"]},
        ),
    ]
    readonly_fields = ["suspicion_display", "state_before_invalidation", "counted", "signed_at"]

    reject_spam = _confirmed_action("reject_spam", _("Reject as spam (takes them out of the public count)"), "moderate")
    clear_suspicion = _confirmed_action("clear_suspicion", _("Clear suspicion (counts once confirmed)"), "moderate")
    restore = _confirmed_action("restore", _("Restore rejected signatures"), "moderate")
    resend_confirmation = _confirmed_action("resend_confirmation", _("Resend the confirmation email"), "moderate")
    erase_personal_data = _confirmed_action(
        "erase_personal_data", _("Erase personal data (cannot be undone; keeps an anonymous row)"), "erase"
    )

    ACTIONS = {
        "reject_spam": (
            "reject",
            moderation_actions.signatures_reject,
            ngettext_lazy("Rejected %(count)d signature as spam.", "Rejected %(count)d signatures as spam.", "count"),
        ),
        "clear_suspicion": (
            "clear",
            moderation_actions.signatures_clear,
            ngettext_lazy(
                "Cleared %(count)d suspicious signature.", "Cleared %(count)d suspicious signatures.", "count"
            ),
        ),
        "restore": (
            "restore",
            moderation_actions.signatures_restore,
            ngettext_lazy("Restored %(count)d rejected signature.", "Restored %(count)d rejected signatures.", "count"),
        ),
        "resend_confirmation": (
            "resend",
            moderation_actions.signatures_resend,
            ngettext_lazy(
                "Sending the confirmation email again to %(count)d signer.",
                "Sending the confirmation email again to %(count)d signers.",
                "count",
            ),
        ),
        "erase_personal_data": (
            "erase",
            moderation_actions.signatures_erase,
            ngettext_lazy(
                "Erased the personal data of %(count)d signature.",
                "Erased the personal data of %(count)d signatures.",
                "count",
            ),
        ),
    }

    @admin.display(description=_("why suspicious"))
    def suspicion_display(self, obj):
        labels = dict(Signature.Suspicion.choices)
        return ", ".join(str(labels.get(reason, reason)) for reason in obj.suspicion) or "–"

    def has_moderate_permission(self, request):
        return request.user.has_perm("petitions.moderate_signature")

    def has_erase_permission(self, request):
        # Irreversible, unlike every other action: administrators only.
        return request.user.has_perm("petitions.moderate_signature") and request.user.has_perm(
            "petitions.delete_signature"
        )

    # The detail page's buttons: each opens the same confirmation page as the list's action.
    DETAIL_ACTIONS = ("reject_spam", "clear_suspicion", "restore", "resend_confirmation", "erase_personal_data")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        signature = Signature.objects.filter(pk=object_id if str(object_id).isdigit() else 0).first()
        buttons = []
        if signature is not None:
            allowed = self.get_actions(request)
            for name in self.DETAIL_ACTIONS:
                kind = self.ACTIONS[name][0]
                one = Signature.objects.filter(pk=signature.pk)
                if name in allowed and moderation_actions.signatures_eligible(action=kind, signatures=one).exists():
                    buttons.append({"name": name, "label": allowed[name][2], "danger": kind in ("reject", "erase")})
        correct_form = None
        if (
            signature is not None
            and signature.erased_at is None
            and request.user.has_perm("petitions.change_signature")
        ):
            correct_form = SignatureCorrectForm(initial={"name": signature.name, "email": signature.email})
        extra_context = {**(extra_context or {}), "moderation_buttons": buttons, "correct_form": correct_form}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # A NUL byte cannot reach PostgreSQL; nobody's name or address holds one.
        term = search_term.replace("\x00", "").strip()
        if not term:
            return queryset, False
        if term.startswith("@"):
            return queryset.filter(email_domain=term[1:].casefold()), False
        if "/" in term or _looks_like_ip(term):
            try:
                return queryset.filter(lookups.ip_query(term)), False
            except ValueError:
                messages.error(request, _("That is not an IP address or a range such as 203.0.113.0/24."))
                return queryset.none(), False
        if "@" in term:
            return queryset.filter(email_index=email_lookup(term)), False
        # Names are encrypted: found by whole words through their blind index, never in part.
        words = crypto.name_words_query_terms(term)
        if not words:
            return queryset.none(), False
        found = queryset
        for word in words:
            found = found.filter(name_words__contains=word)
        if not found.exists():
            domain = term if "." in term else f"{term}.com"
            messages.info(
                request,
                _(
                    "No name has every word of “%(term)s”. Names are found by whole words (“smith”, not “smi”) "
                    "and email addresses whole: search for the full address, or @%(domain)s for everyone at "
                    "that domain."
                )
                % {"term": term, "domain": domain},
            )
        return found, False

    def confirm_then_act(self, request, queryset, name: str):
        kind, service, done_message = self.ACTIONS[name]
        reject_form = RejectForm(request.POST if "post" in request.POST else None) if kind == "reject" else None
        select_across = request.POST.get("select_across") == "1"
        query = request.GET.copy()
        # Only the filters' names reach the audit log (actions.filter_names): the search that
        # found them may be the very name or address someone later asks to erase.
        filters = {"changelist": query.urlencode(), "select_across": select_across} if select_across or query else None
        if "post" in request.POST and (reject_form is None or reject_form.is_valid()):
            extra = {"reason": reject_form.cleaned_data["reason"]} if reject_form else {}
            count = service(actor=request.user, signatures=queryset, filters=filters, **extra)
            next_url = request.POST.get("next", "")
            self.message_user(
                request, self._with_undo(request, done_message % {"count": count}, name, next_url), messages.SUCCESS
            )
            if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return HttpResponseRedirect(next_url)
            return None
        eligible = moderation_actions.signatures_eligible(action=kind, signatures=queryset)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Are you sure?"),
            "opts": self.model._meta,
            "action_name": name,
            "action_description": getattr(self, name).short_description,
            "selected_count": queryset.count(),
            "eligible_count": eligible.count(),
            "counted_count": eligible.filter(counted=True).count() if kind in ("reject", "erase") else None,
            "kind": kind,
            "form": reject_form or None,
            "selected_ids": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": select_across,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "next": request.POST.get("next", ""),
            "form_action": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/petitions/signature/action_confirmation.html", context)

    def _with_undo(self, request, text: str, name: str, next_url: str):
        """The success message, with an Undo button where the action can be taken back."""
        entry = (
            AuditEntry.objects.filter(actor=request.user, action=f"signatures_{self.ACTIONS[name][0]}")
            .order_by("-pk")
            .first()
        )
        if entry is None or not entry.count or not moderation_actions.audit_entry_undoable(entry):
            return text
        return format_html(
            '{} <form method="post" action="{}" class="moderation-undo">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="entry" value="{}"><input type="hidden" name="next" value="{}">'
            '<button type="submit">{}</button></form>',
            text,
            reverse("moderation:undo"),
            get_token(request),
            entry.pk,
            next_url or request.get_full_path(),
            _("Undo"),
        )


def _looks_like_ip(term: str) -> bool:
    try:
        ipaddress.ip_address(term)
    except ValueError:
        return False
    return True


@admin.register(Invalidation)
class InvalidationAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "reason",
        "state",
        "matched",
        "affected",
        "restored",
        "created_by",
        "created_at",
        "progress_link",
    ]
    list_filter = ["state", "petition"]
    list_select_related = ["created_by"]
    readonly_fields = ["progress_link"]

    @admin.display(description=_("progress"))
    def progress_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("moderation:invalidation", args=[obj.pk]), _("open"))


# The audit log's admin lives beside this one; importing it registers it.
from . import admin_audit  # noqa: E402, F401
