"""Security headers and cookies on every public page, with the development settings the
tests run under and with the values production computes (DEBUG off)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from campaign.petitions import crypto
from campaign.petitions.tokens import confirm_token_make, unsubscribe_token_make
from tests.conftest import staff_code
from tests.factories import SignatureFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
PRODUCTION_KEYS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_REDIRECT_EXEMPT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "CONTENT_SECURITY_POLICY",
]


def public_responses(client, petition):
    """Every kind of page a visitor can get, error pages included."""
    signature = SignatureFactory(petition=petition, keep_updated=True)
    slug = {"slug": petition.slug}
    confirm = reverse("petitions:confirm", kwargs={"token": confirm_token_make(public_id=signature.public_id)})
    unsubscribe = reverse(
        "petitions:unsubscribe", kwargs={"token": unsubscribe_token_make(public_id=signature.public_id)}
    )
    requests = {
        "home": ("get", reverse("content:home"), {}),
        "demands": ("get", reverse("content:demands"), {}),
        "timeline": ("get", reverse("content:timeline"), {}),
        "sources": ("get", reverse("content:sources"), {}),
        "privacy": ("get", reverse("content:privacy"), {}),
        "sign": ("get", reverse("petitions:sign", kwargs=slug), {}),
        "sign with errors": ("post", reverse("petitions:sign", kwargs=slug), {"name": "<b>x</b>", "email": "x"}),
        "thanks": ("get", reverse("petitions:thanks", kwargs=slug), {}),
        "confirmed": ("get", reverse("petitions:confirmed", kwargs=slug), {}),
        "resend": ("get", reverse("petitions:resend", kwargs=slug), {}),
        "resend done": ("post", reverse("petitions:resend", kwargs=slug), {"email": "nobody@example.org"}),
        "confirm": ("get", confirm, {}),
        "broken link": ("get", reverse("petitions:confirm", kwargs={"token": "not-a-token"}), {}),
        "unsubscribe": ("get", unsubscribe, {}),
        "unsubscribed": ("post", unsubscribe, {}),
        "count": ("get", reverse("petition_count", kwargs=slug), {}),
        "not found": ("get", reverse("content:home") + "no-such-page/", {}),
        "unprefixed": ("get", "/", {}),
        "healthz": ("get", reverse("healthz"), {}),
        "wrong method": ("delete", reverse("content:home"), {}),
    }
    for name, (method, url, data) in requests.items():
        yield (
            name,
            getattr(client, method)(url, data, secure=True)
            if method == "post"
            else getattr(client, method)(url, secure=True),
        )


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def header_problems(response) -> list[str]:
    problems = []
    csp = response.get("Content-Security-Policy", "")
    directives = csp_directives(csp)
    if not csp:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows unsafe code: {csp}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {directives.get('frame-ancestors')}")
    for directive in ("default-src", "script-src", "style-src", "object-src", "base-uri", "form-action"):
        sources = directives.get(directive, [])
        # Nothing loads from another origin: no wildcard, no scheme-wide or third-party source.
        if not sources or any(s in ("*", "http:", "https:") or s.startswith(("http://", "https://")) for s in sources):
            problems.append(f"{directive} is {sources}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.get("Referrer-Policy") not in SAFE_REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}")
    return problems


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "an on* event handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_every_public_page_sends_the_security_headers_and_no_inline_code(client, seeded):
    problems = []
    for name, response in public_responses(client, seeded):
        problems += [f"{name} ({response.status_code}): {p}" for p in header_problems(response)]
        if response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
            # The CSP forbids inline code: any would silently not run for the visitor.
            problems += [f"{name}: {what}" for pattern, what in INLINE_CODE if pattern.search(html)]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def production_settings():
    """What campaign/settings.py computes when started as production starts it."""
    script = "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in %r}))" % (  # noqa: UP031 - the script's braces rule out format()
        PRODUCTION_KEYS,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "campaign.settings",
        "DEBUG": "False",
        "SECRET_KEY": "production-settings-probe-" + "x" * 40,
        "FIELD_ENCRYPTION_KEYS": crypto.key_new(),
        "BLIND_INDEX_KEY": crypto.key_new(),
        "ALLOWED_HOSTS": "testserver",
        "EMAIL_URL": "smtp+tls://relay.example.net:587",
    }
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    values = json.loads(out.stdout)
    assert values["DEBUG"] is False
    return values


def test_production_sends_hsts_and_marks_cookies_secure_and_http_only(client, seeded, settings, production_settings):
    for key, value in production_settings.items():
        setattr(settings, key, value)
    problems = []
    for name, response in public_responses(client, seeded):
        problems += [f"{name}: {p}" for p in header_problems(response)]
        hsts = response.get("Strict-Transport-Security", "")
        if (
            not re.fullmatch(r"max-age=(\d+); includeSubDomains; preload", hsts)
            or int(hsts.split("=")[1].split(";")[0]) < 31536000
        ):
            problems.append(f"{name}: Strict-Transport-Security is {hsts!r}")
        for cookie in response.cookies.values():
            if not (cookie["secure"] and cookie["httponly"] and cookie["samesite"] in ("Lax", "Strict")):
                problems.append(f"{name}: cookie {cookie.key} is {cookie.output()!r}")
    assert not problems, "\n".join(problems)

    # The CSRF cookie comes with every form; the session cookie with a staff sign-in.
    assert client.get(reverse("petitions:sign", kwargs={"slug": seeded.slug}), secure=True).cookies["csrftoken"][
        "secure"
    ]
    staff = UserFactory(is_staff=True)
    response = client.post(
        reverse("admin:login"),
        {"username": staff.username, "password": "correct horse battery staple", "otp_token": staff_code(staff)},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_production_sends_plain_http_to_https_except_the_health_check(client, seeded, settings, production_settings):
    for key, value in production_settings.items():
        setattr(settings, key, value)
    response = client.get(reverse("content:home"))
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get(reverse("healthz")).status_code in (200, 503)
