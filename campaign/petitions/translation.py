"""The petition's title and text in each language (see campaign/content/translation.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Petition, SupporterUpdate


@register(Petition)
class PetitionText(TranslationOptions):
    fields = ("title", "text")


@register(SupporterUpdate)
class SupporterUpdateText(TranslationOptions):
    fields = ("subject", "body")
