"""Signed links in emails. Each purpose has its own salt, so a token made for one
purpose never works for another; confirmation and manage links also expire.

A token carries the signature's random public_id, never its sequential id (which would tell
how many have signed). Links made before public ids carried the id as a number; they are
read for as long as they would have been valid.
"""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "petitions.signature.confirm"
UNSUBSCRIBE_SALT = "petitions.signature.unsubscribe"
MANAGE_SALT = "petitions.signature.manage"

# What a token names: a public id (str), or, in a link made before those, a database id (int).
SignatureRef = str | int


class TokenExpired(Exception):
    """The link was genuine but is too old. Carries the signature it was made for, so the
    page can offer a fresh link for the right petition."""

    def __init__(self, ref: SignatureRef | None = None):
        super().__init__(ref)
        self.ref = ref


class TokenInvalid(Exception):
    """The link was altered, truncated, or made for something else."""


def signature_ref_filter(ref: SignatureRef) -> dict:
    """The lookup that finds the signature a token names: `Signature.objects.filter(**...)`."""
    return {"public_id": ref} if isinstance(ref, str) else {"pk": ref}


def _valid(value, *, legacy: bool) -> bool:
    if isinstance(value, str):
        return len(value) == 32
    return legacy and isinstance(value, int) and not isinstance(value, bool)


def _make(public_id: str, salt: str) -> str:
    return signing.dumps(public_id, salt=salt)


def _read(token: str, salt: str, max_age: int | None, *, legacy: bool = True) -> SignatureRef:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        # The signature checked out before the age did, so the value is ours to read.
        value = signing.loads(token, salt=salt)
        raise TokenExpired(value if _valid(value, legacy=legacy) else None) from exc
    except signing.BadSignature as exc:
        raise TokenInvalid from exc
    if not _valid(value, legacy=legacy):
        raise TokenInvalid
    return value


def confirm_token_make(*, public_id: str) -> str:
    return _make(public_id, CONFIRM_SALT)


def confirm_token_read(token: str) -> SignatureRef:
    return _read(token, CONFIRM_SALT, settings.PETITION_CONFIRM_MAX_AGE)


def unsubscribe_token_make(*, public_id: str) -> str:
    return _make(public_id, UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> SignatureRef:
    # Unsubscribing must keep working for as long as we may send updates.
    return _read(token, UNSUBSCRIBE_SALT, None)


def manage_token_make(*, public_id: str) -> str:
    return _make(public_id, MANAGE_SALT)


def manage_token_read(token: str) -> str:
    # Manage links never carried a database id. They expire: the page shows name and email,
    # and a fresh link is one request away (the "Manage my signature" form).
    return _read(token, MANAGE_SALT, settings.PETITION_MANAGE_MAX_AGE, legacy=False)
