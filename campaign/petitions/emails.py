"""The emails a signature owes its signer, rendered from templates in the signer's language."""

import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Signature
from .tokens import confirm_token_make, unsubscribe_token_make


def build_signature_email(signature: Signature) -> EmailMultiAlternatives | None:
    """The confirmation request, or a reminder for someone who already confirmed; None if
    nothing should be sent (erased, or rejected as spam)."""
    if signature.erased_at or signature.state == Signature.State.REJECTED:
        return None
    kind = "reminder" if signature.confirmed_at else "confirm"
    unsubscribe_url = settings.SITE_URL + reverse(
        "petitions:unsubscribe", kwargs={"token": unsubscribe_token_make(signature_id=signature.pk)}
    )
    context = {
        "signature": signature,
        "petition": signature.petition,
        "first_name": signature.first_name,
        "confirm_url": settings.SITE_URL
        + reverse("petitions:confirm", kwargs={"token": confirm_token_make(signature_id=signature.pk)}),
        "petition_url": settings.SITE_URL + signature.petition.get_absolute_url(),
        "unsubscribe_url": unsubscribe_url,
        "keep_updated": signature.keep_updated,
        "max_age_days": settings.PETITION_CONFIRM_MAX_AGE // 86400,
        "site_url": settings.SITE_URL,
    }
    with translation.override(signature.language):
        subject = " ".join(render_to_string(f"petitions/email/{kind}_subject.txt", context).split())
        text = render_to_string(f"petitions/email/{kind}.txt", context)
        html = render_to_string(f"petitions/email/{kind}.html", context)
    # Only the bare address goes in To: the signer's name never reaches a mail header.
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[signature.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": signature.language,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later: network trouble and 4xx SMTP replies. 5xx replies are final."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout, ConnectionError, OSError))
