"""The staff admin for petitions; signatures, invalidations and the audit log are moderation's
(campaign/moderation/admin.py), export jobs are exports' (campaign/exports/admin.py)."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from . import life
from .models import Petition, SourceCode


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: supporters sign, actions change, nobody types them in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "signature_count",
        "goal_steps",
        "goal",
        "open_display",
        "closes_at",
        "is_featured",
    ]
    readonly_fields = ["signature_count", "count_updated_at", "closed_at", "created_at"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["close_now", "reopen"]

    @admin.display(description=_("open for signing"), boolean=True)
    def open_display(self, obj):
        return obj.is_open

    def has_close_permission(self, request):
        return request.user.has_perm("petitions.close_petition")

    @admin.action(description=_("Close now (signing and resending stop)"), permissions=["close"])
    def close_now(self, request, queryset):
        return self._confirm_then_act(request, queryset, "close_now", life.petition_close, _("%(count)d closed."))

    @admin.action(description=_("Reopen for signing"), permissions=["close"])
    def reopen(self, request, queryset):
        return self._confirm_then_act(request, queryset, "reopen", life.petition_reopen, _("%(count)d reopened."))

    def _confirm_then_act(self, request, queryset, name: str, service, done_message):
        if "post" in request.POST:
            done = sum(service(actor=request.user, petition_id=pk) for pk in queryset.values_list("pk", flat=True))
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Are you sure?"),
            "opts": self.model._meta,
            "action_name": name,
            "action_description": getattr(self, name).short_description,
            "petitions": list(queryset.only("title", "signature_count")),
            "anonymise_months": settings.PETITION_ANONYMISE_AFTER_MONTHS,
            "selected_ids": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "form_action": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/petitions/petition/action_confirmation.html", context)


@admin.register(SourceCode)
class SourceCodeAdmin(admin.ModelAdmin):
    """Codes per partner for `?source=` links; the dashboard shows what each brought, in aggregate.
    Deleting a code some signature carries is refused (deactivate it instead)."""

    list_display = ["code", "label", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["code", "label"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        # A code already in links and on signatures keeps its spelling; a new one is typed in.
        return ["code", *self.readonly_fields] if obj is not None else self.readonly_fields
