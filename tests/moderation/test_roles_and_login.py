"""The roles the migration creates, login lockout for staff, and the admin session timeout."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.factories import UserFactory


def perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_a_moderator_moderates_but_cannot_export_or_manage_users(db):
    granted = perms("Moderator")
    assert {"petitions.moderate_signature", "petitions.view_signature", "petitions.view_dashboard"} <= granted
    assert not granted & {"petitions.export_supporters", "petitions.export_all_states", "petitions.view_auditentry", "auth.change_user"}


def test_an_organizer_sees_statistics_and_exports_but_cannot_moderate(db):
    granted = perms("Organizer")
    assert {"petitions.export_supporters", "petitions.view_dashboard"} <= granted
    assert not granted & {"petitions.moderate_signature", "petitions.view_signature", "petitions.export_all_states"}


def test_an_administrator_holds_every_permission(db):
    assert perms("Administrator") == {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
    }


@pytest.fixture
def staff_user(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="mod", groups=["Moderator"])


def test_staff_login_locks_after_five_failures_even_with_the_right_password(client, staff_user):
    login = reverse("admin:login")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(login, {"username": "mod", "password": "wrong password"})
        # The form again, with an error; the fifth failure locks the account.
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    locked = client.post(login, {"username": "mod", "password": "correct horse battery staple"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_gets_in_and_the_session_ends_within_two_hours(client, staff_user):
    response = client.post(reverse("admin:login"), {"username": "mod", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.session.get_expiry_age() <= 2 * 3600
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] <= 2 * 3600


def test_lockout_follows_the_client_address_our_proxies_report(client, staff_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    login = reverse("admin:login")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "mod", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")
    # Locked for the attacker's address…
    locked = client.post(login, {"username": "mod", "password": "correct horse battery staple"},
                         HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert locked.status_code == 429
    # …but not for the moderator at another address behind the same proxy.
    ok = client.post(login, {"username": "mod", "password": "correct horse battery staple"},
                     HTTP_X_FORWARDED_FOR="192.0.2.44", REMOTE_ADDR="10.0.0.2")
    assert ok.status_code == 302
