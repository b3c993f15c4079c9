"""Partner sites that may show the petition's widget in a frame.

Each origin listed here goes, as written, into the widget's `Content-Security-Policy:
frame-ancestors`; every other page keeps `frame-ancestors 'none'`. So an origin must be a bare
scheme, host and optional port, nothing a header could be broken or widened with (no path,
wildcard, space or semicolon), and https: a partner page over http could be altered on the way.
"""

import ipaddress
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_DEFAULT_PORTS = {"https": 443, "http": 80}


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_normalize(value: str) -> str:
    """`value` as the browser writes the origin (lower case, no default port, IDN as punycode);
    ValidationError unless it is https://host[:port], or http:// for this machine (development)."""
    value = (value or "").strip()
    example = "https://partner.example.org"
    if not value or any(c.isspace() or c in ";,*'\"\\" for c in value):
        raise ValidationError(_("Enter an origin such as %(example)s: no spaces or wildcards.") % {"example": example})
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationError(_("Enter an origin such as %(example)s.") % {"example": example}) from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        raise ValidationError(_("Enter an origin such as %(example)s.") % {"example": example})
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValidationError(
            _("Enter only the origin, without a path: %(origin)s.") % {"origin": f"{parts.scheme}://{parts.netloc}"}
        )
    host = parts.hostname
    if host.startswith("[") or ":" in host:
        try:
            host = f"[{ipaddress.IPv6Address(host.strip('[]'))}]"
        except ValueError:
            raise ValidationError(_("Enter an origin such as %(example)s.") % {"example": example}) from None
    else:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValidationError(_("Enter an origin such as %(example)s.") % {"example": example}) from None
        if not _HOST.match(host):
            raise ValidationError(_("Enter an origin such as %(example)s.") % {"example": example})
    if parts.scheme == "http" and not _is_loopback(host.strip("[]")):
        raise ValidationError(_("Partner pages must use https (http is accepted only for this computer)."))
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def origin_validate(value: str) -> None:
    if origin_normalize(value) != value:
        raise ValidationError(_("Write the origin as %(origin)s.") % {"origin": origin_normalize(value)})


class PartnerOrigin(models.Model):
    """A partner site whose pages may embed the widget."""

    origin = models.CharField(
        _("origin"),
        max_length=255,
        unique=True,
        validators=[origin_validate],
        help_text=_("The partner site's scheme and host, e.g. https://partner.example.org (no path)."),
    )
    partner = models.CharField(_("partner"), max_length=200, blank=True, help_text=_("Who runs the site."))
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["origin"]
        verbose_name = _("partner site")
        verbose_name_plural = _("partner sites")

    def __str__(self):
        return self.origin
