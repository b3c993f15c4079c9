"""Anonymising the signatures of a closed petition (retention) and erasing anyone's personal
data: the command's dry run, batches, idempotence and audit trail; and the person gone from
exports, the staff search, the audit log and export job records, while the counts stay."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaign.exports.filters import ExportFilters, delivery_report, export_queryset
from campaign.moderation import actions, tasks
from campaign.moderation.erasure import ERASED, signatures_personal_data_erase
from campaign.moderation.retention import months_before
from campaign.petitions import counting
from campaign.petitions.models import AuditEntry, ExportJob, Petition, Signature
from tests.factories import PetitionFactory, SignatureFactory, UserFactory

NAME = "Evgenia Erasova"
ADDRESS = "evgenia.erasova@example.org"


@pytest.fixture
def closed_long_ago(db, settings):
    """A petition closed more than PETITION_ANONYMISE_AFTER_MONTHS ago, with five confirmed
    signatures (Evgenia's among them) and one that was never confirmed."""
    settings.PETITION_ANONYMISE_AFTER_MONTHS = 6
    petition = PetitionFactory(slug="closed", closed_at=months_before(timezone.now(), 6) - timedelta(days=1))
    SignatureFactory(
        petition=petition, confirmed=True, name=NAME, email=ADDRESS, country="KZ", ip_address="203.0.113.5"
    )
    for country in ("KZ", "DE", "DE", "FR"):
        SignatureFactory(
            petition=petition, confirmed=True, country=country, keep_updated=True, ip_address="203.0.113.6"
        )
    SignatureFactory(petition=petition, country="KZ")
    counting.signature_counts_update()
    return petition


def _personal(petition) -> set:
    return set(
        Signature.objects.filter(petition=petition).exclude(name="", email="").values_list("name", "email")
    ) | set(Signature.objects.filter(petition=petition, ip_address__isnull=False).values_list("ip_address", flat=True))


def test_the_dry_run_prints_what_it_would_do_and_changes_nothing(closed_long_ago):
    out = StringIO()
    call_command("anonymise_signatures", "--dry-run", stdout=out)

    assert "Would anonymise 6 signature(s) of closed (closed " in out.getvalue()
    assert "Dry run: nothing was changed." in out.getvalue()
    assert len(_personal(closed_long_ago)) == 8  # six people and two IP addresses
    assert not AuditEntry.objects.exists()


def test_anonymising_goes_in_batches_is_audited_once_and_a_second_run_changes_nothing(closed_long_ago):
    out = StringIO()
    call_command("anonymise_signatures", "--batch-size", "2", stdout=out)
    call_command("anonymise_signatures", "--batch-size", "2", stdout=out)

    assert "Anonymised 6 signature(s) of closed" in out.getvalue()
    assert "Anonymised 0 signature(s) of closed" in out.getvalue()
    assert _personal(closed_long_ago) == set()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_label, entry.count, entry.petition_id) == (
        "signatures_anonymise",
        "system",
        6,
        closed_long_ago.pk,
    )
    assert entry.details["after_months"] == 6


def test_a_petition_closed_less_long_ago_or_open_is_left_alone(closed_long_ago):
    recent = PetitionFactory(slug="recent", closed_at=timezone.now() - timedelta(days=30))
    still_open = PetitionFactory(slug="open")
    for petition in (recent, still_open):
        SignatureFactory(petition=petition, confirmed=True, ip_address="203.0.113.9")

    assert tasks.anonymise_signatures() == 6  # the beat task

    assert len(_personal(recent)) == 2 and len(_personal(still_open)) == 2


def test_after_anonymising_exports_and_staff_search_find_no_one_and_the_report_still_counts_by_country(
    closed_long_ago, client
):
    public_before = Petition.objects.get(pk=closed_long_ago.pk).signature_count
    report_before = delivery_report(petition=closed_long_ago)["countries"]

    tasks.anonymise_signatures()
    counting.signature_counts_recount()

    for contactable in (True, False):
        filters = ExportFilters(
            petition_id=closed_long_ago.pk, states=("confirmed", "pending"), contactable=contactable
        )
        assert not export_queryset(filters=filters).exists()
    client.force_login(UserFactory(username="moderator", groups=["Moderator"]))
    for term in ("Evgenia", ADDRESS, "203.0.113.5"):
        page = client.get(reverse("admin:petitions_signature_changelist"), {"q": term}).content.decode()
        assert "0 results" in page and NAME not in page
    assert Petition.objects.get(pk=closed_long_ago.pk).signature_count == public_before == 5
    assert delivery_report(petition=closed_long_ago)["countries"] == report_before
    assert [(c["code"], c["count"]) for c in report_before] == [("DE", 2), ("KZ", 2), ("FR", 1)]


def test_erasing_scrubs_the_audit_log_and_export_job_records_that_quoted_the_person(db):
    petition = PetitionFactory()
    eve = SignatureFactory(petition=petition, name=NAME, email=ADDRESS)
    other = SignatureFactory(petition=petition, name="Daniyar Amanov", email="daniyar@example.kz")
    quoted = AuditEntry.objects.create(
        actor_label="moderator",
        action="signatures_reject",
        petition=petition,
        count=2,
        details={"reason": f"Same person as {NAME.upper()} <{ADDRESS}> and Daniyar Amanov", "ids": [eve.pk, other.pk]},
    )
    searched = AuditEntry.objects.create(
        actor_label="moderator", action="signatures_reject", details={"filter": {"q": "evgenia.erasova%40example.org"}}
    )
    untouched = AuditEntry.objects.create(actor_label="moderator", action="signatures_clear", details={"ids": [1]})
    job = ExportJob.objects.create(
        owner=UserFactory(), petition=petition, filters={"country": "", "note": f"for {NAME}"}, file_format="csv"
    )

    assert signatures_personal_data_erase(signature_ids=[eve.pk]) == 1
    assert signatures_personal_data_erase(signature_ids=[eve.pk]) == 0  # erased already

    audit = json.dumps(list(AuditEntry.objects.values_list("details", flat=True)), ensure_ascii=False).lower()
    assert "evgenia" not in audit and "erasova" not in audit
    quoted.refresh_from_db()
    assert quoted.details == {
        "reason": f"Same person as {ERASED} <{ERASED}> and Daniyar Amanov",
        "ids": [eve.pk, other.pk],
    }
    assert (quoted.action, quoted.count) == ("signatures_reject", 2)  # the entry stays, less the person
    searched.refresh_from_db()
    assert searched.details == {"filter": {"q": ERASED}}
    untouched.refresh_from_db()
    assert untouched.details == {"ids": [1]}
    job.refresh_from_db()
    assert job.filters == {"country": "", "note": f"for {ERASED}"}
    assert Signature.objects.get(pk=other.pk).name == "Daniyar Amanov"


def test_staff_erasure_goes_through_the_same_scrub(db):
    petition = PetitionFactory()
    eve = SignatureFactory(petition=petition, name=NAME, email=ADDRESS, ip_address="203.0.113.5")
    administrator = UserFactory(username="administrator", groups=["Administrator"])
    AuditEntry.objects.create(
        actor_label="moderator", action="signatures_reject", petition=petition, details={"reason": f"{ADDRESS} spam"}
    )

    actions.signatures_erase(actor=administrator, signatures=Signature.objects.filter(pk=eve.pk))

    assert AuditEntry.objects.get(action="signatures_reject").details == {"reason": f"{ERASED} spam"}
    assert Signature.objects.filter(pk=eve.pk, name="", email="", ip_address=None).exists()
