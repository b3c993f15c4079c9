"""No personal data in logs, on the real stack at the most verbose log level it has.

Everything the processes print (gunicorn's access and error logs, the worker's and beat's
logs, all at DEBUG) and every log record of this process is searched for the signer's
address, name and IP address after a full journey, and for the tokens of the links the
signer was sent; gunicorn's access log must not hold the address the requests came from
(the socket's: the proxy's header is what the site believes, not what gunicorn logs).
"""

import logging
import re

import pytest
from django.urls import reverse

from .stack import Visitor, confirm_link, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

NAME = "Gulnara Tokayeva-Zhumabekova"
ADDRESS = "Gulnara.T.Privacy-Probe@Example.org"
IP = "203.0.113.77"


def test_a_full_journey_leaves_no_email_name_or_ip_address_in_any_log(seeded, make_stack, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    stack = make_stack(beat=True)
    visitor = Visitor(stack.base_url, ip=IP)
    sign_url = seeded.get_absolute_url()

    home = visitor.get(reverse("content:home"))  # "/" redirects to the visitor's language
    # A mistake first: the form comes back with what was typed (and Django logs a 400).
    mistaken = visitor.submit(home, sign_url, {"name": NAME, "email": ADDRESS.replace(".org", ""), "country": "KZ"})
    assert mistaken.status_code == 400
    signed = visitor.submit(
        mistaken,
        sign_url,
        {"name": NAME, "email": ADDRESS, "country": "KZ", "keep_updated": "on", "show_publicly": "on"},
    )
    assert signed.status_code == 302
    smtp.wait_for_each([ADDRESS], timeout=30, diagnostics=stack.tails)

    # Signing again and asking for the link again: both send a fresh email.
    again = visitor.get(sign_url)
    assert visitor.submit(again, sign_url, {"name": NAME, "email": ADDRESS.lower(), "country": "KZ"}).status_code == 302
    resend_page = visitor.get(reverse("petitions:resend", kwargs={"slug": seeded.slug}))
    assert visitor.submit(resend_page, resend_page.url, {"email": ADDRESS}).status_code == 200

    message = smtp.to(ADDRESS)[0].message
    confirm_token = confirm_link(message).rstrip("/").rsplit("/", 1)[1]
    unsubscribe_token = message["List-Unsubscribe"].strip().strip("<>").rstrip("/").rsplit("/", 1)[1]
    page = visitor.get(confirm_link(message))
    assert visitor.submit(page, page.url, {}).status_code == 302
    # One-click unsubscribe, as a mail client does it (RFC 8058).
    unsubscribe_url = message["List-Unsubscribe"].strip().strip("<>")
    assert visitor.request("POST", unsubscribe_url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    wait_for(
        lambda: visitor.get(reverse("petition_count", kwargs={"slug": seeded.slug})).json()["count"] == 1,
        timeout=30,
        what="the count to move",
        diagnostics=stack.tails,
    )
    wait_for(lambda: len(smtp.to(ADDRESS)) >= 2, timeout=30, what="the second email", diagnostics=stack.tails)

    # The SMTP sink plays the signer's mail provider: its own log naming the recipient is not ours.
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    logs = stack.logs() + "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in ours)
    assert "GET /petitions/" in logs and "send_signature_email" in logs, "the logs were captured"
    secrets = {
        "the address": ADDRESS,
        "its local part": ADDRESS.split("@")[0],
        "the lower-cased address": ADDRESS.lower(),
        "the URL-encoded address": ADDRESS.replace("@", "%40"),
        "the name": NAME,
        "the first name": "Gulnara",
        "the family name": "Tokayeva",
        "the IP address": IP,
    }
    for what, secret in secrets.items():
        assert secret.lower() not in logs.lower(), f"{what} appears in the logs"
    for what, token in {"the confirmation token": confirm_token, "the unsubscribe token": unsubscribe_token}.items():
        assert ":" in token and token not in logs, f"{what} appears in the logs"

    # gunicorn's access log: one line per request, and none names the client's socket address.
    access = [line for line in stack.web.output().splitlines() if re.search(r'"(GET|POST) /', line)]
    assert any("/petitions/confirm/[redacted]/" in line for line in access), "the access log was captured"
    assert len(access) >= len(visitor.responses)
    socket_address = "127.0.0.1"  # where the Visitor's connections come from
    assert [line for line in access if socket_address in line] == []
