"""Hostile names and addresses the form accepts are stored as cleaned, and none gets a header
into the confirmation email: every address accepted is one an email can be built for and sent to."""

import email
import email.policy
from urllib.parse import urlencode

from django.core import mail
from django.urls import reverse

from campaign.petitions.forms import SignatureForm
from campaign.petitions.models import Signature
from campaign.petitions.services import email_lookup

from .corpus import HOSTILE
from .test_inputs import VALID, Findings, as_text

# Every header the confirmation email may carry at its top level.
ALLOWED_HEADERS = {
    "content-type",
    "mime-version",
    "content-transfer-encoding",
    "subject",
    "from",
    "to",
    "date",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "auto-submitted",
    "content-language",
}


def header_problems(message, address: str) -> list[str]:
    try:
        raw = message.message().as_bytes(linesep="\r\n")  # what the SMTP backend sends
    except Exception as exc:  # noqa: BLE001 - the finding is that it raised
        return [f"the email cannot be written out for SMTP ({type(exc).__name__})"]
    head = raw.split(b"\r\n\r\n", 1)[0]
    problems = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            continue  # a folded continuation of the line before
        name, colon, _ = line.partition(b":")
        if not colon or name.decode("ascii", "replace").lower() not in ALLOWED_HEADERS:
            problems.append(f"unexpected header line {line[:70]!r}")
    if any(byte < 32 and byte not in (9, 10, 13) for byte in head) or b"\r\n\r\n" in head:
        problems.append("a control character or blank line in the headers")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("Cc", "Bcc", "Reply-To", "Sender"):
        if parsed[name] is not None:
            problems.append(f"a {name} header")
    if len(parsed.get_all("To") or []) != 1 or len(parsed["To"].addresses) != 1:
        problems.append(f"To is {parsed.get_all('To')!r}")
    if message.recipients() != [address]:
        problems.append(f"sent to {message.recipients()!r}")
    return problems


def test_hostile_names_and_emails_that_pass_validation_are_stored_as_cleaned_and_inject_no_header(
    client, seeded, django_capture_on_commit_callbacks
):
    # Only these two fields carry a value into storage and email: the country must be one of
    # the list, the tick boxes and the honeypot are reduced to booleans. Values the form
    # refuses are test_inputs.py's business.
    url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    findings = Findings("signing and the confirmation email")
    sent = 0
    for i, value in enumerate(HOSTILE):
        for field in ("name", "email"):
            data = {**VALID, "email": f"header-{field}-{i}@example.org", field: value}
            form = SignatureForm({k: as_text(v) for k, v in data.items()})
            if not form.is_valid():
                continue
            mail.outbox.clear()
            with django_capture_on_commit_callbacks(execute=True):
                # Each from its own network: signatures held for an IP or subnet limit get no email.
                response = client.post(
                    url,
                    urlencode(data).encode("ascii"),
                    content_type="application/x-www-form-urlencoded",
                    REMOTE_ADDR=f"10.{i // 200}.{i % 200}.{1 + (field == 'email')}",
                )
            if response.status_code != 302:
                findings.add(value, f"{field}: answered {response.status_code}")
                continue
            cleaned = form.cleaned_data
            row = Signature.objects.filter(petition=seeded, email_index=email_lookup(cleaned["email"])).first()
            if row is None or (row.name, row.email) != (cleaned["name"], cleaned["email"]):
                findings.add(value, f"{field}: thanked, but stored as {row and (row.name, row.email)!r}")
                continue
            if row.email_state != Signature.EmailState.SENT or len(mail.outbox) != 1:
                findings.add(value, f"{field}: accepted, but the email could not be sent ({row.email_state})")
                continue
            for problem in header_problems(mail.outbox[0], row.email):
                findings.add(value, f"{field}: {problem}")
            sent += 1
    findings.assert_none()
    assert sent > 100, "most names in the corpus are legitimate text and must be accepted"
