"""The signatures list: search, filters, paging without counting millions, and the bulk actions."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.moderation.admin import LargeTablePaginator
from campaign.petitions.models import AuditEntry, Petition, Signature
from tests.factories import SignatureFactory

State = Signature.State
CHANGELIST = "admin:petitions_signature_changelist"


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def listed(response) -> set[str]:
    return {row.name for row in response.context["cl"].result_list}


@pytest.fixture
def signatures(petition):
    return {
        "aigerim": SignatureFactory(
            petition=petition, name="Aigerim Bekova", email="aigerim@mail.kz", ip_address="203.0.113.5"
        ),
        "dana": SignatureFactory(
            petition=petition, name="Dana Bekova", email="Dana@Example.org", ip_address="203.0.113.77"
        ),
        "ivan": SignatureFactory(
            petition=petition,
            name="Ivan Petrov",
            email="ivan@example.org",
            ip_address="198.51.100.1",
            country="RU",
            state=State.SUSPICIOUS,
            suspicion=["rate_ip", "disposable"],
        ),
        "john": SignatureFactory(petition=petition, name="John Smith", email="john@other.example", confirmed=True),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bekova", {"Aigerim Bekova", "Dana Bekova"}),
        ("dana@example.ORG", {"Dana Bekova"}),
        ("@example.org", {"Dana Bekova", "Ivan Petrov"}),
        ("203.0.113.5", {"Aigerim Bekova"}),
        ("203.0.113.0/24", {"Aigerim Bekova", "Dana Bekova"}),
        ("203.0.113.64/26", {"Dana Bekova"}),
    ],
)
def test_search_by_name_email_domain_ip_and_range(client, moderator, signatures, query, expected):
    client.force_login(moderator)
    response = client.get(reverse(CHANGELIST), {"q": query})
    assert response.status_code == 200
    assert listed(response) == expected


def test_a_malformed_range_gets_a_message_not_an_error(client, moderator, signatures):
    client.force_login(moderator)
    response = client.get(reverse(CHANGELIST), {"q": "203.0.113.0/33"})
    assert response.status_code == 200
    assert listed(response) == set()
    assert "not an IP address or a range" in text(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state__exact": "suspicious"}, {"Ivan Petrov"}),
        ({"suspicion": "disposable"}, {"Ivan Petrov"}),
        ({"suspicion": "honeypot"}, set()),
        ({"country": "RU"}, {"Ivan Petrov"}),
        ({"confirmed_at__isnull": "False"}, {"John Smith"}),
    ],
)
def test_filters_narrow_the_list(client, moderator, signatures, params, expected):
    client.force_login(moderator)
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    assert listed(response) == expected


def test_the_list_shows_why_a_signature_is_suspicious(client, moderator, signatures):
    client.force_login(moderator)
    page = text(client.get(reverse(CHANGELIST)))
    assert "many signatures from one IP address, disposable email address" in page


def test_the_list_never_counts_the_whole_table(client, moderator, signatures):
    client.force_login(moderator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # One bounded count (LIMIT inside), never a bare COUNT(*) over every row.
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts
    assert "4 signatures" in text(response)


def test_a_filtered_count_stops_at_the_limit_and_says_so(client, moderator, petition, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "COUNT_LIMIT", 5)
    SignatureFactory.create_batch(8, petition=petition, country="KZ")
    client.force_login(moderator)
    response = client.get(reverse(CHANGELIST), {"country": "KZ"})
    assert "more than 5 signatures" in text(response)


@pytest.mark.services
def test_the_unfiltered_list_uses_the_planner_estimate_on_a_big_table(
    postgres, client, moderator, petition, monkeypatch
):
    monkeypatch.setattr(LargeTablePaginator, "COUNT_LIMIT", 50)
    SignatureFactory.create_batch(120, petition=petition)
    with postgres.cursor() as cursor:
        cursor.execute(f"ANALYZE {Signature._meta.db_table}")
    client.force_login(moderator)
    with CaptureQueriesContext(postgres) as queries:
        response = client.get(reverse(CHANGELIST))
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert "about 120 signatures" in text(response)


# --- Bulk actions through the list -------------------------------------------------------------


def test_an_action_asks_for_confirmation_with_the_number_affected(client, moderator, petition, counted):
    confirmed = SignatureFactory.create_batch(2, petition=petition, confirmed=True)
    rejected = SignatureFactory(petition=petition, state=State.REJECTED)
    counted()
    client.force_login(moderator)
    ids = [s.pk for s in confirmed] + [rejected.pk]

    page = client.post(reverse(CHANGELIST), {"action": "reject_spam", "_selected_action": ids, "index": 0})

    assert page.status_code == 200
    assert "This changes 2 signatures of the 3 selected" in text(page)
    assert "The public count will drop by 2" in text(page)
    assert Signature.objects.filter(state=State.REJECTED).count() == 1  # nothing happened yet

    done = client.post(
        reverse(CHANGELIST),
        {"action": "reject_spam", "_selected_action": ids, "index": 0, "post": "yes", "reason": "bots"},
    )
    assert done.status_code == 302
    assert Signature.objects.filter(state=State.REJECTED).count() == 3
    counted()
    assert Petition.objects.get(pk=petition.pk).signature_count == 0
    entry = AuditEntry.objects.get()
    assert (entry.actor_label, entry.action, entry.count, entry.details["reason"]) == (
        "moderator",
        "signatures_reject",
        2,
        "bots",
    )


def test_rejecting_needs_a_reason(client, moderator, petition):
    signature = SignatureFactory(petition=petition, confirmed=True)
    client.force_login(moderator)
    page = client.post(
        reverse(CHANGELIST),
        {"action": "reject_spam", "_selected_action": [signature.pk], "index": 0, "post": "yes", "reason": ""},
    )
    assert page.status_code == 200
    assert "This field is required" in text(page)
    assert Signature.objects.get(pk=signature.pk).state == State.CONFIRMED


def test_select_all_acts_on_every_row_the_filter_matches(client, moderator, petition):
    SignatureFactory.create_batch(
        5, petition=petition, state=State.SUSPICIOUS, suspicion=["rate_domain"], email_domain="spam.example"
    )
    SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["honeypot"])
    one = Signature.objects.filter(suspicion__icontains="rate_domain").first()
    client.force_login(moderator)
    url = reverse(CHANGELIST) + "?suspicion=rate_domain"
    data = {"action": "clear_suspicion", "_selected_action": [one.pk], "index": 0, "select_across": "1"}

    page = client.post(url, data)
    assert "This changes 5 signatures of the 5 selected" in text(page)
    client.post(url, {**data, "post": "yes"})

    assert Signature.objects.filter(state=State.SUSPICIOUS).count() == 1
    entry = AuditEntry.objects.get()
    assert entry.count == 5
    assert entry.details["filter"] == {"changelist": ["suspicion"], "select_across": True}


def test_after_an_action_from_the_queue_the_moderator_returns_to_the_queue(client, moderator, petition):
    held = SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["honeypot"])
    client.force_login(moderator)
    response = client.post(
        reverse(CHANGELIST) + "?state__exact=suspicious",
        {
            "action": "clear_suspicion",
            "_selected_action": [held.pk],
            "index": 0,
            "post": "yes",
            "next": reverse("moderation:queue"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:queue")


def test_erasing_is_offered_to_administrators_only(client, moderator, administrator, petition):
    signature = SignatureFactory(petition=petition)
    client.force_login(moderator)
    assert "erase_personal_data" not in client.get(reverse(CHANGELIST)).content.decode()
    client.force_login(administrator)
    page = client.post(
        reverse(CHANGELIST), {"action": "erase_personal_data", "_selected_action": [signature.pk], "index": 0}
    )
    assert "cannot be undone" in text(page)


def test_a_signature_cannot_be_edited_in_a_form(client, administrator, petition):
    signature = SignatureFactory(petition=petition, name="Original Name")
    client.force_login(administrator)
    url = reverse("admin:petitions_signature_change", args=[signature.pk])
    page = client.get(url)
    assert page.status_code == 200
    # The admin's own form edits nothing; the one name field is the correction form's, which
    # posts to its service (tests/moderation/test_corrections.py).
    html = page.content.decode()
    correction = re.search(r'<form method="post" action="([^"]+)" class="moderation-correct".*?</form>', html, re.S)
    assert correction.group(1) == reverse("moderation:signature_correct", args=[signature.pk])
    assert 'name="name"' not in html.replace(correction.group(0), "")
    assert client.post(url, {"name": "Changed"}).status_code == 403
    assert Signature.objects.get(pk=signature.pk).name == "Original Name"


def test_an_erasure_found_by_searching_an_address_leaves_no_trace_of_it(client, administrator, petition):
    signature = SignatureFactory(petition=petition, email="erase.me@example.org", name="Erase Me")
    client.force_login(administrator)
    url = reverse(CHANGELIST) + "?q=erase.me%40example.org"
    client.post(url, {"action": "erase_personal_data", "_selected_action": [signature.pk], "index": 0, "post": "yes"})

    assert Signature.objects.get(pk=signature.pk).erased_at is not None
    entry = AuditEntry.objects.get(action="signatures_erase")
    assert entry.count == 1
    assert "erase.me" not in str(entry.details) and "Erase Me" not in str(entry.details)
