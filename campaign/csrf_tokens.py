"""CSRF secrets and masks drawn from the OS in one call, not one call per character.

Django makes each 32-character CSRF string with `get_random_string`: one `secrets.choice`,
and one `getrandom()` system call, per character. A new visitor's page needs two such
strings (the secret for the cookie, the mask for the form), and on the home page, served
from memory, drawing them that way is a noticeable share of the view's work; in a threaded
server each system call is also a chance for another thread to take the GIL. Measurements
(instructions per view, with and without): docs/performance.md.

Same contract as Django's: `CSRF_SECRET_LENGTH` characters of `CSRF_ALLOWED_CHARS` from the
OS's CSPRNG, each uniformly distributed (bytes of 248 and above are dropped, as 248 = 4 x 62,
so `byte % 62` has no bias). Django's cookie check, masking and rotation are untouched.
"""

import secrets

from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_LENGTH = csrf.CSRF_SECRET_LENGTH
_BELOW = 256 - 256 % len(_CHARS)  # bytes under this map onto the characters evenly
_DRAW = _LENGTH + 8  # one draw is nearly always enough (each byte is kept with p = 0.97)


def new_csrf_string() -> str:
    chars = []
    while True:
        for byte in secrets.token_bytes(_DRAW):
            if byte < _BELOW:
                chars.append(_CHARS[byte % len(_CHARS)])
                if len(chars) == _LENGTH:
                    return "".join(chars)


def install() -> None:
    """Put `new_csrf_string` where Django's CSRF code draws its strings. Fails loudly if a
    Django upgrade moved that, rather than quietly going back to the slow path."""
    original = getattr(csrf, "_get_new_csrf_string", None)
    if original is None or not callable(original) or len(original()) != _LENGTH:
        raise RuntimeError("django.middleware.csrf._get_new_csrf_string changed; review campaign/csrf_tokens.py")
    csrf._get_new_csrf_string = new_csrf_string
