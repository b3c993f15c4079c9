"""The roles the migration creates, login lockout for staff, and the admin session timeout."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.conftest import staff_code
from tests.factories import UserFactory


def perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_a_moderator_moderates_but_cannot_export_or_manage_users(db):
    granted = perms("Moderator")
    assert {"petitions.moderate_signature", "petitions.view_signature", "petitions.view_dashboard"} <= granted
    assert not granted & {
        "petitions.export_supporters",
        "petitions.export_all_states",
        "petitions.view_auditentry",
        "auth.change_user",
    }


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
    response = client.post(
        reverse("admin:login"),
        {"username": "mod", "password": "correct horse battery staple", "otp_token": staff_code(staff_user)},
    )
    assert response.status_code == 302
    assert client.session.get_expiry_age() <= 2 * 3600
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] <= 2 * 3600


def test_lockout_follows_the_client_address_our_proxies_report(client, staff_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            login, {"username": "mod", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2"
        )
    # Locked for the attacker's address…
    locked = client.post(
        login,
        {"username": "mod", "password": "correct horse battery staple"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        REMOTE_ADDR="10.0.0.2",
    )
    assert locked.status_code == 429
    # …but not for the moderator at another address behind the same proxy.
    ok = client.post(
        login,
        {"username": "mod", "password": "correct horse battery staple", "otp_token": staff_code(staff_user)},
        HTTP_X_FORWARDED_FOR="192.0.2.44",
        REMOTE_ADDR="10.0.0.2",
    )
    assert ok.status_code == 302


def test_twenty_failures_from_rotating_addresses_lock_the_account(client, staff_user, settings):
    # Through a proxy that passes on whatever X-Forwarded-For a client sends: each attempt seems
    # to come from a new address, so the per-address limit never trips; the per-username one does.
    settings.TRUSTED_PROXY_COUNT = 1
    login = reverse("admin:login")
    for i in range(settings.AXES_USERNAME_FAILURE_LIMIT):
        response = client.post(
            login,
            {"username": "mod", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}",
            REMOTE_ADDR="10.0.0.2",
        )
        assert response.status_code == (429 if i + 1 == settings.AXES_USERNAME_FAILURE_LIMIT else 200), i
    # Locked from every address now, even with the right password and code.
    locked = client.post(
        login,
        {"username": "mod", "password": "correct horse battery staple", "otp_token": staff_code(staff_user)},
        HTTP_X_FORWARDED_FOR="192.0.2.200",
        REMOTE_ADDR="10.0.0.2",
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_password_without_a_valid_code_does_not_open_the_staff_pages(client, staff_user):
    login = reverse("admin:login")
    code = staff_code(staff_user)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for data, message in [
        ({}, "Enter the 6-digit code from your authenticator app."),
        ({"otp_token": wrong}, "That code is wrong or has expired."),
    ]:
        response = client.post(login, {"username": "mod", "password": "correct horse battery staple", **data})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert "_auth_user_id" not in client.session
        for page in (reverse("admin:index"), reverse("moderation:dashboard"), reverse("exports:start")):
            assert client.get(page).status_code == 302, page


def test_a_staff_account_without_an_authenticator_cannot_sign_in(client, db):
    UserFactory(username="newcomer", groups=["Moderator"])
    response = client.post(
        reverse("admin:login"),
        {"username": "newcomer", "password": "correct horse battery staple", "otp_token": "123456"},
    )
    assert "Ask an administrator to enrol one." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_without_the_second_factor_opens_no_staff_page(db, staff_user, organizer):
    # A session from before two factors were required, or from anything but the staff login.
    from django.test import Client

    for user in (staff_user, organizer):
        unverified = Client()
        unverified.force_login(user)
        for page in (
            reverse("admin:index"),
            reverse("moderation:dashboard"),
            reverse("moderation:queue"),
            reverse("exports:start"),
        ):
            response = unverified.get(page)
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), page


def _login(client, username: str, password: str, code: str):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "otp_token": code})


def test_local_admin_prints_a_login_that_opens_the_staff_site(client, db, settings):
    import io
    import re

    from django.core.management import call_command

    settings.DEBUG = True  # make run's development setting
    out = io.StringIO()
    call_command("local_admin", stdout=out)
    printed = out.getvalue()
    password = re.search(r"password: (\S+)", printed).group(1)
    code = re.search(r"authenticator code now: (\d{6})", printed).group(1)
    assert re.search(r"otpauth://totp/\S+secret=", printed)

    assert _login(client, "admin", password, code).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_enrol_totp_gives_a_staff_member_a_key_their_app_turns_into_codes(client, staff_user):
    import base64
    import io
    import re

    from django.core.management import CommandError, call_command
    from django_otp.oath import TOTP

    out = io.StringIO()
    call_command("enrol_totp", "mod", stdout=out)
    key = re.search(r"typing this key:\s+([A-Z2-7=]+)", out.getvalue()).group(1)
    app = TOTP(base64.b32decode(key))  # what an authenticator app computes from the typed key

    assert _login(client, "mod", "correct horse battery staple", f"{app.token():06d}").status_code == 302
    with pytest.raises(CommandError, match="not a staff account"):
        call_command("enrol_totp", UserFactory(username="visitor").username, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No account named"):
        call_command("enrol_totp", "nobody", stdout=io.StringIO())
