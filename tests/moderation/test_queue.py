"""The review queue: every kind of suspicion, as signing produces it, with its reason shown."""

import re
from html import unescape

from django.test import TestCase
from django.urls import reverse

from campaign.petitions import services
from campaign.petitions.models import Signature

State = Signature.State


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def sign(petition, name, email, ip, honeypot=False):
    # What follows the commit (the rate limits, the email) runs as it does after a request.
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.signature_create(
            petition=petition, name=name, email=email, country="DE", ip_address=ip, honeypot=honeypot
        )


def test_the_queue_shows_each_kind_of_suspicion_with_its_reason(client, moderator, petition, settings):
    # Limits of one per window, so the second of anything is held.
    settings.PETITION_RATE_LIMITS = dict.fromkeys(("ip", "subnet", "domain", "name"), (1, 3600))
    sign(petition, "Honey Pot", "bot@one.example", "192.0.2.1", honeypot=True)
    sign(petition, "Temp Mail", "x@mailinator.com", "192.0.2.2")  # a domain from disposable-email-domains
    sign(petition, "First Person", "a@same-ip.example", "198.51.100.1")
    sign(petition, "Second Person", "b@same-ip2.example", "198.51.100.1")  # same IP (and subnet)
    sign(petition, "Third Person", "c@net.example", "203.0.113.1")
    sign(petition, "Fourth Person", "d@net2.example", "203.0.113.2")  # same /24 only
    sign(petition, "Fifth Person", "e@shared.example", "192.0.2.50")
    sign(petition, "Sixth Person", "f@shared.example", "192.0.2.150")  # same email domain
    sign(petition, "Ruslan Abenov", "g@n1.example", "10.0.0.1")
    sign(petition, "RUSLAN ABENOV 2", "h@n2.example", "10.1.0.1")  # a near-identical name

    reasons = set()
    for row in Signature.objects.filter(state=State.SUSPICIOUS):
        reasons.update(row.suspicion)
    assert reasons == set(Signature.Suspicion.values)

    client.force_login(moderator)
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    page = text(response)
    for _value, label in Signature.Suspicion.choices:
        assert str(label)[0].upper() + str(label)[1:] in page, label
    assert "Honey Pot" in page and "hidden field filled in (a bot)" in page
    assert "First Person" not in page  # the first from an address is not held

    # One kind at a time.
    only = text(client.get(reverse("moderation:queue"), {"reason": "disposable"}))
    assert "Temp Mail" in only and "Honey Pot" not in only


def test_the_queue_hands_the_ticked_rows_to_the_confirmed_bulk_actions(client, moderator, petition):
    from tests.factories import SignatureFactory

    held = SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["honeypot"], name="Held Bot")
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue")).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)">', page)
    action_url = unescape(form.group(1))
    assert action_url == reverse("admin:petitions_signature_changelist") + "?state__exact=suspicious"
    assert f'name="_selected_action" value="{held.pk}"' in page

    confirm = client.post(
        action_url,
        {"action": "reject_spam", "_selected_action": [held.pk], "index": 0, "next": reverse("moderation:queue")},
    )
    assert "This changes 1 signature of the 1 selected" in text(confirm)


def test_pages_through_a_long_queue_without_counting_pages(client, moderator, petition, monkeypatch):
    from campaign.moderation import views as moderation_views
    from tests.factories import SignatureFactory

    monkeypatch.setattr(moderation_views, "QUEUE_PAGE_SIZE", 3)
    rows = [
        SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"], name=f"Bot {i}")
        for i in range(5)
    ]
    client.force_login(moderator)
    first = client.get(reverse("moderation:queue"))
    assert [s.pk for s in first.context["signatures"]] == [r.pk for r in reversed(rows)][:3]
    older = client.get(reverse("moderation:queue"), {"before": first.context["older"]})
    assert [s.pk for s in older.context["signatures"]] == [rows[1].pk, rows[0].pk]
    assert older.context["older"] is None
