"""A petition's life on the real stack: beat, down when the petition's closing time passed,
closes it as of that time once it runs, and anonymises the signatures of a petition closed
long enough ago; the public count the site serves does not move."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.moderation.retention import months_before
from campaign.petitions import counting
from campaign.petitions.models import Petition, Signature
from tests.factories import PetitionFactory, SignatureFactory

from .stack import Visitor, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_beat_closes_a_petition_whose_time_passed_while_it_was_down_and_anonymises_an_old_one(make_stack):
    closes_at = timezone.now() - timedelta(hours=2)
    due = PetitionFactory(slug="due", closes_at=closes_at)
    old = PetitionFactory(slug="old", closed_at=months_before(timezone.now(), 6) - timedelta(days=1))
    for petition in (due, old):
        SignatureFactory(petition=petition, confirmed=True, name="Aigerim Bekova", ip_address="203.0.113.4")
    counting.signature_counts_update()

    stack = make_stack(beat=True)
    wait_for(
        lambda: (
            Petition.objects.get(pk=due.pk).closed_at is not None
            and not Signature.objects.filter(petition=old, erased_at__isnull=True).exists()
        ),
        timeout=60,
        what="beat to close the due petition and anonymise the old one",
        diagnostics=stack.tails,
    )

    assert Petition.objects.get(pk=due.pk).closed_at == closes_at
    assert Signature.objects.get(petition=old).name == ""
    assert Signature.objects.get(petition=due).name == "Aigerim Bekova"  # closed two hours ago: kept
    visitor = Visitor(stack.base_url)
    page = visitor.get(reverse("petitions:sign", kwargs={"slug": due.slug}))
    assert "Closed on" in page.text and "with 1 confirmed signature." in " ".join(page.text.split())
    assert visitor.get(reverse("petition_count", kwargs={"slug": old.slug})).json()["count"] == 1
