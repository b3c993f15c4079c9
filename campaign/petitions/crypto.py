"""Signers' names and addresses encrypted at rest, and the blind indexes that still find them.

A value is sealed with AES-256-GCM under the first of FIELD_ENCRYPTION_KEYS, with a fresh
random nonce, and bound to its column (associated data), so a ciphertext copied into another
column or row kind does not open. Stored as `v1:<key id>:<base64 nonce+ciphertext+tag>`: the key
id (a hash of the key, never the key) says which key opens it, so old keys keep decrypting
while `manage.py field_keys_rotate` moves rows to the new one.

A blind index is an HMAC-SHA256 under BLIND_INDEX_KEY (a separate key): equal inputs give equal
indexes, so the unique constraint and exact searches work on them, but without the key a dump's
indexes cannot be tested against guessed addresses. They cannot be rotated without recomputing
every row from the decrypted values (`manage.py blind_indexes_rebuild`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(ValueError):
    """A stored value that none of the configured keys opens (the message names no data)."""


def key_decode(text: str, *, name: str) -> bytes:
    """A key as configured: 32 random bytes in (URL-safe or standard) base64."""
    try:
        key = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} must hold keys of {KEY_BYTES} random bytes in base64 (python -m campaign.petitions.crypto makes one)."
        )
    return key


def key_new() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    """Names a key in each ciphertext without revealing it."""
    return hashlib.sha256(b"campaign field key id\x00" + key).hexdigest()[:8]


class Keyring:
    def __init__(self, keys: tuple[str, ...]):
        if not keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS needs at least one key.")
        decoded = [key_decode(k, name="FIELD_ENCRYPTION_KEYS") for k in keys]
        self.current_id = key_id(decoded[0])
        self.current = AESGCM(decoded[0])
        self.prefix = f"{VERSION}:{self.current_id}:"
        # Every key opens what it sealed; the first also seals.
        self.by_id = {key_id(k): AESGCM(k) for k in reversed(decoded)}

    def encrypt(self, plaintext: str, purpose: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.encrypt(nonce, plaintext.encode(), purpose)
        return self.prefix + binascii.b2a_base64(nonce + sealed, newline=False).decode("ascii")

    def decrypt(self, token: str, purpose: bytes) -> str:
        if token[:3] != "v1:" or token[11:12] != ":":
            raise DecryptionError("a stored value is not in the encrypted format")
        cipher = self.by_id.get(token[3:11])
        if cipher is None:
            raise DecryptionError(f"a stored value is sealed under key {token[3:11]}, not in FIELD_ENCRYPTION_KEYS")
        try:
            raw = binascii.a2b_base64(token[12:])
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionError(f"a stored value under key {token[3:11]} does not open (altered or moved)") from None


@lru_cache(maxsize=4)
def _keyring(keys: tuple[str, ...]) -> Keyring:
    return Keyring(keys)


def keyring() -> Keyring:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str, *, purpose: bytes) -> str:
    """The sealed value; the empty string stays empty (an erased name holds nothing to hide)."""
    return keyring().encrypt(plaintext, purpose) if plaintext else ""


def decrypt(token: str, *, purpose: bytes) -> str:
    return keyring().decrypt(token, purpose) if token else ""


def sealed_under_current(token: str) -> bool:
    return not token or token.startswith(keyring().prefix)


# --- Blind indexes ------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _index_keys(key_text: str) -> dict[str, bytes]:
    key = key_decode(key_text, name="BLIND_INDEX_KEY")
    # One subkey per kind of index: an address's index never equals a word's.
    return {kind: hmac.digest(key, kind.encode(), "sha256") for kind in ("email", "name word")}


def _index(kind: str, value: str, length: int) -> str:
    return hmac.digest(_index_keys(settings.BLIND_INDEX_KEY)[kind], value.encode(), "sha256").hex()[:length]


def email_index(canonical: str) -> str:
    """The blind index of a canonical address (services.canonical_email): 128 bits, so two
    addresses never share one by chance (which would drop a signature as a duplicate)."""
    return _index("email", canonical, 32)


_NOT_WORD = re.compile(r"[^\w]+")


def name_words_normalised(name: str) -> list[str]:
    """A name's words as searched: compatibility-normalised, case-folded, accents kept (Ä and A
    are different letters in many languages), split at anything not a letter or digit."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return [word for word in _NOT_WORD.sub(" ", text).split() if word]


def name_words(name: str) -> str:
    """The name's word index: each word's blind index (64 bits: a rare false match only widens
    a moderator's search), space-separated with a space at each end, so `contains " w "` finds a
    whole word."""
    words = dict.fromkeys(_index("name word", w, 16) for w in name_words_normalised(name))
    return f" {' '.join(words)} " if words else ""


def name_words_query_terms(text: str) -> list[str]:
    """What `name_words` must contain for every word of a search."""
    return [f" {_index('name word', w, 16)} " for w in name_words_normalised(text)]


def name_shape(name: str) -> str:
    """A name's shape: each run of letters as "A" then "a" (upper, then lower or caseless), each
    digit as "9", spaces collapsed, other characters kept. "John Smith 12" -> "Aa Aa 99". Many
    names share a shape, so it cannot be turned back into one; a burst of generated names often
    shares one that real names rarely have ("a99999", "Aa Aa Aa Aa")."""
    out = []
    for ch in unicodedata.normalize("NFKC", name).strip():
        if ch.isspace():
            sign = " "
        elif ch.isdigit():
            sign = "9"
        elif ch.isalpha():
            sign = "A" if ch.isupper() else "a"
        else:
            sign = ch
        if sign == "9" or not out or out[-1] != sign:
            out.append(sign)
    return "".join(out)[:100]


if __name__ == "__main__":
    print(key_new())
