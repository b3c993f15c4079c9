"""The empty state: stepped goals set in the admin, words for the first signers, and the bar
measured against the next step, so a new petition does not look empty."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaign.petitions import counting
from tests.factories import SignatureFactory, UserFactory


def home(client) -> str:
    return client.get(reverse("content:home")).content.decode()


def count_json(client, petition) -> dict:
    return client.get(reverse("petition_count", kwargs={"slug": petition.slug})).json()


def test_a_new_petition_invites_the_first_signer_and_measures_against_100_not_10000(client, seeded):
    page = home(client)

    assert "Be the first to sign: your name starts the count." in page
    assert '<progress class="w-100" max="100" value="0">' in page
    assert "next goal: 100" in page and "goal of 10,000" not in page


def test_at_nine_signatures_the_bar_is_nine_percent_full_and_asks_for_the_first_hundred(client, seeded):
    SignatureFactory.create_batch(9, petition=seeded, confirmed=True)
    counting.signature_counts_update()

    page = home(client)

    assert '<progress class="w-100" max="100" value="9">9%</progress>' in page
    assert "Be one of the first 100 to sign." in page
    assert count_json(client, seeded) == {"count": 9, "goal": 10000, "next_goal": 100}


def test_past_the_last_step_the_bar_measures_against_the_goal(client, seeded):
    seeded.goal_steps = "100, 1000"
    seeded.signature_count = 1500
    seeded.save()

    page = home(client)

    assert '<progress class="w-100" max="10000" value="1500">15%</progress>' in page
    assert "of a goal of 10,000" in page and "first" not in page.split('class="progress-block"')[1][:600]


def test_without_steps_the_goal_alone_is_shown(client, seeded):
    seeded.goal_steps = ""
    seeded.save()

    assert '<progress class="w-100" max="10000" value="0">' in home(client)


def test_steps_are_whole_numbers_and_anything_else_is_refused_with_a_clear_message(seeded):
    seeded.goal_steps = "1000; 100 5000"
    seeded.full_clean()
    assert seeded.goals == [100, 1000, 5000, 10000]
    seeded.goal_steps = "100, 1,000"  # a thousands separator reads as two numbers, "1" and "000"
    with pytest.raises(ValidationError, match="whole numbers above zero"):
        seeded.full_clean()


def test_an_administrator_finds_the_goal_steps_on_the_petitions_page_in_the_admin(client, seeded):
    client.force_login(UserFactory(username="admin", groups=["Administrator"]))

    page = client.get(reverse("admin:petitions_petition_change", args=[seeded.pk])).content.decode()

    assert 'name="goal_steps"' in page and 'value="100, 1000"' in page
