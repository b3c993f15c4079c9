"""Signed links in emails. Each purpose has its own salt, so a token made for one
purpose never works for another; confirmation links also expire."""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "petitions.signature.confirm"
UNSUBSCRIBE_SALT = "petitions.signature.unsubscribe"


class TokenExpired(Exception):
    """The link was genuine but is too old. Carries the signature it was made for, so the
    page can offer a fresh link for the right petition."""

    def __init__(self, signature_id: int | None = None):
        super().__init__(signature_id)
        self.signature_id = signature_id


class TokenInvalid(Exception):
    """The link was altered, truncated, or made for something else."""


def _make(signature_id: int, salt: str) -> str:
    return signing.dumps(signature_id, salt=salt)


def _read(token: str, salt: str, max_age: int | None) -> int:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        # The signature checked out before the age did, so the value is ours to read.
        value = signing.loads(token, salt=salt)
        raise TokenExpired(value if isinstance(value, int) else None) from exc
    except signing.BadSignature as exc:
        raise TokenInvalid from exc
    if not isinstance(value, int):
        raise TokenInvalid
    return value


def confirm_token_make(*, signature_id: int) -> str:
    return _make(signature_id, CONFIRM_SALT)


def confirm_token_read(token: str) -> int:
    return _read(token, CONFIRM_SALT, settings.PETITION_CONFIRM_MAX_AGE)


def unsubscribe_token_make(*, signature_id: int) -> str:
    return _make(signature_id, UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> int:
    # Unsubscribing must keep working for as long as we may send updates.
    return _read(token, UNSUBSCRIBE_SALT, None)
