"""The content's text in each language (django-modeltranslation): `title` becomes `title_en`,
`title_ru`, `title_kk`, and `row.title` reads the active language's column, or the English one
when that is empty. English is the original every translation is made from.

A quotation's own words (`Quote.text`) and its source excerpt are not translated: they stay in
the language they were said in; `Quote.translation` holds the campaign's translation shown beside
them. A source's `title` is the publisher's: its column in another language is filled only where
the publisher gives a title in that language; `description` says in each language what it is.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import About, Campaign, Case, Delivery, Demand, Quote, Response, Source, TimelineEntry, Update


@register(Source)
class SourceText(TranslationOptions):
    fields = ("title", "description", "kind", "publisher", "published_label", "note")


@register(Campaign)
class CampaignText(TranslationOptions):
    fields = ("title", "lede", "what_happened", "why_it_matters", "call_to_action", "share_text")


@register(TimelineEntry)
class TimelineEntryText(TranslationOptions):
    fields = ("date_label", "title", "body")


@register(Demand)
class DemandText(TranslationOptions):
    fields = ("text",)


@register(Quote)
class QuoteText(TranslationOptions):
    fields = ("speaker", "role", "translation")


@register(Update)
class UpdateText(TranslationOptions):
    fields = ("title", "body")


@register(Case)
class CaseText(TranslationOptions):
    fields = ("name", "story", "photo_alt")


@register(About)
class AboutText(TranslationOptions):
    fields = ("run_by",)


@register(Delivery)
class DeliveryText(TranslationOptions):
    fields = ("recipient", "note", "document_alt")


@register(Response)
class ResponseText(TranslationOptions):
    fields = ("responder", "text")
