"""Milestones on the progress bar: each goal step and the goal, with its number, under the bar;
the steps the count has reached are marked, and the next one is the current step."""

import re

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from campaign.petitions.models import Petition


def milestones(html: str) -> list[str]:
    block = re.search(r'<ol class="milestones[^"]*"[^>]*>(.*?)</ol>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>.*?</li>", block, re.S)]


def test_the_goal_steps_show_on_the_bar_with_the_reached_ones_marked(seeded):
    Petition.objects.filter(pk=seeded.pk).update(goal=10000, goal_steps="100, 1000", signature_count=150)
    cache.clear()

    html = Client().get(reverse("content:home")).content.decode()

    assert milestones(html) == ["✓ 100 — reached", "1,000", "10,000"]
    assert re.search(r'<li class="milestone milestone-reached">', html)
    assert re.search(r'<li class="milestone" aria-current="step">1,000</li>', html)


def test_a_petition_without_steps_shows_no_milestones(seeded):
    Petition.objects.filter(pk=seeded.pk).update(goal=10000, goal_steps="", signature_count=150)
    cache.clear()

    assert 'class="milestones' not in Client().get(reverse("content:home")).content.decode()
