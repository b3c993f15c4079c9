"""Where signers came from: `?source=CODE` on a link to the petition is kept with the signature
and shown only as totals per code, on the dashboard and in the delivery report."""

import csv
import io
import re
from html import unescape

import pytest
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from campaign.content import views as content_views
from campaign.moderation.erasure import signatures_personal_data_erase
from campaign.petitions import services
from campaign.petitions.models import Signature, SourceCode
from campaign.petitions.self_service import signature_withdraw
from campaign.petitions.services import email_lookup
from tests.factories import UserFactory

SOURCE_INPUT = re.compile(r'<input type="hidden" name="source" value="([^"]*)" id="id_source">')
FORM_ACTION = re.compile(r'<form\s+action="([^"]+)" novalidate="" method="post"')
# What an attacker or a broken link might put in the parameter.
HOSTILE = [
    "",
    " ",
    "a" * 33,
    "x" * 10_000,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "partner-a\n",
    "partner-a\r\nSet-Cookie: a=b",
    "partner-a\x00",
    "partner a",
    "../../etc/passwd",
    "partnér",
    "ｐａｒｔｎｅｒ",  # full-width letters: \w would take them, the code does not
    "%00",
    "' OR 1=1 --",
    "{{ 7*7 }}",
]


@pytest.fixture
def partner(db):
    return SourceCode.objects.create(code="partner-a", label="Partner A")


@pytest.fixture
def organizer_client(client, settings, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(UserFactory(username="organizer", groups=["Organizer"]))
    return client


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def sign_from(client, page: str, email: str, capture) -> None:
    """Open `page` (with its query string) as a visitor does, then send its sign form."""
    html = client.get(page).content.decode()
    data = {"name": "Aigerim Bekova", "email": email, "country": "KZ", "source": SOURCE_INPUT.search(html).group(1)}
    with capture(execute=True):
        response = client.post(unescape(FORM_ACTION.search(html).group(1)), data)
    assert response.status_code == 302


def source_of(email: str) -> str | None:
    signature = Signature.objects.select_related("source").get(email_index=email_lookup(email))
    return signature.source.code if signature.source else None


def source_row(html_text: str, label: str) -> str:
    """The words of the row of `label` in the page's text (up to the next row's label)."""
    return html_text.split(label, 1)[1][:80].strip() + " "


def test_a_signature_from_a_partners_link_is_counted_under_it_with_its_confirmation_rate(
    seeded, partner, client, organizer_client, django_capture_on_commit_callbacks
):
    visitor = type(client)()
    sign_from(visitor, "/en/?source=partner-a", "first@example.org", django_capture_on_commit_callbacks)
    sign_from(
        visitor,
        f"/en/petitions/{seeded.slug}/?source=partner-a",
        "second@example.org",
        django_capture_on_commit_callbacks,
    )
    sign_from(visitor, "/en/", "direct@example.org", django_capture_on_commit_callbacks)
    assert [source_of(e) for e in ("first@example.org", "second@example.org", "direct@example.org")] == [
        "partner-a",
        "partner-a",
        None,
    ]
    services.signature_confirm(signature_id=Signature.objects.get(email_index=email_lookup("first@example.org")).pk)
    services.signature_confirm(signature_id=Signature.objects.get(email_index=email_lookup("direct@example.org")).pk)

    dashboard = organizer_client.get(reverse("moderation:dashboard"))
    assert dashboard.status_code == 200
    page = text(dashboard)
    # Signed, confirmed by the signer, rate, counted now.
    assert source_row(page, "partner-a (Partner A)").startswith("2 1 50% 1 ")
    assert source_row(page, "No source code").startswith("1 1 100% 1 ")

    report = organizer_client.get(reverse("exports:report", kwargs={"slug": seeded.slug}))
    page = text(report)
    # Confirmed signatures, signed, rate.
    assert source_row(page, "partner-a (Partner A)").startswith("1 2 50% ")
    assert source_row(page, "No source code").startswith("1 1 100% ")
    # Shown to organizers on screen, left out when the report is printed or saved as PDF.
    assert 'class="organizers-only by-source"' in report.content.decode()


def test_unknown_and_inactive_codes_are_ignored_and_signing_goes_on(
    seeded, partner, client, django_capture_on_commit_callbacks
):
    SourceCode.objects.create(code="old-partner", active=False)
    sign_from(client, "/en/?source=nobody", "unknown@example.org", django_capture_on_commit_callbacks)
    sign_from(client, "/en/?source=old-partner", "inactive@example.org", django_capture_on_commit_callbacks)
    assert source_of("unknown@example.org") is None
    assert source_of("inactive@example.org") is None


def test_signing_again_keeps_the_source_of_the_first_signature(
    seeded, partner, client, django_capture_on_commit_callbacks
):
    SourceCode.objects.create(code="partner-b")
    sign_from(client, "/en/?source=partner-a", "twice@example.org", django_capture_on_commit_callbacks)
    sign_from(client, "/en/?source=partner-b", "twice@example.org", django_capture_on_commit_callbacks)
    assert source_of("twice@example.org") == "partner-a"


@pytest.mark.parametrize("value", HOSTILE)
def test_a_bad_source_parameter_is_never_an_error_and_never_echoed(
    seeded, partner, client, value, django_capture_on_commit_callbacks
):
    for page in ("/en/", f"/en/petitions/{seeded.slug}/", f"/en/petitions/{seeded.slug}/widget/"):
        response = client.get(page, {"source": value})
        assert response.status_code == 200, page
        html = response.content.decode()
        if len(value.strip()) > 3:
            assert value not in html and value.strip() not in html, page
    assert SOURCE_INPUT.search(client.get("/en/", {"source": value}).content.decode()).group(1) == ""
    # Posted straight to the form: the signature is kept, with no source, and no field error.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("petitions:sign", kwargs={"slug": seeded.slug}),
            {"name": "Aigerim Bekova", "email": "hostile@example.org", "country": "KZ", "source": value},
        )
    assert response.status_code == 302
    assert source_of("hostile@example.org") is None


def test_repeated_source_parameters_take_one_code(seeded, partner, client):
    html = client.get("/en/?source=nobody&source=partner-a").content.decode()
    assert SOURCE_INPUT.search(html).group(1) == "partner-a"


def test_the_home_page_is_rendered_once_whatever_the_source(seeded, partner, client):
    rendered = []

    def count(sender, template, context, **kwargs):
        if template.name == "content/home.html":
            rendered.append(template.name)

    template_rendered.connect(count)
    try:
        seen = {}
        for value in ("", "partner-a", "partner-b", "<script>", "partner-a"):
            html = client.get("/en/", {"source": value} if value else {}).content.decode()
            seen[value] = SOURCE_INPUT.search(html).group(1)
    finally:
        template_rendered.disconnect(count)
    assert rendered == ["content/home.html"]  # one render serves every code
    assert list(content_views._pages) == ["en"]  # one copy per language, not per code
    assert seen == {"": "", "partner-a": "partner-a", "partner-b": "partner-b", "<script>": ""}


def test_each_share_button_carries_its_own_channel_code(seeded, client):
    html = client.get(reverse("petitions:confirmed", kwargs={"slug": seeded.slug})).content.decode()
    for code in ("share-whatsapp", "share-telegram", "share-email", "share-bluesky", "share-facebook"):
        assert f"source%3D{code}" in html, code
    assert 'data-url="http://testserver/en/?source=share-link"' in html
    # The codes exist from the start, so signatures by these links are counted under them.
    assert set(SourceCode.objects.filter(active=True).values_list("code", flat=True)) >= {
        "share-whatsapp",
        "share-telegram",
        "share-email",
        "share-bluesky",
        "share-facebook",
        "share-link",
        "widget",
    }


def test_the_widget_button_carries_the_partners_code_or_the_widgets_own(seeded, client):
    url = f"/en/petitions/{seeded.slug}/widget/"
    assert (
        f'href="/en/petitions/{seeded.slug}/?source=partner-a"'
        in client.get(url, {"source": "partner-a"}).content.decode()
    )
    assert f'href="/en/petitions/{seeded.slug}/?source=widget"' in client.get(url).content.decode()
    assert f'href="/en/petitions/{seeded.slug}/?source=widget"' in client.get(url, {"source": "<b>"}).content.decode()


def test_withdrawal_and_anonymisation_keep_the_figures_per_source_right(
    seeded, partner, client, organizer_client, django_capture_on_commit_callbacks
):
    for email in ("stays@example.org", "withdraws@example.org", "anonymised@example.org"):
        sign_from(client, "/en/?source=partner-a", email, django_capture_on_commit_callbacks)
        services.signature_confirm(signature_id=Signature.objects.get(email_index=email_lookup(email)).pk)
    withdrawing = Signature.objects.get(email_index=email_lookup("withdraws@example.org"))
    assert signature_withdraw(signature_id=withdrawing.pk)
    # Closed, then anonymised by retention: still counted, as in the report's total.
    seeded.closed_at = timezone.now()
    seeded.save(update_fields=["closed_at"])
    signatures_personal_data_erase(
        signature_ids=[Signature.objects.get(email_index=email_lookup("anonymised@example.org")).pk]
    )

    page = text(organizer_client.get(reverse("moderation:dashboard")))
    assert source_row(page, "partner-a (Partner A)").startswith("3 3 100% 2 ")  # the withdrawn one is not counted
    page = text(organizer_client.get(reverse("exports:report", kwargs={"slug": seeded.slug})))
    assert source_row(page, "partner-a (Partner A)").startswith("2 3 100% ")


def test_no_export_per_person_says_which_link_a_supporter_came_by(
    seeded, partner, client, organizer_client, django_capture_on_commit_callbacks
):
    sign_from(client, "/en/?source=partner-a", "exported@example.org", django_capture_on_commit_callbacks)
    Signature.objects.filter(email_index=email_lookup("exported@example.org")).update(keep_updated=True)
    services.signature_confirm(signature_id=Signature.objects.get(email_index=email_lookup("exported@example.org")).pk)
    for audience in ("contactable", "delivery"):
        response = organizer_client.post(
            reverse("exports:download"),
            {"petition": seeded.slug, "audience": audience, "states": ["confirmed"], "file_format": "csv"},
        )
        assert response.status_code == 200, audience
        data = b"".join(response.streaming_content) if response.streaming else response.content
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"))))
        assert rows, audience
        assert "partner-a" not in data.decode() and "source" not in rows[0], audience


def test_the_signer_finds_the_code_of_their_link_in_their_own_data(
    seeded, partner, client, django_capture_on_commit_callbacks
):
    from campaign.petitions.self_service import signature_personal_data

    sign_from(client, "/en/?source=partner-a", "mine@example.org", django_capture_on_commit_callbacks)
    data = signature_personal_data(signature=Signature.objects.get(email_index=email_lookup("mine@example.org")))
    assert data["link_source_code"] == "partner-a"


def test_deleting_a_code_signatures_carry_is_refused(seeded, partner, client, django_capture_on_commit_callbacks):
    from django.db.models import ProtectedError

    sign_from(client, "/en/?source=partner-a", "kept@example.org", django_capture_on_commit_callbacks)
    with pytest.raises(ProtectedError):
        partner.delete()


def test_the_page_you_came_from_is_never_recorded(seeded, partner, client, django_capture_on_commit_callbacks):
    referrer = "https://partner.example/members/secret-page?who=aigerim"
    html = client.get("/en/?source=partner-a", HTTP_REFERER=referrer).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            unescape(FORM_ACTION.search(html).group(1)),
            {"name": "Aigerim Bekova", "email": "came@example.org", "country": "KZ", "source": "partner-a"},
            HTTP_REFERER=referrer,
        )
    row = Signature.objects.filter(email_index=email_lookup("came@example.org")).values().get()
    assert not any("partner.example" in str(value) or "secret-page" in str(value) for value in row.values())
    assert source_of("came@example.org") == "partner-a"


def test_changing_language_keeps_the_code_and_no_visitor_gets_anothers(seeded, partner, client):
    next_input = re.compile(r'<input type="hidden" name="next" value="([^"]*)">')
    html = client.get("/en/?source=partner-a").content.decode()
    assert next_input.search(html).group(1) == "/en/?source=partner-a"
    # The same cached page, for a visitor with no code and one with a bad one.
    assert next_input.search(client.get("/en/").content.decode()).group(1) == "/en/"
    assert next_input.search(client.get("/en/?source=<b>").content.decode()).group(1) == "/en/"
    sign_page = client.get(f"/en/petitions/{seeded.slug}/?source=partner-a").content.decode()
    assert next_input.search(sign_page).group(1) == f"/en/petitions/{seeded.slug}/?source=partner-a"

    response = client.post(reverse("set_language"), {"language": "ru", "next": "/en/?source=partner-a"})
    assert response.status_code == 302 and response["Location"] == "/ru/?source=partner-a"
    html = client.get(response["Location"]).content.decode()
    assert SOURCE_INPUT.search(html).group(1) == "partner-a"


def test_an_organizer_creates_a_code_in_the_admin_and_a_malformed_one_is_refused(organizer_client):
    add = reverse("admin:petitions_sourcecode_add")
    assert organizer_client.get(add).status_code == 200
    refused = organizer_client.post(add, {"code": "partner a", "label": "Partner A", "active": "on"})
    assert refused.status_code == 200 and "Use 1 to 32 letters, digits" in refused.content.decode()
    created = organizer_client.post(add, {"code": "partner-a", "label": "Partner A", "active": "on"})
    assert created.status_code == 302
    assert SourceCode.objects.get(code="partner-a").active


def test_the_embed_page_warns_of_a_code_that_does_not_exist_yet(organizer_client, seeded, partner):
    embed = reverse("admin:content_partnerorigin_embed")
    missing = organizer_client.get(embed, {"source": "partner-z"}).content.decode()
    assert "No active source code" in missing
    assert "widget/?source=partner-z" in missing  # the snippet carries the partner's code
    assert "No active source code" not in organizer_client.get(embed, {"source": "partner-a"}).content.decode()
    assert organizer_client.get(embed, {"source": "partner-a\n"}).status_code == 400
