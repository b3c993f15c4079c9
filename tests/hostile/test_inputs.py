"""Every hostile value into every public form field, query parameter, URL argument and read
header: a 4xx or a clean form error, never a 500, and never reflected unescaped.

Each test sends the whole corpus and reports every value that misbehaved, not just the first.
"""

import ipaddress
import re
import unicodedata
from urllib.parse import quote, urlencode

from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from campaign.petitions.abuse import client_ip, has_forbidden_chars
from campaign.petitions.forms import ResendForm, SignatureForm
from campaign.petitions.models import Signature
from campaign.petitions.services import canonical_email
from campaign.petitions.views import country_from_language

from .corpus import CATEGORIES, HOSTILE

FORM = "application/x-www-form-urlencoded"
SIGN_FIELDS = ["name", "email", "country", "show_publicly", "keep_updated", "website"]
VALID = {"name": "Anna Bekova", "country": "KZ", "show_publicly": "on", "keep_updated": "on", "website": ""}
# Characters that make a reflected value dangerous in HTML.
MARKUP_CHARS = set("<>\"'&")


def as_text(value) -> str:
    """What Django makes of a value: invalid UTF-8 becomes U+FFFD, as in request parsing."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def body(fields: dict) -> bytes:
    return urlencode(fields).encode("ascii")  # urlencode percent-encodes bytes values as they are


def path_segment(value) -> str:
    return quote(value, safe="")


class Findings:
    """Collects every misbehaving value, so one run shows them all."""

    def __init__(self, target: str):
        self.target = target
        self.items: list[str] = []

    def add(self, value, problem: str) -> None:
        self.items.append(f"{as_text(value)[:60]!r}: {problem}")

    def check_response(self, value, response, *, allowed: set[int], baseline: str = "") -> str:
        html = response.content.decode("utf-8", "replace")
        if response.status_code not in allowed:
            self.add(value, f"answered {response.status_code}, expected one of {sorted(allowed)}")
        text = as_text(value)
        if len(text) >= 2 and set(text) & MARKUP_CHARS and text in html and text not in baseline:
            self.add(value, "reflected unescaped")
        return html

    def assert_none(self) -> None:
        assert not self.items, f"{len(self.items)} hostile inputs misbehaved on {self.target}:\n" + "\n".join(
            self.items[:50]
        )


def test_the_corpus_holds_at_least_200_values_of_every_kind():
    assert len(HOSTILE) >= 200
    assert all(CATEGORIES.values())
    assert any(isinstance(v, bytes) for v in HOSTILE)
    assert any(isinstance(v, str) and len(v) >= 10_000 for v in HOSTILE)


def test_every_sign_form_field_validates_every_value_without_crashing(petition):
    # The form alone, field by field, with everything else valid: a clean verdict for each.
    findings = Findings("the sign form's validation")
    for i, value in enumerate(HOSTILE):
        for field in SIGN_FIELDS:
            data = {**VALID, "email": f"field-{i}@example.org", field: as_text(value)}
            form = SignatureForm(data)
            try:
                valid = form.is_valid()
            except Exception as exc:  # noqa: BLE001 - the finding is that it raised
                findings.add(value, f"{field}: raised {type(exc).__name__}: {exc}")
                continue
            if not valid and not all(message for messages in form.errors.values() for message in messages):
                findings.add(value, f"{field}: refused without a message")
            if valid and field == "name":
                name = form.cleaned_data["name"]
                if has_forbidden_chars(name) or len(name) > 100 or name != unicodedata.normalize("NFC", name):
                    findings.add(value, f"name accepted as {name!r}")
            if valid and field == "email" and len(canonical_email(form.cleaned_data["email"])) > 254:
                findings.add(value, "email accepted but its canonical form does not fit the database column")
    findings.assert_none()


def test_the_sign_form_answers_every_hostile_value_in_every_field_with_a_clean_form_error(client, seeded):
    # Every field at once: one re-rendered form per value shows each field's escaping.
    url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    baseline = client.get(url).content.decode()
    findings = Findings("the sign form (all fields hostile)")
    for value in HOSTILE:
        payload = body(dict.fromkeys(SIGN_FIELDS, value))
        html = findings.check_response(
            value, client.post(url, payload, content_type=FORM), allowed={400}, baseline=baseline
        )
        # An oversized body is refused before any form is read; otherwise the form comes
        # back with its messages.
        if len(payload) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE and 'id="form-errors"' not in html:
            findings.add(value, "400 without the form and its messages")
    findings.assert_none()
    assert Signature.objects.count() == 0, "no value is valid in every field at once"


def test_the_resend_form_answers_every_hostile_value_with_the_same_page_or_a_form_error(client, seeded):
    url = reverse("petitions:resend", kwargs={"slug": seeded.slug})
    baseline = client.get(url).content.decode()
    findings = Findings("the resend form")
    for value in HOSTILE:
        expected = {200} if ResendForm({"email": as_text(value)}).is_valid() else {400}
        findings.check_response(
            value, client.post(url, body({"email": value}), content_type=FORM), allowed=expected, baseline=baseline
        )
    findings.assert_none()


# Where the petition pages live, in the default language (/en/petitions/); count.json has no prefix.
PETITIONS = reverse("petitions:sign", kwargs={"slug": "x"})[: -len("x/")]


def test_confirm_and_unsubscribe_links_refuse_every_hostile_token(client, seeded):
    findings = Findings("confirm and unsubscribe links")
    for value in HOSTILE:
        segment = path_segment(value)
        # Both views read the token before anything else, whatever the method; unsubscribing
        # also takes a POST without a CSRF token (one-click), so that is sent too.
        for method, url in (
            ("get", f"{PETITIONS}confirm/{segment}/"),
            ("get", f"{PETITIONS}unsubscribe/{segment}/"),
            ("post", f"{PETITIONS}unsubscribe/{segment}/"),
        ):
            # 400 "this link does not work"; 404 when the value is no URL segment at all.
            findings.check_response(value, getattr(client, method)(url), allowed={400, 404})
    findings.assert_none()
    assert not Signature.objects.exists()


def test_petition_urls_answer_404_for_every_hostile_slug(client, seeded):
    findings = Findings("petition URLs")
    slug_pattern = re.compile(r"[-a-zA-Z0-9_]+")
    for value in HOSTILE:
        segment = path_segment(value)
        paths = [f"{PETITIONS}{segment}/", f"/petitions/{segment}/count.json"]
        if slug_pattern.fullmatch(as_text(value)):
            # Values the URL pattern lets through reach every view that looks the petition up.
            paths += [
                f"{PETITIONS}{segment}/thanks/",
                f"{PETITIONS}{segment}/confirmed/",
                f"{PETITIONS}{segment}/resend/",
            ]
        for path in paths:
            findings.check_response(value, client.get(path), allowed={404})
    findings.assert_none()


PUBLIC_PAGES = [
    "content:home",
    "content:demands",
    "content:timeline",
    "content:sources",
    "content:privacy",
    "petitions:sign",
    "petitions:thanks",
    "petitions:confirmed",
    "petitions:resend",
    "petition_count",
    "healthz",
]
QUERY_NAMES = ["q", "next", "page", "lang", "name", "email", "country", "token", "slug", "utm_source"]


def test_hostile_query_parameters_change_nothing_on_any_public_page(client, seeded):
    # No public page reads its query string: every value, as a parameter's value and as its
    # name, must leave each page as it is. Sent in batches below DATA_UPLOAD_MAX_NUMBER_FIELDS.
    findings = Findings("query parameters")
    for page in PUBLIC_PAGES:
        url = reverse(page, kwargs={"slug": seeded.slug} if page.startswith("petition") else None)
        baseline = client.get(url)
        assert baseline.status_code == 200, page
        for start in range(0, len(HOSTILE), 16):
            batch = HOSTILE[start : start + 16]
            pairs = [(name, value) for value in batch for name in QUERY_NAMES] + [(value, "1") for value in batch]
            response = client.get(f"{url}?{urlencode(pairs)}")
            for value in batch:
                findings.check_response(value, response, allowed={200}, baseline=baseline.content.decode())
    findings.assert_none()


def test_hostile_accept_language_and_forwarded_for_headers_are_ignored_cleanly(client, seeded, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # so the forwarded address is read at all
    factory = RequestFactory()
    findings = Findings("request headers")
    count_url = reverse("petition_count", kwargs={"slug": seeded.slug})
    for value in HOSTILE:
        # As a WSGI server hands a header over: its bytes, read as Latin-1.
        header = (value if isinstance(value, bytes) else value.encode("utf-8")).decode("latin-1")
        request = factory.get("/", HTTP_ACCEPT_LANGUAGE=header, HTTP_X_FORWARDED_FOR=header)
        try:
            country = country_from_language(request)
            ip = client_ip(request)
        except Exception as exc:  # noqa: BLE001 - the finding is that it raised
            findings.add(value, f"raised {type(exc).__name__}")
            continue
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            findings.add(value, f"country guessed as {country!r}")
        if ip is not None and str(ipaddress.ip_address(ip)) != ip:
            findings.add(value, f"client address read as {ip!r}")
        # Through every middleware (locale negotiation included).
        findings.check_response(
            value, client.get(count_url, HTTP_ACCEPT_LANGUAGE=header, HTTP_X_FORWARDED_FOR=header), allowed={200}
        )
    findings.assert_none()
