"""The staff admin for petitions; signatures, invalidations and the audit log are moderation's
(campaign/moderation/admin.py), export jobs are exports' (campaign/exports/admin.py)."""

from django.contrib import admin

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
    list_display = ["title", "slug", "signature_count", "goal_steps", "goal", "is_open", "is_featured"]
    readonly_fields = ["signature_count", "count_updated_at", "created_at"]
    prepopulated_fields = {"slug": ["title"]}
