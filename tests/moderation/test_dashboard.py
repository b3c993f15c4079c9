"""The staff dashboard: the chart as a picture from our own origin, and the numbers beside it."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape

from django.urls import reverse
from django.utils import timezone

from campaign.moderation import dashboard
from campaign.petitions.models import Signature
from tests.factories import SignatureFactory

SVG = "{http://www.w3.org/2000/svg}"


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def signed_ago(signature, **delta):
    Signature.objects.filter(pk=signature.pk).update(signed_at=timezone.now() - timedelta(**delta))


def test_signatures_per_hour_counts_each_hour_and_marks_the_held_ones(petition):
    now = timezone.now()
    for _ in range(3):
        SignatureFactory(petition=petition)
    SignatureFactory(petition=petition, state=Signature.State.SUSPICIOUS)
    old = SignatureFactory(petition=petition)
    signed_ago(old, hours=5)
    too_old = SignatureFactory(petition=petition)
    signed_ago(too_old, hours=30)

    series = dashboard.signatures_per_hour(petition=petition, hours=24, now=now)

    assert len(series) == 24
    assert (series[-1]["signed"], series[-1]["held"]) == (4, 1)
    assert series[-6]["signed"] == 1
    assert sum(row["signed"] for row in series) == 5


def test_the_chart_is_an_svg_picture_with_a_bar_per_busy_hour_and_nothing_executable(client, organizer, petition):
    for _ in range(4):
        SignatureFactory(petition=petition)
    client.force_login(organizer)

    response = client.get(reverse("moderation:chart"), {"petition": petition.slug, "days": 1})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Signatures per hour, last day"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 1 and "4 signed" in bars[0].find(f"{SVG}title").text
    body = response.content.decode()
    assert (
        "<script" not in body
        and "style=" not in body
        and "http://" not in body.replace("http://www.w3.org/2000/svg", "")
    )


def test_the_dashboard_shows_top_sources_rates_states_and_countries(client, moderator, petition):
    for i in range(6):
        SignatureFactory(petition=petition, ip_address=f"203.0.113.{i + 1}", email_domain="burst.example", country="KZ")
    SignatureFactory(petition=petition, ip_address="192.0.2.9", confirmed=True, country="DE")
    SignatureFactory(petition=petition, ip_address="192.0.2.9", confirmed=True, country="DE")
    earlier = SignatureFactory(petition=petition, ip_address="198.51.100.3", confirmed=True, country="FR")
    signed_ago(earlier, hours=5)
    client.force_login(moderator)

    response = client.get(reverse("moderation:dashboard"))

    assert response.status_code == 200
    hour, day = response.context["sources"]
    assert hour["subnets"][0] == ("203.0.113.0/24", 6)
    assert hour["ips"][0] == ("192.0.2.9", 2)
    assert hour["domains"][0] == ("burst.example", 6)
    assert ("198.51.100.0/24", 1) in day["subnets"] and ("198.51.100.0/24", 1) not in hour["subnets"]
    rate = response.context["rates"][0]
    assert (rate["signed"], rate["confirmed"], rate["percent"]) == (9, 3, 33)
    assert response.context["totals"]["by_country"] == [("Germany", 2), ("France", 1)]
    page = text(response)
    assert "33%" in page and "Germany 2" in page
    # The chart is a picture from our own origin, not a script.
    assert re.search(
        r'<img class="moderation-chart" src="/staff/moderation/signatures-per-hour\.svg\?', response.content.decode()
    )


def test_only_moderators_get_the_invalidate_buttons(client, moderator, organizer, petition):
    SignatureFactory(petition=petition, ip_address="203.0.113.1")
    client.force_login(moderator)
    assert "Invalidate…" in client.get(reverse("moderation:dashboard")).content.decode()
    client.force_login(organizer)
    page = client.get(reverse("moderation:dashboard")).content.decode()
    assert "Invalidate…" not in page
    # Organizers see no sources at all (tests/moderation/test_staff_pages_privacy.py).
    assert "203.0.113.0/24" not in page


def test_the_dashboard_pages_have_no_inline_script_or_style(client, administrator, petition):
    SignatureFactory(petition=petition, ip_address="203.0.113.1")
    client.force_login(administrator)
    for name in ("moderation:dashboard", "moderation:queue", "moderation:invalidation_new"):
        page = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), name
        assert " style=" not in page and "<style" not in page, name


def test_a_bad_days_parameter_falls_back_to_the_default(client, organizer, petition):
    client.force_login(organizer)
    assert client.get(reverse("moderation:dashboard"), {"days": "lots"}).context["days"] == 3
    assert client.get(reverse("moderation:chart"), {"days": "999"}).status_code == 200


def test_odd_query_strings_get_a_page_never_a_server_error(client, administrator, petition):
    SignatureFactory(petition=petition)
    client.force_login(administrator)
    odd = [
        ("moderation:queue", {"before": "²"}),
        ("moderation:queue", {"reason": "\x00"}),
        ("moderation:dashboard", {"days": "١٢", "petition": "\x00"}),
        ("moderation:chart", {"days": "-5"}),
        ("admin:petitions_signature_changelist", {"q": "bob\x00"}),
        ("admin:petitions_signature_changelist", {"q": "::1/200"}),
        ("admin:petitions_signature_changelist", {"invalidation": "²", "suspicion": "nope", "country": "zz"}),
    ]
    for name, params in odd:
        assert client.get(reverse(name), params).status_code == 200, (name, params)
    assert client.get(reverse("moderation:invalidation", args=[999999])).status_code == 404


def test_the_dashboard_shows_the_email_backlog_its_oldest_email_and_whether_sending_is_paused(
    client, moderator, petition
):
    from campaign.outbox import pace

    pending = {"email_state": Signature.EmailState.PENDING, "email_due_at": timezone.now()}
    signed_ago(SignatureFactory(petition=petition, **pending), minutes=90)
    SignatureFactory(petition=petition, **pending)
    SignatureFactory(petition=petition, email_state=Signature.EmailState.SENT)
    client.force_login(moderator)

    page = text(client.get(reverse("moderation:dashboard")))
    assert "Emails waiting to be sent 2 " in page
    assert "The oldest waits for a signature made 90 min ago." in page and "Sending is not paused." in page

    pace.pause()  # the provider answered 421: every sender waits
    page = text(client.get(reverse("moderation:dashboard")))
    assert re.search(r"Sending is paused for \d+ s", page)
