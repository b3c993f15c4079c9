"""No personal data in the logs of the supporter's journey, in-process at DEBUG.

tests/integration/test_personal_data_in_logs.py does the same against the real processes.
"""

import logging
import re

from django.core import mail
from django.urls import reverse

NAME = "Saule Abdrakhmanova"
ADDRESS = "Saule.Probe@Example.org"


def test_the_journey_logs_no_name_email_or_ip_address(
    client, seeded, settings, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"HTTP_X_FORWARDED_FOR": "203.0.113.99"}
    sign_url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(sign_url, {"name": NAME, "email": "Saule.Probe@", "country": "KZ"}, **proxy).status_code == 400
        )
        assert (
            client.post(
                sign_url, {"name": NAME, "email": ADDRESS, "country": "KZ", "keep_updated": "on"}, **proxy
            ).status_code
            == 302
        )
        assert (
            client.post(sign_url, {"name": NAME, "email": ADDRESS.upper(), "country": "KZ"}, **proxy).status_code == 302
        )
        client.post(reverse("petitions:resend", kwargs={"slug": seeded.slug}), {"email": ADDRESS}, **proxy)
    confirm = re.search(r"http://[^/]+(/\w+/petitions/confirm/[^/\s]+/)", mail.outbox[0].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm, **proxy).status_code == 302
    unsubscribe = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + unsubscribe, **proxy).status_code == 200

    assert caplog.records, "the journey was logged"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records).lower()
    for secret in (ADDRESS, ADDRESS.split("@")[0], NAME, "Saule", "Abdrakhmanova", "203.0.113.99"):
        assert secret.lower() not in logged, f"{secret!r} appears in the logs"


def test_a_signed_link_in_a_logged_path_is_redacted(client, seeded, settings, django_capture_on_commit_callbacks):
    """Django logs the path of every 4xx ("Gone: /petitions/confirm/<token>/"): what the console gets."""
    import io

    from campaign.petitions.tokens import confirm_token_make
    from tests.factories import SignatureFactory

    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    settings.PETITION_CONFIRM_MAX_AGE = -1  # every link has expired
    token = confirm_token_make(public_id=SignatureFactory(petition=seeded).public_id)
    try:
        assert client.get(reverse("petitions:confirm", kwargs={"token": token})).status_code == 410
    finally:
        handler.setStream(previous)
    logged = stream.getvalue()
    assert "/confirm/[redacted]/" in logged
    assert token not in logged and token.split(":")[0] not in logged
