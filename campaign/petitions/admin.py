"""The staff admin for petitions; signatures, invalidations and the audit log are moderation's
(campaign/moderation/admin.py), export jobs are exports' (campaign/exports/admin.py)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import life
from .models import Petition


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
    list_display = ["title", "slug", "signature_count", "goal", "open_display", "closes_at", "is_featured"]
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
        closed = sum(
            life.petition_close(actor=request.user, petition_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, _("%(count)d petition(s) closed.") % {"count": closed}, messages.SUCCESS)

    @admin.action(description=_("Reopen for signing"), permissions=["close"])
    def reopen(self, request, queryset):
        opened = sum(
            life.petition_reopen(actor=request.user, petition_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, _("%(count)d petition(s) reopened.") % {"count": opened}, messages.SUCCESS)
