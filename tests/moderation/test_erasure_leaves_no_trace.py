"""Erasing a signature erases the person everywhere the site wrote them down: the audit log
and stored invalidations keep ids and the names of the filters used, never the values, and
every prepared export file that may hold the row is deleted (its link answers 410)."""

import json

import pytest
from django.urls import reverse

from campaign.moderation import actions, invalidations
from campaign.petitions.models import AuditEntry, ExportJob, Invalidation, Signature
from tests.exports.helpers import download, sign
from tests.factories import PetitionFactory

CHANGELIST = "admin:petitions_signature_changelist"
NAME = "Evgenia Erasova"
ADDRESS = "evgenia.erasova@example.org"
IP = "203.0.113.50"
TRACES = (NAME, "Evgenia", "Erasova", ADDRESS, ADDRESS.split("@")[0], "evgenia.erasova%40example.org", IP)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PETITION_EXPORT_ASYNC_THRESHOLD = 1  # every export is a background job with a file
    return settings.MEDIA_ROOT


def _act_in_changelist(client, query: str, action: str, signature: Signature, **extra):
    url = reverse(CHANGELIST) + query
    data = {"action": action, "_selected_action": [signature.pk], "index": 0, "select_across": "1", **extra}
    return client.post(url, {**data, "post": "yes"})


def test_erasing_after_a_search_an_invalidation_and_an_export_leaves_no_trace_of_the_person(
    client, moderator, organizer, administrator, media, django_capture_on_commit_callbacks
):
    petition = PetitionFactory(slug="free-them")
    eve = sign(petition, NAME, email=ADDRESS)
    Signature.objects.filter(pk=eve.pk).update(ip_address=IP)
    other = sign(petition, "Other Supporter", email="other@example.net")

    # An organizer exports the contact list: a file on disk with her row.
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        download(client, petition)
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.DONE
    assert ADDRESS.encode() in (media / job.file_path).read_bytes()

    # A moderator searches for her address and rejects what it found; then invalidates by name and IP.
    client.force_login(moderator)
    assert _act_in_changelist(client, f"?q={ADDRESS}", "reject_spam", eve, reason="spam").status_code == 302
    preview = invalidations.invalidation_preview(petition=petition, criteria={"name_shape": "Aa Aa", "ip": IP})
    with django_capture_on_commit_callbacks(execute=True):
        invalidation = invalidations.invalidation_create(
            actor=moderator, petition=petition, criteria=preview["criteria"], reason="bots", matched=preview["matched"]
        )
    # An invalidation that cannot select her keeps its values.
    unrelated = invalidations.invalidation_create(
        actor=moderator,
        petition=petition,
        criteria={"email_domain": "example.net", "max_pk": other.pk},
        reason="x",
        matched=1,
    )

    # An administrator finds her by a field filter and erases her.
    client.force_login(administrator)
    response = _act_in_changelist(client, f"?ip_address={IP}", "erase_personal_data", eve)
    assert response.status_code == 302
    assert Signature.objects.get(pk=eve.pk).erased_at is not None

    audit = json.dumps(list(AuditEntry.objects.values_list("details", flat=True)), ensure_ascii=False)
    stored = json.dumps(list(Invalidation.objects.filter(pk=invalidation.pk).values_list("criteria", flat=True)))
    files = b"".join(path.read_bytes() for path in (media / "exports").iterdir() if path.is_file())
    for trace in TRACES:
        assert trace.lower() not in audit.lower(), f"audit log keeps {trace!r}"
        assert trace.lower() not in stored.lower(), f"invalidation keeps {trace!r}"
        assert trace.encode().lower() not in files.lower(), f"an export file keeps {trace!r}"
    # What was done stays on record: ids and the names of the filters.
    erase = AuditEntry.objects.get(action="signatures_erase")
    assert erase.details["ids"] == [eve.pk] and erase.details["filter"]["changelist"] == ["ip_address"]
    reject = AuditEntry.objects.get(action="signatures_reject")
    assert reject.details["filter"]["changelist"] == ["q"]
    # A name's shape names nobody: it stays, as the values of an unrelated invalidation do.
    assert Invalidation.objects.get(pk=invalidation.pk).criteria["scrubbed"] == ["ip"]
    assert Invalidation.objects.get(pk=invalidation.pk).criteria["name_shape"] == "Aa Aa"
    assert Invalidation.objects.get(pk=unrelated.pk).criteria["email_domain"] == "example.net"

    # The organizer's link now says the file is gone, and why.
    client.force_login(organizer)
    gone = client.get(reverse("exports:job-file", kwargs={"pk": job.pk}))
    assert gone.status_code == 410
    assert "deleted because a supporter in it had their personal data erased" in gone.content.decode()
    page = client.get(reverse("exports:job", kwargs={"pk": job.pk})).content.decode()
    assert "deleted because a supporter in it had their personal data erased" in page

    # The invalidation page lists what its filter was, without the values.
    client.force_login(moderator)
    detail = client.get(reverse("moderation:invalidation", args=[invalidation.pk])).content.decode()
    assert "Name shape" in detail and "Evgenia" not in detail and IP not in detail


def test_export_files_that_cannot_hold_the_erased_row_are_kept(
    client, organizer, administrator, media, django_capture_on_commit_callbacks
):
    petition = PetitionFactory(slug="free-them")
    eve = sign(petition, NAME, email=ADDRESS, country="KZ")
    sign(petition, "Other Supporter", email="other@example.net", country="DE")
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        download(client, petition, country="DE")
    elsewhere = PetitionFactory(slug="elsewhere")
    sign(elsewhere, "Third Supporter", email="third@example.net")
    with django_capture_on_commit_callbacks(execute=True):
        download(client, elsewhere)
    kept = list(ExportJob.objects.values_list("file_path", flat=True))

    actions.signatures_erase(actor=administrator, signatures=Signature.objects.filter(pk=eve.pk))

    assert list(ExportJob.objects.values_list("file_path", flat=True)) == kept
    assert all((media / path).is_file() for path in kept)
