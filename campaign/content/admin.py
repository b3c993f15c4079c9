from django.contrib import admin

from .models import Campaign, Demand, Quote, Source, TimelineEntry


class TimelineInline(admin.StackedInline):
    model = TimelineEntry
    extra = 0


class DemandInline(admin.StackedInline):
    model = Demand
    extra = 0


class QuoteInline(admin.StackedInline):
    model = Quote
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "is_published"]
    filter_horizontal = ["sources"]
    inlines = [DemandInline, QuoteInline, TimelineInline]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published_label", "url"]
    search_fields = ["title", "publisher"]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(admin.ModelAdmin):
    list_display = ["date_label", "title", "source"]
    list_select_related = ["source"]


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ["organisation", "position", "text"]
    list_filter = ["organisation"]


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["speaker", "text"]
