"""Export jobs in the staff admin: who exported what, for administrators."""

from django.contrib import admin

from campaign.petitions.admin import ReadOnlyAdmin
from campaign.petitions.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Who exported what, for administrators; organizers use the export pages."""

    list_display = ["id", "owner", "petition", "file_format", "state", "rows_written", "created_at", "expires_at"]
    list_filter = ["state", "file_format"]
    list_select_related = ["owner", "petition"]
