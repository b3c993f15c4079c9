"""The content's text in the page's language, and visibly in English where it is not translated.

`{% in_language row "field" %}…{% endin_language %}` shows what it wraps as it is when the row
has the field in the page's language; otherwise the wrapped text is the English fallback
(django-modeltranslation's), and it is marked up as English with a short note, in the page's
language, that it is not yet translated. `block=True` wraps paragraphs (a <div>), otherwise a
<span>. Never a blank: the English text is always there.
"""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

register = template.Library()


def _translated(row, field: str, language: str) -> bool:
    return bool((getattr(row, f"{field}_{language}", None) or "").strip())


@register.filter
def shown_language(row, field: str) -> str:
    """The language the row's `field` is shown in on this page: the page's, or English."""
    language = get_language()
    return language if _translated(row, field, language) else settings.LANGUAGE_CODE


@register.simple_block_tag
def in_language(content, row, field: str, block: bool = False):
    language = get_language()
    if language == settings.LANGUAGE_CODE or _translated(row, field, language) or not content.strip():
        return content
    tag = "div" if block else "span"
    return format_html(
        '<{tag} lang="{en}" class="untranslated">{content} <small class="untranslated-note" lang="{language}">({note})</small></{tag}>',
        tag=tag,
        en=settings.LANGUAGE_CODE,
        content=content,
        language=language,
        note=gettext("not yet translated"),
    )


@register.simple_tag
def quote_translation(quote) -> str:
    """The campaign's translation of a quotation into the page's language, or "" (a quotation
    said in this language, or one not translated yet)."""
    language = get_language()
    if quote.language == language:
        return ""
    return (getattr(quote, f"translation_{language}", None) or "").strip()
