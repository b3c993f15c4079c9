"""A mistyped address is not a dead end: a suggestion for the domain, the address shown on the
thank-you page with a way to fix it, and a link to the big providers' webmail."""

from django.test import Client
from django.urls import reverse

from campaign.petitions.email_typos import email_suggestion, webmail_for
from campaign.petitions.models import Signature

from .test_signing import sign


def test_gmial_con_is_met_with_did_you_mean_gmail_com_and_nothing_is_signed_yet(
    client, petition, django_capture_on_commit_callbacks
):
    response = sign(client, petition, django_capture_on_commit_callbacks, email="kate.miller@gmial.con")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Did you mean kate.miller@gmail.com?" in page
    assert 'value="kate.miller@gmial.con"' in page  # what they typed is still there to correct
    assert not Signature.objects.exists()


def test_sending_the_same_address_again_keeps_it_as_typed(client, petition, django_capture_on_commit_callbacks):
    response = sign(
        client,
        petition,
        django_capture_on_commit_callbacks,
        email="kate.miller@gmial.con",
        email_kept="kate.miller@gmial.con",
    )

    assert response.status_code == 302
    assert Signature.objects.get().email == "kate.miller@gmial.con"


def test_the_correction_is_suggested_for_the_regions_providers_and_not_for_right_addresses():
    assert email_suggestion("zhanna@mail.ri") == "zhanna@mail.ru"
    assert email_suggestion("zhanna@yandx.ru") == "zhanna@yandex.ru"
    assert email_suggestion("Kate@hotmial.com") == "Kate@hotmail.com"
    right_as_typed = ("a@gmail.com", "a@mail.ru", "a@yandex.kz", "a@nu.edu.kz", "a@example.org", "a@list.ru")
    # Real domains near a listed one: a country code we do not list, a short name.
    for right in (*right_as_typed, "a@company.am", "zhanna@пример.рф", "a@site.ge", "a@firm.co"):
        assert email_suggestion(right) is None, right


def test_the_thank_you_page_shows_where_the_email_went_and_how_to_fix_a_typo(
    client, petition, django_capture_on_commit_callbacks
):
    response = sign(client, petition, django_capture_on_commit_callbacks, email="aigerim.b@gmail.com")
    page = client.get(response["Location"])

    text = page.content.decode()
    assert "aigerim.b@gmail.com" in text
    assert 'href="https://mail.google.com/"' in text and "Open Gmail" in text
    assert "Typed it wrong?" in text and reverse("petitions:sign", kwargs={"slug": petition.slug}) in text
    assert "no-store" in page["Cache-Control"]  # no shared cache keeps a page with an address


def test_the_thank_you_page_shows_an_address_only_to_the_browser_that_typed_it(
    client, petition, django_capture_on_commit_callbacks
):
    sign(client, petition, django_capture_on_commit_callbacks, email="aigerim.b@gmail.com")
    thanks = reverse("petitions:thanks", kwargs={"slug": petition.slug})

    assert "@" not in Client().get(thanks).content.decode().split("<main", 1)[1].split("</main>")[0]
    forged = Client()
    forged.cookies["sent_to"] = "victim@example.org"  # not signed by the site: ignored
    assert "victim@example.org" not in forged.get(thanks).content.decode()


def test_the_open_your_mail_link_is_offered_for_the_big_providers_only():
    assert webmail_for("a@Mail.ru") == ("Mail.ru", "https://e.mail.ru/")
    assert webmail_for("a@yandex.kz")[0] == "Yandex Mail"
    assert webmail_for("a@example.org") is None


def test_an_address_with_a_cyrillic_domain_is_shown_back_on_the_thank_you_page(
    client, petition, django_capture_on_commit_callbacks
):
    response = sign(client, petition, django_capture_on_commit_callbacks, email="zhanna@пример.рф")

    assert response.status_code == 302
    assert "zhanna@пример.рф" in client.get(response["Location"]).content.decode()
