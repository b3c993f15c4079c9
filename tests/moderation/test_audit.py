"""The audit log: append-only, read by administrators, exported by them as CSV."""

import csv
import io
import re

from django.urls import reverse

from campaign.moderation import actions, audit
from campaign.petitions.models import AuditEntry, Signature
from tests.factories import SignatureFactory


def test_nobody_can_add_change_or_delete_an_entry_not_even_an_administrator(client, administrator, moderator):
    entry = audit.audit_record(actor=moderator, action="signatures_reject", count=3, details={"reason": "spam"})
    client.force_login(administrator)

    assert client.get(reverse("admin:petitions_auditentry_add")).status_code == 403
    change = client.get(reverse("admin:petitions_auditentry_change", args=[entry.pk]))
    assert change.status_code == 200 and 'name="count"' not in change.content.decode()
    assert client.post(reverse("admin:petitions_auditentry_change", args=[entry.pk]), {"count": 0}).status_code == 403
    assert (
        client.post(reverse("admin:petitions_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    changelist = client.get(reverse("admin:petitions_auditentry_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert AuditEntry.objects.get(pk=entry.pk).count == 3


def test_the_log_reads_in_words_and_filters_by_action(client, administrator, moderator):
    audit.audit_record(actor=moderator, action="signatures_reject", count=3, details={"reason": "spam"})
    audit.audit_record(actor=moderator, action="signatures_clear", count=1)
    client.force_login(administrator)

    page = client.get(reverse("admin:petitions_auditentry_changelist"), {"action": "signatures_reject"})

    rows = page.context["cl"].result_list
    assert [(e.actor_label, e.count) for e in rows] == [("moderator", 3)]
    html = page.content.decode()
    assert "rejected as spam" in html and "cleared suspicion" in html  # the list and its filter
    assert "Reason: spam" in html and "&quot;" not in html


def test_audit_details_read_as_sentences_not_json_or_code_names(client, administrator, moderator, petition):
    signatures = SignatureFactory.create_batch(7, petition=petition)
    actions.signatures_reject(
        actor=moderator,
        signatures=Signature.objects.all(),
        reason="bots",
        filters={"changelist": "q=bekova&state__exact=pending", "select_across": True},
    )
    entry = AuditEntry.objects.get()
    client.force_login(administrator)

    for url in (
        reverse("admin:petitions_auditentry_changelist"),
        reverse("admin:petitions_auditentry_change", args=[entry.pk]),
    ):
        page = client.get(url)
        words = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
        assert "Reason: bots" in words
        assert "Chosen as every row matching: search, state" in words
        first = ", ".join(f"#{s.pk}" for s in signatures[:5])
        assert f"Signatures {first} and 2 more" in words
        assert "signatures_reject" not in words and "select_across" not in words and "{" not in words
        assert "rejected as spam" in words


def test_moderators_and_organizers_cannot_read_the_log(client, moderator, organizer):
    for user in (moderator, organizer):
        client.force_login(user)
        assert client.get(reverse("admin:petitions_auditentry_changelist")).status_code == 403


def test_an_administrator_exports_the_log_as_csv_and_the_export_is_logged(client, administrator, moderator, petition):
    SignatureFactory.create_batch(2, petition=petition)
    actions.signatures_reject(
        actor=moderator, signatures=Signature.objects.all(), reason='=HYPERLINK("http://evil.example")'
    )
    entry = AuditEntry.objects.get()
    client.force_login(administrator)

    response = client.post(
        reverse("admin:petitions_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": [entry.pk], "index": 0, "select_across": "1"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when", "who", "action", "signatures", "petition", "details"]
    assert rows[1][1:5] == ["moderator", "signatures_reject", "2", petition.slug]
    # A reason typed by a moderator never runs as a spreadsheet formula.
    assert '"reason": "=HYPERLINK' in rows[1][5] and not rows[1][5].startswith("=")
    assert AuditEntry.objects.filter(action="audit_export", actor=administrator).exists()


def test_closing_and_anonymising_entries_read_in_words():
    assert audit.audit_summary({"closed_at": "2026-12-01T09:30:00+00:00", "after_months": 6}) == [
        "Petition closed at 2026-12-01 09:30",
        "Anonymised 6 months after closing",
    ]
