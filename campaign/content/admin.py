from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline

from campaign.outbox import update_drafts
from campaign.petitions.models import Petition, SourceCode
from campaign.petitions.sources import source_code_clean

from . import qr, seed, services, translations
from .forms import CaseAdminForm, DeliveryAdminForm, PartnerOriginForm
from .models import (
    About,
    Campaign,
    Case,
    Delivery,
    Demand,
    PartnerOrigin,
    Quote,
    Response,
    Source,
    TimelineEntry,
    Update,
)

ADD_UPDATE = "petitions.add_supporterupdate"
LANGUAGE_NAMES = {"ru": "Russian", "kk": "Kazakh"}
STATUS_TEXT = {translations.MISSING: "missing", translations.OUTDATED: "outdated", translations.CURRENT: "translated"}


def languages_edited(form) -> list[str]:
    """The languages whose translated fields the editor changed in this form."""
    return [
        language
        for language in translations.LANGUAGES
        if any(name.endswith(f"_{language}") and not name.startswith("reviewed_") for name in form.changed_data)
    ]


class TranslationStateFilter(admin.SimpleListFilter):
    """Rows whose translation into one language is missing, outdated (the English changed since
    it was made), translated, or not yet reviewed by a native speaker."""

    language = ""

    def lookups(self, request, model_admin):
        return [
            (translations.MISSING, "missing"),
            (translations.OUTDATED, "outdated"),
            (translations.CURRENT, "translated"),
            ("unreviewed", "not reviewed"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == "unreviewed":
            return queryset.filter(**{f"reviewed_{self.language}": False})
        keep = [row.pk for row in queryset if translations.translation_status(row, self.language) == value]
        return queryset.filter(pk__in=keep)


def _state_filter(language: str):
    return type(
        f"TranslationState{language.title()}Filter",
        (TranslationStateFilter,),
        {
            "language": language,
            "title": f"{LANGUAGE_NAMES[language]} translation",
            "parameter_name": f"translation_{language}",
        },
    )


def _state_column(language: str):
    @admin.display(description=LANGUAGE_NAMES[language])
    def column(self, obj):
        status = translations.translation_status(obj, language)
        reviewed = "reviewed" if getattr(obj, f"reviewed_{language}") else "not reviewed"
        return format_html('<span class="translation-{}">{}, {}</span>', status, STATUS_TEXT[status], reviewed)

    return column


class ContentAdmin(TabbedTranslationAdmin):
    """Saves and deletions go through the content services, so the home page shows them at once;
    rows the seed writes say whether the seed has a newer version, and can take it. Each row's
    text is edited per language in tabs; the list says, per language, whether the translation is
    missing, outdated (the English changed since it was made) or done, and whether a native
    speaker reviewed it, and filters by that."""

    actions = ["take_seeded_version"]
    translation_columns = [f"translation_state_{language}" for language in translations.LANGUAGES]

    def get_list_display(self, request):
        return [*super().get_list_display(request), *self.translation_columns]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *(_state_filter(language) for language in translations.LANGUAGES)]

    def save_model(self, request, obj, form, change):
        services.content_row_save(row=obj, translated_languages=languages_edited(form))

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row_form in formset.forms:
            if row_form.instance in rows:
                services.content_row_save(row=row_form.instance, translated_languages=languages_edited(row_form))
        for row in formset.deleted_objects:
            services.content_rows_delete(rows=type(row).objects.filter(pk=row.pk))
        formset.save_m2m()

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
            ngettext(
                "%(n)d row now holds the newest seeded version.",
                "%(n)d rows now hold the newest seeded version.",
                changed,
            )
            % {"n": changed},
            messages.SUCCESS,
        )


for _language in translations.LANGUAGES:
    setattr(ContentAdmin, f"translation_state_{_language}", _state_column(_language))


class ContentInline(TranslationStackedInline):
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


@admin.register(Case)
class CaseAdmin(ContentAdmin):
    """People the campaign speaks for, on the home page once published. Publishing is refused
    until the consent is recorded; the photo is re-encoded on upload, without its metadata."""

    form = CaseAdminForm
    actions = []
    list_display = ["name", "is_published", "consent_given_on", "position"]
    list_filter = ["is_published"]
    readonly_fields = ["consent_recorded_by"]
    fieldsets = [
        (None, {"fields": ["name", "story", "photo", "photo_alt", "position"]}),
        (_("Consent"), {"fields": ["consent_given_by", "consent_given_on", "consent_how", "consent_recorded_by"]}),
        (None, {"fields": ["is_published"]}),
    ]

    def save_model(self, request, obj, form, change):
        consent_changed = bool({"consent_given_by", "consent_given_on", "consent_how"} & set(form.changed_data))
        services.case_save(
            case=obj,
            translated_languages=languages_edited(form),
            consent_recorded_by=request.user if consent_changed else None,
            replaced_photo=form.initial.get("photo") if "photo" in form.changed_data else None,
        )

    def delete_model(self, request, obj):
        services.cases_delete(cases=Case.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.cases_delete(cases=queryset)


class WritesSupporterUpdate:
    """ "Write an update to supporters about this" on a delivery's or a response's page: a draft
    written from the row (campaign/outbox/update_drafts.py), opened for the organizer to edit,
    preview and send; the one it has already, if it has one. Whoever may add an update may."""

    change_form_template = "admin/content/supporter_update_source/change_form.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<int:pk>/supporter-update/",
                self.admin_site.admin_view(require_POST(self.supporter_update_view)),
                name=f"{opts.app_label}_{opts.model_name}_supporter_update",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"can_write_update": request.user.has_perm(ADD_UPDATE)}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def supporter_update_view(self, request, pk: int):
        if not (self.has_view_permission(request) and request.user.has_perm(ADD_UPDATE)):
            raise PermissionDenied
        row = get_object_or_404(self.model, pk=pk)
        try:
            update, created = update_drafts.update_draft_about(row=row, actor=request.user)
        except update_drafts.DraftRefused as refused:
            messages.error(request, str(refused))
            return redirect(reverse(f"admin:{row._meta.app_label}_{row._meta.model_name}_change", args=[pk]))
        if not created:
            messages.info(request, "This already has an update to supporters: here it is.")
        else:
            messages.success(
                request,
                "A draft update was written from it, in each language it has text in. Edit it, preview it, then send.",
            )
            if not row.is_published:
                messages.warning(
                    request, f"This {row.kind} is not published yet: the link in the update shows it only once it is."
                )
        return redirect(reverse("admin:petitions_supporterupdate_change", args=[update.pk]))


@admin.register(Delivery)
class DeliveryAdmin(WritesSupporterUpdate, ContentAdmin):
    """Each delivery of the petition: to whom, when, how many signatures, and the document sent
    (a photo, re-encoded without metadata, or a PDF). Shown on the home page and the timeline
    once published; the document is served only while it is."""

    form = DeliveryAdminForm
    actions = []
    list_display = ["recipient", "delivered_on", "signatures", "is_published"]
    list_filter = ["is_published"]
    date_hierarchy = "delivered_on"

    def save_model(self, request, obj, form, change):
        services.delivery_save(
            delivery=obj,
            translated_languages=languages_edited(form),
            replaced_document=form.initial.get("document") if "document" in form.changed_data else None,
        )

    def delete_model(self, request, obj):
        services.deliveries_delete(deliveries=Delivery.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.deliveries_delete(deliveries=queryset)


@admin.register(Response)
class ResponseAdmin(WritesSupporterUpdate, ContentAdmin):
    """A target's response: who, when, and its text or a link to it. Shown once published."""

    actions = []
    list_display = ["responder", "responded_on", "is_published"]
    list_filter = ["is_published"]
    date_hierarchy = "responded_on"


@admin.register(About)
class AboutAdmin(ContentAdmin):
    """One page: who runs the campaign and how to reach them; empty parts are not shown."""

    actions = []
    list_display = ["__str__", "contact_email"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not About.objects.exists()


@admin.register(PartnerOrigin)
class PartnerOriginAdmin(admin.ModelAdmin):
    """The partner sites whose pages may frame the widget, and (under "Embed code and QR
    codes") the snippet to give them and QR codes of the petition's link for print."""

    form = PartnerOriginForm
    list_display = ["origin", "partner", "created_at"]
    search_fields = ["origin", "partner"]
    change_list_template = "admin/content/partnerorigin/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("embed/", view(self.embed_view), name="content_partnerorigin_embed"),
            path("qr/<slug:slug>/<str:language>.<str:kind>", view(self.qr_view), name="content_partnerorigin_qr"),
            *super().get_urls(),
        ]

    def _source_or_none(self, request) -> str | None:
        source = request.GET.get("source", "")
        clean = source_code_clean(source)
        return clean if clean or source == "" else None

    def embed_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        source = self._source_or_none(request)
        petitions = []
        for petition in Petition.objects.order_by("-is_featured", "title"):
            languages = []
            for code, name in settings.LANGUAGES:
                with translation.override(code):
                    widget = settings.SITE_URL + reverse("petition_widget", kwargs={"slug": petition.slug})
                    title = petition.title
                qr_url = reverse("admin:content_partnerorigin_qr", args=[petition.slug, code, "svg"])
                query = f"?source={source}" if source else ""
                widget += query  # the widget's button then carries the partner's code
                languages.append(
                    {
                        "code": code,
                        "name": name,
                        "snippet": format_html(
                            '<iframe src="{}" title="{}" width="360" height="240" loading="lazy"></iframe>',
                            widget,
                            title,
                        ),
                        "link": qr.petition_link(slug=petition.slug, language=code, source=source or ""),
                        "svg": qr_url + query,
                        "png": qr_url[: -len("svg")] + "png" + query,
                    }
                )
            petitions.append({"petition": petition, "languages": languages})
        context = {
            **self.admin_site.each_context(request),
            "title": "Embed code and QR codes",
            "opts": self.model._meta,
            "petitions": petitions,
            "origins": list(PartnerOrigin.objects.values_list("origin", flat=True)),
            "source": request.GET.get("source", ""),
            "source_invalid": source is None,
            # Signatures carry only codes created (and active) under Petitions → Source codes.
            "source_unknown": bool(source) and not SourceCode.objects.filter(code=source, active=True).exists(),
        }
        return TemplateResponse(
            request, "admin/content/partnerorigin/embed.html", context, status=400 if source is None else 200
        )

    def qr_view(self, request, slug, language, kind):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in ("svg", "png") or language not in dict(settings.LANGUAGES):
            raise Http404
        if not Petition.objects.filter(slug=slug).exists():
            raise Http404
        source = self._source_or_none(request)
        if source is None:
            return HttpResponseBadRequest(
                "A source code is 1 to 32 letters, digits, hyphens or underscores.", content_type="text/plain"
            )
        url = qr.petition_link(slug=slug, language=language, source=source)
        if kind == "svg":
            response = HttpResponse(qr.qr_svg(url=url), content_type="image/svg+xml")
        else:
            response = HttpResponse(qr.qr_png(url=url), content_type="image/png")
        # Saved under a name that says what it links to; the slug and code need no quoting.
        response["Content-Disposition"] = (
            f'inline; filename="petition-{slug}-{language}{"-" + source if source else ""}.{kind}"'
        )
        return response
