"""Where staff land after signing in, what a Moderator sees there, and the page a Moderator
gets for a page that is not theirs (the audit log)."""

import re
from html import unescape

from django.urls import reverse

from campaign.petitions.models import Signature
from tests.conftest import staff_code
from tests.factories import SignatureFactory

State = Signature.State


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_staff_sign_in_lands_on_the_dashboard(client, moderator, petition):
    from campaign.staff_admin import totp_device_enrol

    totp_device_enrol(user=moderator)
    login = client.get(reverse("admin:login"))
    assert 'name="next" value="/staff/moderation/home/"' in login.content.decode()
    signed_in = client.post(
        reverse("admin:login"),
        {
            "username": moderator.username,
            "password": "correct horse battery staple",
            "otp_token": staff_code(moderator),
            "next": "/staff/moderation/home/",
        },
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == reverse("moderation:dashboard")


def test_dashboard_shows_the_held_count_linked_to_the_queue(client, moderator, petition):
    SignatureFactory.create_batch(3, petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"])
    client.force_login(moderator)
    page = client.get(reverse("moderation:dashboard"))
    assert "Held for review 3 Review the held signatures" in text(page)
    assert f'<a href="{reverse("moderation:queue")}">3</a>' in page.content.decode()


def test_organizer_dashboard_has_no_held_count(client, organizer, petition):
    client.force_login(organizer)
    assert "Held for review" not in text(client.get(reverse("moderation:dashboard")))


def test_moderator_opening_the_audit_log_gets_a_staff_page_saying_why(client, moderator):
    client.force_login(moderator)
    page = client.get(reverse("admin:petitions_auditentry_changelist"))
    assert page.status_code == 403
    assert "You cannot open this page" in text(page)
    assert "Your account (moderator) does not have the permission this page needs." in text(page)
    assert "Go to the dashboard" in text(page)
    assert "css/moderation.css" in page.content.decode()  # the staff pages' look and navigation
    assert "Review queue" in text(page)
