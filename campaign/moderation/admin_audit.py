"""The audit log in the staff admin: read in words, exported as CSV, never edited."""

import csv
import json

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from campaign.exports.cells import neutralise_lists
from campaign.moderation import audit
from campaign.petitions.admin import ReadOnlyAdmin
from campaign.petitions.models import AuditEntry


class AuditActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        recorded = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(action, audit.AUDIT_ACTIONS.get(action, action)) for action in recorded]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only: nobody adds, edits or deletes an entry here; administrators read and export."""

    list_display = ["created_at", "actor_label", "action_display", "count", "petition", "details_display"]
    # The entry's own page, in words too: no raw JSON, no code names.
    fields = ["created_at", "actor_label", "action_display", "count", "petition", "details_display"]
    readonly_fields = fields
    list_filter = [AuditActionFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "action"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ["export_csv"]

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, obj):
        return audit.AUDIT_ACTIONS.get(obj.action, obj.action)

    @admin.display(description=_("details"))
    def details_display(self, obj):
        lines = audit.audit_summary(obj.details)
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) if lines else "–"

    @admin.action(description=_("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = queryset.order_by("created_at", "pk")
        audit.audit_record(actor=request.user, action="audit_export", count=rows.count())
        # Every cell quoted, as in the supporter exports (exports/writers.py QUOTE_ALL says why).
        writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)

        def lines():
            yield writer.writerow(["when", "who", "action", "signatures", "petition", "details"])
            for entry in rows.select_related("petition").iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        entry.created_at.isoformat(),
                        neutralise_lists(entry.actor_label),
                        entry.action,
                        entry.count,
                        neutralise_lists(entry.petition.slug if entry.petition else ""),
                        neutralise_lists(json.dumps(entry.details, ensure_ascii=False, default=str)),
                    ]
                )

        return StreamingHttpResponse(
            lines(),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )


class _Echo:
    def write(self, value):
        return value
