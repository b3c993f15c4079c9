"""The emails a signature owes its signer, rendered from templates in the signer's language.

`build_signature_email` renders one message the ordinary Django way. A surge sends thousands
a minute that differ only in a few values (first name, two links, the address, the date), so
`prepared_signature_email` renders each kind of message once, through that same function,
with placeholders where signers differ, and fills them in per signer, so templates and MIME
are not paid for per email. The placeholders are filled
with exactly what Django's templates would have put there (HTML-escaped in the HTML part),
and anything the copy cannot represent faithfully falls back to a full render.
"""

import re
import secrets
import smtplib
import socket
from dataclasses import dataclass
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from campaign.petitions.models import Petition, Signature
from campaign.petitions.tokens import confirm_token_make, manage_token_make, unsubscribe_token_make


def _kind(signature: Signature) -> str | None:
    """Which email this signature is owed; None if none should be sent (erased, or rejected)."""
    if signature.erased_at or signature.state == Signature.State.REJECTED:
        return None
    return "reminder" if signature.confirmed_at else "confirm"


# What a signed token can hold (base64url and the signer's colon): reverse() leaves these as
# they are, so a link is its route with the token put in.
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_:-]+")


@lru_cache(maxsize=32)
def _route(name: str, language: str, script_prefix: str, urlconf) -> tuple[str, str]:
    """The path for `name` around its token in `language` (/ru/petitions/confirm/...), reversed
    once: two reverse() calls were a fifth of the CPU time of preparing each email."""
    with translation.override(language):
        before, _, after = reverse(name, kwargs={"token": "tokenmarker"}).rpartition("tokenmarker")
    return before, after


def _link(name: str, token: str, language: str) -> str:
    if not _TOKEN_CHARS.fullmatch(token):
        with translation.override(language):
            return settings.SITE_URL + reverse(name, kwargs={"token": token})
    before, after = _route(name, language, get_script_prefix(), get_urlconf())
    return settings.SITE_URL + before + token + after


def _links(public_id: str, language: str) -> tuple[str, str, str]:
    """The confirm, unsubscribe and manage links, opening in the signer's language. They carry
    the random public id: a sequential id would tell how many have signed."""
    confirm = _link("petitions:confirm", confirm_token_make(public_id=public_id), language)
    unsubscribe = _link("petitions:unsubscribe", unsubscribe_token_make(public_id=public_id), language)
    manage = _link("petitions:manage", manage_token_make(public_id=public_id), language)
    return confirm, unsubscribe, manage


def is_neutral(kind: str, language: str) -> bool:
    """A confirmation email in these languages has a sender and subject that name no cause:
    a glance at an inbox, by someone else, should not tell what was signed."""
    return kind == "confirm" and language in settings.PETITION_NEUTRAL_EMAIL_LANGUAGES


def _from_email(neutral: bool) -> str:
    if not neutral:
        return settings.DEFAULT_FROM_EMAIL
    # Called inside the signer's language: the default neutral name is translated.
    name = settings.PETITION_NEUTRAL_SENDER_NAME or gettext("Notifications")
    return formataddr((name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def email_language(signature: Signature) -> str:
    """The signer's language if the site still offers it, else the default: a link into a
    language the site no longer serves would be a 404."""
    return signature.language if signature.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# An ASCII address made of RFC 5322 atoms, and no RFC 2047 encoded word (which Django's parser
# decodes): Django's sanitize_address (a full header parse) gives it back unchanged, so it is
# skipped for these.
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def recipient_address(email: str, encoding: str) -> str:
    """The address as the To header and the envelope carry it: `sanitize_address`'s answer."""
    if PLAIN_ADDRESS.fullmatch(email) and "=?" not in email:
        return email
    return sanitize_address(email, encoding)


def _compose(
    *,
    kind: str,
    petition: Petition,
    language: str,
    keep_updated: bool,
    to: str,
    first_name: str,
    confirm_url: str,
    unsubscribe_url: str,
    manage_url: str,
    html_values: dict | None = None,
    headers: dict | None = None,
) -> EmailMultiAlternatives:
    neutral = is_neutral(kind, language)
    # Everything in the signer's language: the texts, and the links into the site.
    with translation.override(language):
        from_email = _from_email(neutral)
        context = {
            "neutral": neutral,
            "manage_url": manage_url,
            "language": language,
            "petition": petition,
            "first_name": first_name,
            "confirm_url": confirm_url,
            "petition_url": settings.SITE_URL + petition.get_absolute_url(),
            "unsubscribe_url": unsubscribe_url,
            "keep_updated": keep_updated,
            "max_age_days": settings.PETITION_CONFIRM_MAX_AGE // 86400,
            "site_url": settings.SITE_URL,
        }
        subject = " ".join(render_to_string(f"petitions/email/{kind}_subject.txt", context).split())
        text = render_to_string(f"petitions/email/{kind}.txt", context)
        html = render_to_string(f"petitions/email/{kind}.html", {**context, **(html_values or {})})
    # Only the bare address goes in To: the signer's name never reaches a mail header.
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": language,
            **(headers or {}),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def build_signature_email(signature: Signature) -> EmailMultiAlternatives | None:
    """The confirmation request, or a reminder for someone who already confirmed; None if
    nothing should be sent (erased, or rejected as spam)."""
    kind = _kind(signature)
    if kind is None:
        return None
    language = email_language(signature)
    confirm_url, unsubscribe_url, manage_url = _links(signature.public_id, language)
    return _compose(
        kind=kind,
        petition=signature.petition,
        language=language,
        keep_updated=signature.keep_updated,
        to=signature.email,
        first_name=signature.first_name,
        confirm_url=confirm_url,
        unsubscribe_url=unsubscribe_url,
        manage_url=manage_url,
    )


# --- Prepared messages: one render per kind of message, placeholders filled per signer --------


@dataclass(frozen=True)
class PreparedEmail:
    """A message ready for SMTP: envelope sender and recipient, and the bytes of the message."""

    from_addr: str
    to_addr: str
    data: bytes


# Random per process, so nothing a signer types can be mistaken for one.
_TOKEN = secrets.token_hex(8)
_SLOTS = (
    "to",
    "date",
    "msgid",
    "unsub_header",
    "name",
    "confirm",
    "unsub",
    "manage",
    "name_html",
    "confirm_html",
    "unsub_html",
    "manage_html",
)
_PLACEHOLDER = {slot: f"ph{_TOKEN}{slot.replace('_', '')}" for slot in _SLOTS}
_SLOT_OF = {placeholder.encode(): slot for slot, placeholder in _PLACEHOLDER.items()}
# Longest first: some placeholders begin with another.
_SPLIT = re.compile(b"(" + b"|".join(re.escape(p) for p in sorted(_SLOT_OF, key=len, reverse=True)) + b")")
_BOUNDARY = re.compile(rb'boundary="([^"]+)"')
# Longer values could push a body line past what 8bit transfer allows (998 bytes).
_MAX_VALUE_BYTES = 400


@dataclass(frozen=True)
class _Template:
    pieces: tuple  # bytes literals, and slot names where a signer's value goes
    boundary: bytes
    eight_bit: bool
    from_addr: str  # the envelope sender


@lru_cache(maxsize=256)
def _template(kind: str, petition_id: int, title: str, slug: str, language: str, keep_updated: bool, _settings: tuple):
    petition = Petition(pk=petition_id, title=title, slug=slug)
    p = _PLACEHOLDER
    message = _compose(
        kind=kind,
        petition=petition,
        language=language,
        keep_updated=keep_updated,
        to=f"{p['to']}@example.invalid",
        first_name=p["name"],
        confirm_url=p["confirm"],
        unsubscribe_url=p["unsub"],
        manage_url=p["manage"],
        html_values={
            "first_name": p["name_html"],
            "confirm_url": p["confirm_html"],
            "unsubscribe_url": p["unsub_html"],
            "manage_url": p["manage_html"],
        },
        headers={"Date": p["date"], "Message-ID": p["msgid"], "List-Unsubscribe": f"<{p['unsub_header']}>"},
    )
    data = message.message().as_bytes(linesep="\r\n")
    data = data.replace(f"{p['to']}@example.invalid".encode(), p["to"].encode())
    pieces = tuple(_SLOT_OF.get(part, part) for part in _SPLIT.split(data) if part)
    return _Template(
        pieces=pieces,
        boundary=_BOUNDARY.search(data).group(1),
        eight_bit=b"Content-Transfer-Encoding: 7bit" not in data,
        from_addr=sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET),
    )


def prepared_signature_email(signature: Signature) -> PreparedEmail | None:
    """The same message as `build_signature_email`, from a template rendered once per kind,
    language and petition; None if nothing should be sent."""
    kind = _kind(signature)
    if kind is None:
        return None
    petition = signature.petition
    encoding = settings.DEFAULT_CHARSET
    language = email_language(signature)
    with translation.override(language):
        title = petition.title  # in the signer's language, or English where it has none
    template = _template(
        kind,
        petition.pk,
        title,
        petition.slug,
        language,
        signature.keep_updated,
        (
            settings.SITE_URL,
            settings.DEFAULT_FROM_EMAIL,
            settings.PETITION_CONFIRM_MAX_AGE,
            encoding,
            tuple(settings.PETITION_NEUTRAL_EMAIL_LANGUAGES),
            settings.PETITION_NEUTRAL_SENDER_NAME,
        ),
    )
    to_addr = recipient_address(signature.email, encoding)
    confirm_url, unsubscribe_url, manage_url = _links(signature.public_id, language)
    first_name = signature.first_name
    values = {
        "to": to_addr,
        "date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
        "msgid": make_msgid(domain=DNS_NAME),
        "unsub_header": unsubscribe_url,
        "name": first_name,
        "confirm": confirm_url,
        "unsub": unsubscribe_url,
        "manage": manage_url,
        "name_html": escape(first_name),
        "confirm_html": escape(confirm_url),
        "unsub_html": escape(unsubscribe_url),
        "manage_html": escape(manage_url),
    }
    encoded = {slot: value.encode() for slot, value in values.items()}
    faithful = all(
        len(value) <= _MAX_VALUE_BYTES and template.boundary not in value and b"\r" not in value and b"\n" not in value
        for value in encoded.values()
    ) and (template.eight_bit or first_name.isascii())
    if not faithful:
        # A full render picks the transfer encoding and boundary these values need.
        data = build_signature_email(signature).message().as_bytes(linesep="\r\n")
    else:
        data = b"".join(encoded[piece] if isinstance(piece, str) else piece for piece in template.pieces)
    return PreparedEmail(from_addr=template.from_addr, to_addr=to_addr, data=data)


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later: network trouble and 4xx SMTP replies. 5xx replies are final."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(
        exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout, ConnectionError, OSError)
    )


def is_connection_failure(exc: BaseException) -> bool:
    """The server, not this message, is the problem: the rest of a batch would fail the same way."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # "service not available, closing channel"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):  # an OSError too, but about this address alone
        return any(code == 421 for code, _msg in exc.recipients.values())
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout, OSError))
