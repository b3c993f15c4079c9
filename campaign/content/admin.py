from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import seed, services
from .models import Campaign, Demand, Quote, Source, TimelineEntry, Update


class ContentAdmin(admin.ModelAdmin):
    """Saves and deletions go through the content services, so the home page shows them at once;
    rows the seed writes say whether the seed has a newer version, and can take it."""

    actions = ["take_seeded_version"]

    def save_model(self, request, obj, form, change):
        services.content_row_save(row=obj)

    def delete_model(self, request, obj):
        services.content_rows_delete(rows=type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.content_rows_delete(rows=queryset)

    @admin.display(description=_("seeded text"))
    def seeded_version(self, obj):
        status = seed.seed_status(obj)
        if status is None:
            return "—"
        return _("newer version available") if status == "newer" else _("up to date")

    @admin.action(description=_("Replace with the newest seeded version (discards edits)"))
    def take_seeded_version(self, request, queryset):
        changed = seed.seed_rows_take(rows=list(queryset))
        self.message_user(
            request,
            ngettext("%(n)d row now holds the newest seeded version.", "%(n)d rows now hold the newest seeded version.", changed)
            % {"n": changed},
            messages.SUCCESS,
        )


class ContentInline(admin.StackedInline):
    extra = 0


class TimelineInline(ContentInline):
    model = TimelineEntry


class DemandInline(ContentInline):
    model = Demand


class QuoteInline(ContentInline):
    model = Quote


@admin.register(Campaign)
class CampaignAdmin(ContentAdmin):
    list_display = ["title", "reviewed_on", "is_published", "seeded_version"]
    filter_horizontal = ["sources"]
    inlines = [DemandInline, QuoteInline, TimelineInline]


@admin.register(Source)
class SourceAdmin(ContentAdmin):
    list_display = ["__str__", "kind", "published_label", "url", "archive_url", "seeded_version"]
    search_fields = ["title", "description", "publisher"]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ContentAdmin):
    list_display = ["date_label", "title", "source", "seeded_version"]
    list_select_related = ["source"]


@admin.register(Demand)
class DemandAdmin(ContentAdmin):
    list_display = ["organisation", "addressee", "position", "text", "seeded_version"]
    list_filter = ["organisation", "addressee"]


@admin.register(Quote)
class QuoteAdmin(ContentAdmin):
    list_display = ["speaker", "text", "seeded_version"]


@admin.register(Update)
class UpdateAdmin(ContentAdmin):
    """“Where things stand” on the home page: an organizer writes an update, names its sources,
    ticks “published” and saves; the newest “as of” date comes first."""

    list_display = ["title", "as_of", "is_published", "seeded_version"]
    list_filter = ["is_published"]
    list_editable = ["is_published"]
    filter_horizontal = ["sources"]
    search_fields = ["title", "body"]
    exclude = ["key"]
    date_hierarchy = "as_of"
