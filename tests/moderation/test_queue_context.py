"""The review queue shows where a held signature came from, and what else came from there;
a signature's own page has the actions; a search for part of an address says how to find it."""

import re
from html import unescape

from django.urls import reverse

from campaign.petitions.models import Signature
from tests.factories import SignatureFactory

State = Signature.State
SOURCE = "198.51.100.23"


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_held_signature_shows_how_many_came_from_its_source_and_links_to_all_of_them(
    client, moderator, petition, counted
):
    SignatureFactory.create_batch(10, petition=petition, confirmed=True, ip_address=SOURCE)
    SignatureFactory.create_batch(4, petition=petition, ip_address=SOURCE)  # pending
    SignatureFactory.create_batch(
        10, petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"], ip_address=SOURCE
    )
    SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["honeypot"], ip_address="203.0.113.1")
    counted()
    client.force_login(moderator)

    page = client.get(reverse("moderation:queue"))

    assert "24 from this source (10 counted) — review all" in text(page)
    assert "1 from this source (0 counted) — review all" in text(page)
    html = page.content.decode()
    assert f'href="/staff/petitions/signature/?q={SOURCE}"' in html
    assert f'href="/staff/moderation/queue/?ip={SOURCE}"' in html
    review_all = client.get(reverse("admin:petitions_signature_changelist"), {"q": SOURCE})
    assert len(review_all.context["cl"].result_list) == 24


def test_queue_narrowed_to_one_source_shows_only_its_held_signatures(client, moderator, petition):
    SignatureFactory.create_batch(
        3, petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"], ip_address=SOURCE
    )
    SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["honeypot"], ip_address="203.0.113.1")
    client.force_login(moderator)

    page = client.get(reverse("moderation:queue"), {"ip": SOURCE})

    assert f"Showing only the held signatures from {SOURCE}." in text(page)
    assert {s.ip_address for s in page.context["signatures"]} == {SOURCE}
    assert len(page.context["signatures"]) == 3


def test_queue_refuses_a_source_that_is_not_an_address_with_a_message(client, moderator, petition):
    SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["honeypot"], ip_address="203.0.113.1")
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue"), {"ip": "not-an-ip"})
    assert page.status_code == 200
    assert "That is not an IP address or a range such as 203.0.113.0/24." in text(page)
    assert len(page.context["signatures"]) == 1


def test_signature_page_has_the_actions_that_apply_and_they_come_back_to_it(client, moderator, petition):
    held = SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"], ip_address=SOURCE)
    client.force_login(moderator)
    detail = reverse("admin:petitions_signature_change", args=[held.pk])

    page = client.get(detail)
    assert "Reject as spam (takes them out of the public count)…" in text(page)
    assert "Clear suspicion (counts once confirmed)…" in text(page)
    assert "Restore rejected signatures" not in text(page)  # it is not rejected
    assert "Erase personal data" not in text(page)  # administrators only
    assert f'name="next" value="{detail}"' in page.content.decode()

    confirm = client.post(
        reverse("admin:petitions_signature_changelist"),
        {"action": "clear_suspicion", "_selected_action": [held.pk], "index": 0, "next": detail},
    )
    assert "This changes 1 signature of the 1 selected." in text(confirm)
    done = client.post(
        reverse("admin:petitions_signature_changelist"),
        {"action": "clear_suspicion", "_selected_action": [held.pk], "index": 0, "next": detail, "post": "yes"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == detail
    assert "Cleared 1 suspicious signature. Undo" in text(done)
    assert Signature.objects.get(pk=held.pk).state == State.PENDING


def test_search_for_part_of_an_address_says_how_to_find_addresses(client, moderator, petition):
    SignatureFactory(petition=petition, email="kate.miller@gmail.com", name="Kate Miller")
    client.force_login(moderator)

    page = client.get(reverse("admin:petitions_signature_changelist"), {"q": "gmail"})

    assert "No name has every word of “gmail”. Names are found by whole words" in text(page)
    assert "email addresses whole: search for the full address, or @gmail.com for everyone at that domain." in text(
        page
    )
    found = client.get(reverse("admin:petitions_signature_changelist"), {"q": "@gmail.com"})
    assert [s.name for s in found.context["cl"].result_list] == ["Kate Miller"]
    by_name = client.get(reverse("admin:petitions_signature_changelist"), {"q": "miller"})
    assert "No name has" not in text(by_name)
    assert [s.name for s in by_name.context["cl"].result_list] == ["Kate Miller"]
    # Names are encrypted: found by whole words, in any order and case, never by a part.
    both = client.get(reverse("admin:petitions_signature_changelist"), {"q": "MILLER kate"})
    assert [s.name for s in both.context["cl"].result_list] == ["Kate Miller"]
    part = client.get(reverse("admin:petitions_signature_changelist"), {"q": "mill"})
    assert list(part.context["cl"].result_list) == []
    assert "Names are found by whole words" in text(part)
    address = client.get(reverse("admin:petitions_signature_changelist"), {"q": "Kate.Miller@GMAIL.com"})
    assert [s.name for s in address.context["cl"].result_list] == ["Kate Miller"]
