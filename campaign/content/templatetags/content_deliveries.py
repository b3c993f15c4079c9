"""Published deliveries and responses, for templates/content/_deliveries.html on the home page."""

from django import template

from .. import selectors

register = template.Library()

HOME_SHOWN = 3  # the newest few; the timeline has them all


@register.simple_tag
def deliveries_and_responses_newest():
    return selectors.deliveries_and_responses_published()[:HOME_SHOWN]
