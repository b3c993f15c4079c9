"""The published cases, for templates/content/_cases.html wherever a page includes it."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def cases_published():
    return selectors.cases_published()
