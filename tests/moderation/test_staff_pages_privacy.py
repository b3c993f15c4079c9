"""Staff pages that show signers: who may see where signatures came from, and no copies kept
by a browser or a proxy."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.moderation import invalidations
from campaign.petitions.models import ExportJob
from tests.factories import SignatureFactory

SOURCES = ("203.0.113.0/24", "203.0.113.7", "burst.example")


@pytest.mark.parametrize(("role", "sees_sources"), [("moderator", True), ("administrator", True), ("organizer", False)])
def test_only_roles_that_moderate_see_top_ips_and_email_domains_on_the_dashboard(
    client, users, petition, role, sees_sources
):
    for n in range(3):
        SignatureFactory(petition=petition, ip_address="203.0.113.7", email=f"s{n}@burst.example")
    client.force_login(users[role])

    response = client.get(reverse("moderation:dashboard"))

    assert response.status_code == 200
    page = response.content.decode()
    for caption in ("Top IP addresses", "Top email domains", "Top subnets"):
        assert (caption in page) is sees_sources, (role, caption)
    for value in SOURCES:
        assert (value in page) is sees_sources, (role, value)
    assert "Counted signatures by country" in page  # the rest of the dashboard is there for everyone


def _staff_pages(petition, invalidation, job):
    return {
        "dashboard": reverse("moderation:dashboard"),
        "review queue": reverse("moderation:queue"),
        "new invalidation": reverse("moderation:invalidation_new"),
        "invalidation progress": reverse("moderation:invalidation", args=[invalidation.pk]),
        "invalidation list": reverse("admin:petitions_invalidation_changelist"),
        "signature list": reverse("admin:petitions_signature_changelist"),
        "export page": reverse("exports:start"),
        "export job": reverse("exports:job", kwargs={"pk": job.pk}),
        "delivery report": reverse("exports:report", kwargs={"slug": petition.slug}),
    }


def staff_objects(administrator, petition):
    """An invalidation and a finished export job, for the staff pages that show one."""
    SignatureFactory(petition=petition, ip_address="203.0.113.7")
    invalidation = invalidations.invalidation_create(
        actor=administrator,
        petition=petition,
        criteria={"ip": "203.0.113.7", "max_pk": 10**9},
        reason="flood",
        matched=1,
    )
    now = timezone.now()
    job = ExportJob.objects.create(
        owner=administrator,
        petition=petition,
        filters={"states": ["confirmed"], "contactable": True, "format": "csv"},
        file_format="csv",
        state=ExportJob.State.RUNNING,
        finished_at=now,
        expires_at=now + timedelta(hours=1),
    )
    return invalidation, job


def test_every_staff_page_showing_signers_says_no_store(client, administrator, petition):
    invalidation, job = staff_objects(administrator, petition)
    client.force_login(administrator)

    for name, url in _staff_pages(petition, invalidation, job).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "no-store" in response.get("Cache-Control", ""), name
        assert "private" in response.get("Cache-Control", ""), name
