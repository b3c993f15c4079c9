"""The privacy page's promises that no other test pinned, each test named after its sentence:
change the text without the code, or the code without the text, and one fails.
docs/privacy-promises.md maps every sentence to the code that keeps it and the test that pins it."""

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from campaign.petitions.counting import signature_counts_update
from campaign.petitions.models import Invalidation, Signature
from campaign.petitions.services import email_lookup
from campaign.petitions.views import SENT_TO_COOKIE
from tests.conftest import StaffClient
from tests.exports.helpers import body, download, staff_user
from tests.factories import SignatureFactory


@pytest.fixture(autouse=True)
def in_english():
    """The page's English text is what these tests read (ru and kk: tests/content/test_translations.py)."""
    with translation.override("en"):
        yield


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def privacy_says(sentence: str) -> bool:
    return sentence in text_of(Client().get(reverse("content:privacy")).content.decode())


def link_in(message, kind: str) -> str:
    """The path of the kind of link the email carries, as the signer's browser would open it."""
    return urlsplit(re.search(rf"https?://\S+/petitions/{kind}/[^/\s]+/", message.body).group(0)).path


def sign(client, petition, capture, **fields):
    data = {"name": "Aigerim Bekova", "email": "aigerim@example.org", "country": "KZ", **fields}
    with capture(execute=True):
        return client.post(reverse("petitions:sign", kwargs={"slug": petition.slug}), data)


def public_pages(petition) -> list[str]:
    pages = [reverse(name) for name in ("content:home", "content:privacy", "content:timeline")]
    pages += [reverse(f"petitions:{name}", kwargs={"slug": petition.slug}) for name in ("sign", "countries")]
    return pages


def test_what_we_collect_your_name_email_country_three_choices_language_notice_version_and_dates(
    seeded, django_capture_on_commit_callbacks
):
    """ "Your full name, email address and country." / "Your three optional choices …" /
    "The language you used the site in." / "The version of this notice you were shown." /
    "When you signed and when you confirmed your signature." """
    assert privacy_says("Your full name, email address and country.")
    assert privacy_says(
        "Your three optional choices: “show my first name and country among recent signers”, “keep me updated"
        " about this campaign” and “count my signature but leave my name off the list given to the authorities”."
    )
    assert privacy_says("The language you used the site in.")
    assert privacy_says("The version of this notice you were shown.")
    assert privacy_says("When you signed and when you confirmed your signature.")
    assert privacy_says(
        "If you opened the petition by a link carrying a partner's or a share button's code (“?source=…” in the"
        " address), that code."
    )
    client = Client()
    with translation.override("kk"):
        form = client.get(reverse("petitions:sign", kwargs={"slug": seeded.slug})).content.decode()
    # The form asks for exactly these (besides a bot trap, the submit button, the language switcher
    # and the ?source= code the page was opened with).
    asked = set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', form))
    asked -= {"csrfmiddlewaretoken", "website"}
    assert asked >= {"name", "email", "country", "show_publicly", "keep_updated", "leave_name_off"}
    assert asked - {"name", "email", "country", "show_publicly", "keep_updated", "leave_name_off"} <= {
        "next",
        "sign",
        "source",
    }
    # The three choices are optional and start unticked.
    for choice in ("show_publicly", "keep_updated", "leave_name_off"):
        tag = re.search(rf'<input\b[^>]*name="{choice}"[^>]*>', form).group(0)
        assert 'type="checkbox"' in tag and "checked" not in tag and "required" not in tag
    with translation.override("kk"):
        sign(client, seeded, django_capture_on_commit_callbacks, keep_updated="on")
    row = Signature.objects.get()
    assert (row.name, row.email, row.country) == ("Aigerim Bekova", "aigerim@example.org", "KZ")
    assert (row.show_publicly, row.keep_updated, row.leave_name_off) == (False, True, False)
    assert row.language == "kk"
    assert row.consent_version == settings.PETITION_CONSENT_VERSION
    assert row.signed_at is not None and row.confirmed_at is None
    client.post(link_in(mail.outbox[-1], "confirm"))
    assert Signature.objects.get().confirmed_at is not None


def test_your_ip_address_is_never_shown(seeded):
    """ "Your IP address. We use it only to check for abuse: moderators can see it, but it is never
    shown publicly or exported …"
    (exports: tests/exports/test_contents.py::test_no_export_ever_carries_ip_addresses_or_tokens)."""
    assert privacy_says(
        "Your IP address. We use it only to check for abuse: moderators can see it, but it is never shown publicly or exported"
    )
    SignatureFactory(petition=seeded, confirmed=True, show_publicly=True, ip_address="203.0.113.77")
    signature_counts_update()
    for page in public_pages(seeded):
        assert "203.0.113.77" not in Client().get(page).content.decode(), page


def test_we_send_you_one_email_to_confirm_after_that_only_if_you_chose_keep_me_updated(
    seeded, django_capture_on_commit_callbacks
):
    """ "We send you one email to confirm your signature. After that, we email you only if you
    chose “keep me updated about this campaign”." The site itself sends nothing after confirming:
    campaign news goes out from the contact list, which holds only those who chose it."""
    assert privacy_says("We send you one email to confirm your signature.")
    assert privacy_says("After that, we email you only if you chose “keep me updated about this campaign”.")
    client = Client()
    sign(client, seeded, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["aigerim@example.org"]
    link = link_in(mail.outbox[0], "confirm")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
        signature_counts_update()
    assert Signature.objects.get().state == Signature.State.CONFIRMED
    assert len(mail.outbox) == 1
    organizer = StaffClient()
    organizer.force_login(staff_user("export_supporters", username="organizer"))
    contact = download(organizer, seeded, audience="contactable")
    assert contact.status_code == 200 and b"aigerim@example.org" not in body(contact)


def test_we_never_publish_your_name_unless_you_choose_to_if_you_do_only_first_name_and_country(seeded):
    """ "We never publish your name unless you choose to. If you do, we show only your first
    name and your country." """
    assert privacy_says(
        "We never publish your name unless you choose to. If you do, we show only your first name and your country."
    )
    SignatureFactory(petition=seeded, confirmed=True, name="Zhanar Quietova", country="KZ")
    SignatureFactory(petition=seeded, confirmed=True, name="Dariga Shownova", country="FR", show_publicly=True)
    signature_counts_update()
    pages = {page: Client().get(page).content.decode() for page in public_pages(seeded)}
    assert any("Dariga" in html for html in pages.values()), "the signer who chose it is shown"
    for page, html in pages.items():
        for never in ("Zhanar", "Quietova", "Shownova", "@example.org"):
            assert never not in html, (page, never)


def test_organizers_can_export_the_details_of_supporters_who_chose_to_be_kept_updated_and_nobody_elses(seeded):
    """ "Organizers, who are campaign staff, can export the details of supporters who chose to be
    kept updated, and nobody else’s." and "… a list of signers’ names and countries. It never
    includes email addresses." """
    assert privacy_says(
        "Organizers, who are campaign staff, can export the details of supporters who chose to be kept updated,"
        " and nobody else’s."
    )
    assert privacy_says("organizers can also prepare a list of signers’ names and countries. It never includes email")
    SignatureFactory(petition=seeded, confirmed=True, email="wants@example.org", keep_updated=True)
    SignatureFactory(petition=seeded, confirmed=True, email="quiet@example.org", name="Quiet Person")
    client = StaffClient()
    client.force_login(staff_user("export_supporters", username="organizer"))
    response = download(client, seeded, audience="contactable")
    assert response.status_code == 200, response.content.decode()[-3000:]
    contact = body(response).decode()
    assert "wants@example.org" in contact and "quiet@example.org" not in contact
    # (xlsx has the same rows: tests/exports/test_contents.py::test_xlsx_export_has_the_same_rows_as_csv)
    assert b"@" not in body(download(client, seeded, audience="delivery"))
    assert "Quiet Person" in body(download(client, seeded, audience="delivery")).decode()
    # The organizer cannot widen the contact list to those who did not choose it.
    widened = download(client, seeded, audience="contactable", states=["confirmed", "pending", "rejected"])
    assert widened.status_code == 400 and b"quiet@example.org" not in body(widened)


def test_nobody_else_can_see_your_details(seeded):
    """ "Nobody else can see your details." A visitor without a staff login reaches no list of
    signers, and no public page or answer carries a signer's email or full name."""
    assert privacy_says("Nobody else can see your details. We never sell them or share them with third parties.")
    signature = SignatureFactory(petition=seeded, confirmed=True, name="Saule Private", email="saule@example.org")
    signature_counts_update()
    visitor = Client()
    for page in public_pages(seeded):
        html = visitor.get(page).content.decode()
        assert "saule@example.org" not in html and "Saule Private" not in html
    for url in (
        reverse("exports:start"),
        reverse("admin:petitions_signature_changelist"),
        reverse("admin:petitions_signature_change", args=[signature.pk]),
    ):
        response = visitor.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    assert visitor.post(reverse("exports:download"), {"petition": seeded.slug}).status_code == 302


def test_no_page_loads_third_party_scripts_or_fonts_everything_comes_from_our_own_server(seeded):
    """ "No page on this site loads third-party scripts or fonts, and we use no trackers or
    analytics. Everything comes from our own server." The browser enforces it: the policy allows
    nothing but this site (and the markup: tests/content/test_pages.py::test_pages_load_nothing_from_another_origin)."""
    assert privacy_says(
        "No page on this site loads third-party scripts or fonts, and we use no trackers or analytics."
        " Everything comes from our own server."
    )
    for page in public_pages(seeded):
        policy = Client().get(page)["Content-Security-Policy"]
        directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
        for directive in ("default-src", "script-src", "style-src", "font-src", "img-src", "connect-src"):
            sources = directives.get(directive, directives["default-src"])
            assert set(sources) <= {"'self'", "'none'", "data:"}, (page, directive, sources)


def test_we_set_a_security_cookie_a_language_cookie_only_if_you_choose_and_no_other_cookies(
    seeded, django_capture_on_commit_callbacks
):
    """ "We set a security cookie that protects our forms against forgery and, only if you choose a
    language with the language buttons, a cookie that remembers your choice. Staff who log in also
    get a session cookie. We use no other cookies." (with the sentence on the cookie kept after
    signing, which holds the typed address for the thank-you page only, 30 minutes at most)"""
    assert privacy_says(
        "We set a security cookie that protects our forms against forgery and, only if you choose a language"
        " with the language buttons, a cookie that remembers your choice. When you sign, a cookie kept for 30"
        " minutes lets the next page show the email address you typed, so that you can spot a mistake. Staff who"
        " log in also get a session cookie. We use no other cookies."
    )
    signer = Client()
    for page in public_pages(seeded):
        signer.get(page)
    signed = sign(signer, seeded, django_capture_on_commit_callbacks, email="cookie@example.org")
    typed = signed.cookies[SENT_TO_COOKIE]
    assert typed["max-age"] == 30 * 60 and typed["httponly"]
    assert typed["path"] == reverse("petitions:thanks", kwargs={"slug": seeded.slug})
    link = link_in(mail.outbox[-1], "confirm")
    signer.get(link)
    with django_capture_on_commit_callbacks(execute=True):
        signer.post(link)
        signer.post(reverse("petitions:manage_request", kwargs={"slug": seeded.slug}), {"email": "cookie@example.org"})
    manage = link_in(mail.outbox[-1], "manage")
    signer.get(manage)
    signer.post(manage, {"download": ""})
    assert set(signer.cookies) == {settings.CSRF_COOKIE_NAME, SENT_TO_COOKIE}
    signer.post(reverse("set_language"), {"language": "ru", "next": "/ru/"})
    assert set(signer.cookies) == {settings.CSRF_COOKIE_NAME, SENT_TO_COOKIE, settings.LANGUAGE_COOKIE_NAME}
    staff = StaffClient()
    staff.force_login(staff_user("export_supporters", username="organizer"))
    staff.get(reverse("exports:start"))
    assert set(staff.cookies) <= {settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME}


def test_you_can_withdraw_your_signature_at_any_time_by_emailing_us(seeded):
    """ "You can withdraw your signature at any time by emailing …" and "To do so, email …": the
    address shown is the campaign's, and a mail link to it. Staff erasure itself is pinned by
    tests/moderation/test_anonymise.py::test_staff_erasure_goes_through_the_same_scrub."""
    address = settings.CAMPAIGN_CONTACT_EMAIL
    assert privacy_says(f"You can withdraw your signature at any time by emailing {address} .")
    assert privacy_says(f"To do so, email {address} .")
    html = Client().get(reverse("content:privacy")).content.decode()
    assert html.count(f'<a href="mailto:{address}">{address}</a>') >= 2


def test_the_notice_beside_the_form_says_what_the_privacy_page_and_the_code_do():
    """The notice beside the form: "We keep your IP address for 30 days to stop fraud" is written
    out, so it is pinned to the setting that deletes it; the rest repeats the privacy page."""
    notice = text_of(render_to_string("petitions/_data_notice.html"))
    assert f"We keep your IP address for {settings.PETITION_IP_RETENTION_DAYS} days to stop fraud" in notice
    assert "When we hand the petition over, the list holds names and countries, never emails" in notice
    assert "Every email we send has a link to change your choices, download your data or withdraw" in notice


def test_we_delete_your_ip_address_after_30_days_from_an_invalidation_by_ip_too(
    seeded, settings, django_capture_on_commit_callbacks
):
    """ "… and we delete it after 30 days." A moderator's invalidation by IP holds the IP of the
    signatures it rejected: it goes with theirs, and reversing still restores them."""
    from campaign.moderation import invalidations
    from campaign.petitions.services import personal_data_purge

    days = settings.PETITION_IP_RETENTION_DAYS
    assert privacy_says(f"it is never shown publicly or exported, and we delete it after {days} days.")
    ip = "203.0.113.66"
    bot = SignatureFactory(petition=seeded, confirmed=True, name="Bot Account", ip_address=ip)
    moderator = staff_user(username="moderator")
    preview = invalidations.invalidation_preview(petition=seeded, criteria={"ip": ip, "name_shape": "Aa Aa"})
    with django_capture_on_commit_callbacks(execute=True):
        invalidation = invalidations.invalidation_create(
            actor=moderator, petition=seeded, criteria=preview["criteria"], reason="bots", matched=preview["matched"]
        )
    assert Signature.objects.get(pk=bot.pk).state == Signature.State.REJECTED

    personal_data_purge()  # the signature still holds its IP: so may the invalidation
    assert Invalidation.objects.get(pk=invalidation.pk).criteria["ip"] == ip

    Signature.objects.filter(pk=bot.pk).update(signed_at=timezone.now() - timedelta(days=days + 1))
    personal_data_purge()
    criteria = Invalidation.objects.get(pk=invalidation.pk).criteria
    assert ip not in json.dumps(criteria) and criteria["scrubbed"] == ["ip"]
    assert Signature.objects.get(pk=bot.pk).ip_address is None

    with django_capture_on_commit_callbacks(execute=True):
        invalidations.invalidation_reverse(actor=moderator, invalidation_id=invalidation.pk)
    assert Signature.objects.get(pk=bot.pk).state == Signature.State.CONFIRMED


def test_administrators_who_run_the_site_can_see_and_export_all_of_it(seeded):
    """ "Administrators, who are campaign staff and run the site, can see and export all of it." The
    page names every role that reaches a signer's details: here the one that reaches all of them."""
    from tests.factories import UserFactory

    assert privacy_says("Administrators, who are campaign staff and run the site, can see and export all of it")
    quiet = SignatureFactory(petition=seeded, confirmed=True, keep_updated=False, email="quiet.admin@example.org")
    administrator = StaffClient()
    administrator.force_login(UserFactory(groups=["Administrator"]))
    page = administrator.get(reverse("admin:petitions_signature_change", args=[quiet.pk]))
    assert page.status_code == 200 and "quiet.admin@example.org" in page.content.decode()


def test_moderators_can_see_your_ip_address_to_check_for_abuse(seeded):
    """ "We use it only to check for abuse: moderators can see it …" """
    from tests.factories import UserFactory

    assert privacy_says("We use it only to check for abuse: moderators can see it")
    signature = SignatureFactory(petition=seeded, ip_address="203.0.113.88")
    moderator = StaffClient()
    moderator.force_login(UserFactory(groups=["Moderator"]))
    page = moderator.get(reverse("admin:petitions_signature_change", args=[signature.pk]))
    assert page.status_code == 200 and "203.0.113.88" in page.content.decode()


def test_under_the_gdpr_you_can_ask_to_correct_them(seeded, django_capture_on_commit_callbacks):
    """ "Under the GDPR you can ask to see the details we hold about you, to correct them, or to
    erase them." Correcting: the signer corrects their name from the "Manage my signature" page
    (self_service.signature_name_correct); staff correct a name or an address on the signer's
    request (moderation.corrections.signature_correct), the address with what is derived from
    it recomputed; neither leaves the old values in the audit log."""
    from campaign.moderation.corrections import Correction, signature_correct
    from campaign.petitions.models import AuditEntry
    from campaign.petitions.tokens import manage_token_make
    from tests.factories import UserFactory

    assert privacy_says(
        "Under the GDPR you can ask to see the details we hold about you, to correct them, or to erase them."
    )
    signature = SignatureFactory(petition=seeded, name="Aigerm Bekova", email="aigerim@gmial.com", confirmed=True)
    manage = reverse("petitions:manage", kwargs={"token": manage_token_make(public_id=signature.public_id)})
    page = Client().get(manage).content.decode()
    assert "Correct your name" in page and "To change your email address, write to us at" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(manage, {"name": "Aigerim Bekova", "correct_name": ""}).status_code == 302
    assert "Signed as Aigerim Bekova" in Client().get(manage).content.decode()

    # Staff, on the signer's written request from her right address.
    moderator = UserFactory(groups=["Moderator"])
    client = StaffClient()
    client.force_login(moderator)
    url = reverse("moderation:signature_correct", args=[signature.pk])
    response = client.post(url, {"name": "Aigerim Bekova", "email": "aigerim@gmail.com"})
    assert response.status_code == 302
    row = Signature.objects.get(pk=signature.pk)
    assert (row.name, row.email, row.email_index, row.email_domain) == (
        "Aigerim Bekova",
        "aigerim@gmail.com",
        email_lookup("aigerim@gmail.com"),
        "gmail.com",
    )
    assert signature_correct(actor=moderator, signature_id=signature.pk, name="Aigerim Bekova") is (
        Correction.UNCHANGED
    )
    recorded = json.dumps(list(AuditEntry.objects.values_list("details", flat=True)), ensure_ascii=False)
    assert "igerim" not in recorded and "igerm" not in recorded and "gmial" not in recorded
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "signature_correct_by_signer",
        "signature_correct",
    }
