"""A moderator takes an action back from the message that reports it, and meets a second step
before anything that cannot be taken back so easily."""

import re
from html import unescape

from django.urls import reverse

from campaign.petitions.models import AuditEntry, Invalidation, Petition, Signature
from tests.factories import SignatureFactory

State = Signature.State
CHANGELIST = "admin:petitions_signature_changelist"


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def undo_entry(html: str) -> str:
    form = re.search(r'<form method="post" action="/staff/moderation/undo/".*?</form>', html, re.S)
    assert form, "no Undo button in the success message"
    return re.search(r'name="entry" value="(\d+)"', form.group(0)).group(1)


def reject(client, ids, *, next_url=None):
    data = {"action": "reject_spam", "_selected_action": ids, "index": 0, "post": "yes", "reason": "bots"}
    if next_url:
        data["next"] = next_url
    return client.post(reverse(CHANGELIST), data, follow=True)


def test_rejected_as_spam_message_offers_undo_which_puts_them_back_in_the_count(client, moderator, petition, counted):
    signatures = SignatureFactory.create_batch(5, petition=petition, confirmed=True)
    counted()
    client.force_login(moderator)

    page = reject(client, [s.pk for s in signatures])
    assert "Rejected 5 signatures as spam. Undo" in text(page)
    counted()
    assert Petition.objects.get(pk=petition.pk).signature_count == 0

    undone = client.post(reverse("moderation:undo"), {"entry": undo_entry(page.content.decode())}, follow=True)
    assert "Undone: 5 signatures restored." in text(undone)
    assert Signature.objects.filter(state=State.CONFIRMED).count() == 5
    counted()
    assert Petition.objects.get(pk=petition.pk).signature_count == 5
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.count, entry.details["undoes"]) == ("signatures_restore", 5, entry.pk - 1)


def test_undo_from_the_review_queue_returns_to_the_queue_with_them_held_again(client, moderator, petition):
    held = SignatureFactory.create_batch(3, petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"])
    client.force_login(moderator)
    queue = reverse("moderation:queue")

    page = client.post(
        reverse(CHANGELIST) + "?state__exact=suspicious",
        {
            "action": "clear_suspicion",
            "_selected_action": [s.pk for s in held],
            "index": 0,
            "post": "yes",
            "next": queue,
        },
        follow=True,
    )
    assert page.redirect_chain[-1][0] == queue
    assert "Cleared 3 suspicious signatures. Undo" in text(page)
    assert "Nothing is waiting for review." in text(page)

    undone = client.post(
        reverse("moderation:undo"), {"entry": undo_entry(page.content.decode()), "next": queue}, follow=True
    )
    assert undone.redirect_chain[-1][0] == queue
    assert "Undone: 3 signatures held for review again." in text(undone)
    assert "3 signatures are held for review." in text(undone)


def test_undo_twice_changes_nothing_the_second_time(client, moderator, petition):
    signature = SignatureFactory(petition=petition, confirmed=True)
    client.force_login(moderator)
    entry = undo_entry(reject(client, [signature.pk]).content.decode())
    client.post(reverse("moderation:undo"), {"entry": entry})

    again = client.post(reverse("moderation:undo"), {"entry": entry}, follow=True)

    assert "That action cannot be undone any more (or was undone already)." in text(again)
    assert AuditEntry.objects.filter(action="signatures_restore").count() == 1


def test_undo_leaves_signatures_someone_changed_since(client, moderator, administrator, petition):
    first, second = SignatureFactory.create_batch(2, petition=petition, confirmed=True)
    client.force_login(moderator)
    entry = undo_entry(reject(client, [first.pk, second.pk]).content.decode())
    Signature.objects.filter(pk=second.pk).update(state=State.CONFIRMED)  # restored by someone else

    client.post(reverse("moderation:undo"), {"entry": entry})

    assert AuditEntry.objects.latest("pk").count == 1


def test_only_the_moderator_who_acted_gets_their_undo(client, moderator, petition):
    signature = SignatureFactory(petition=petition, confirmed=True)
    client.force_login(moderator)
    entry = undo_entry(reject(client, [signature.pk]).content.decode())
    other = type(moderator).objects.create(username="other-moderator", is_staff=True)
    other.groups.set(moderator.groups.all())
    client.force_login(other)

    refused = client.post(reverse("moderation:undo"), {"entry": entry}, follow=True)
    assert "That action cannot be undone any more (or was undone already)." in text(refused)
    assert client.post(reverse("moderation:undo"), {"entry": "not a number"}).status_code == 302
    assert Signature.objects.get(pk=signature.pk).state == State.REJECTED


def test_erasing_offers_no_undo_and_says_so_before(client, administrator, petition):
    signature = SignatureFactory(petition=petition, confirmed=True)
    client.force_login(administrator)
    data = {"action": "erase_personal_data", "_selected_action": [signature.pk], "index": 0}

    confirm = client.post(reverse(CHANGELIST), data)
    assert "cannot be undone" in text(confirm)
    assert 'class="default moderation-danger"' in confirm.content.decode()
    done = client.post(reverse(CHANGELIST), {**data, "post": "yes"}, follow=True)
    assert "Erased the personal data of 1 signature." in text(done)
    assert "/staff/moderation/undo/" not in done.content.decode()


def test_reject_confirmation_says_plainly_what_happens_and_its_button_looks_dangerous(client, moderator, petition):
    signature = SignatureFactory(petition=petition, confirmed=True)
    client.force_login(moderator)
    page = client.post(reverse(CHANGELIST), {"action": "reject_spam", "_selected_action": [signature.pk], "index": 0})
    assert "Reject as spam (takes them out of the public count)" in text(page)
    assert 'class="default moderation-danger"' in page.content.decode()


def test_reverse_an_invalidation_asks_first_then_reverses(
    client, moderator, petition, django_capture_on_commit_callbacks
):
    from campaign.moderation import invalidations

    SignatureFactory.create_batch(4, petition=petition, confirmed=True, ip_address="203.0.113.9")
    with django_capture_on_commit_callbacks(execute=True):
        invalidation = invalidations.invalidation_create(
            actor=moderator,
            petition=petition,
            criteria={**invalidations.criteria_from(ip="203.0.113.9"), "max_pk": Signature.objects.latest("pk").pk},
            reason="bot burst",
            matched=4,
        )
    assert Invalidation.objects.get().state == Invalidation.State.DONE
    client.force_login(moderator)
    url = reverse("moderation:invalidation_reverse", args=[invalidation.pk])

    asked = client.post(url)
    assert asked.status_code == 200
    assert '4 signatures rejected by this invalidation ("bot burst") go back to the state they had before.' in text(
        asked
    )
    assert Signature.objects.filter(state=State.REJECTED).count() == 4  # nothing happened yet

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm": "yes"})
    assert Signature.objects.filter(state=State.CONFIRMED).count() == 4
