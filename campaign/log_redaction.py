"""Keep signed links and client addresses out of the logs.

Confirmation, unsubscribe and manage links carry a token that names the signature; next to
a client address in a log kept past the 30 days in which IP addresses are deleted, it would
tie a person's address to their signature. Django's signed values always hold a ':'
(value:signature); a path segment that long and token-like is treated as one too.
"""

import logging
import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
TOKEN_SEGMENT = re.compile(r"(?<=/)(?:[^/?#\s]*:[^/?#\s]*|[A-Za-z0-9_=-]{32,})(?=[/?#\s]|$)")


def redact_path(path: str) -> str:
    """`/petitions/confirm/<token>/` → `/petitions/confirm/[redacted]/`; other paths unchanged."""
    return TOKEN_SEGMENT.sub(REDACTED, path)


class RedactTokens(logging.Filter):
    """Redacts signed links from a record's message (Django logs the path of every 4xx)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record: let the handler report it as it would
            return True
        redacted = redact_path(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


# What the access log may show: never the client's address, its headers, the referer, the
# query string or the raw request line (each can carry an address or a token).
SAFE_ATOMS = ("m", "s", "b", "B", "T", "D", "M", "L", "H", "p", "t")


class GunicornLogger(Logger):
    """gunicorn's logger, whose access log knows only the method, the redacted path and timings."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(RedactTokens())  # "Error handling request <path>" and the like

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every other atom, headers included, prints as '-' whatever the format asks for.
        safe = dict.fromkeys(atoms, "-") | {key: atoms[key] for key in SAFE_ATOMS}
        safe["U"] = redact_path(environ.get("PATH_INFO") or "")
        return safe
