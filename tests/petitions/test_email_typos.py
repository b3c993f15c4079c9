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


def _one_slip_away(domain: str) -> set[str]:
    """Every domain one keystroke from `domain`: a letter dropped, doubled, swapped or replaced."""
    letters = "aoi."
    out = set()
    for i in range(len(domain)):
        out.add(domain[:i] + domain[i + 1 :])
        out.add(domain[:i] + domain[i] + domain[i:])
        out.add(domain[:i] + domain[i + 1 : i + 2] + domain[i] + domain[i + 2 :])
        out.update(domain[:i] + c + domain[i + 1 :] for c in letters)
    return out


def test_the_quick_typo_check_suggests_exactly_what_pymailcheck_alone_does():
    # The typo check compares a domain only with the listed names that can be closest; over typos
    # of every listed domain and unlisted domains of every length, it finds what the full
    # comparison finds.
    import pymailcheck

    from campaign.petitions import email_typos

    def full(domain):
        found = pymailcheck.suggest(
            f"x@{domain}",
            domains=email_typos.DOMAINS,
            second_level_domains=email_typos.SECOND_LEVEL_DOMAINS,
            top_level_domains=email_typos.TOP_LEVEL_DOMAINS,
        )
        return found["domain"] if found else None

    domains = {"a.b", "x", "mail.kz", "company.am", "пример.рф", "nu.edu.kz", "d12.bench.example", "İ.com"}
    domains |= {f"{'q' * n}.{tld}" for n in range(1, 20) for tld in ("com", "co", "kz", "edu.kz")}
    for listed in email_typos.DOMAINS[:30]:
        domains |= _one_slip_away(listed)
    # A name cut short is a candidate's prefix, the nearest a shorter name can be: "hot" is within
    # the threshold of "hotmail", four letters longer.
    for name in (*email_typos.DOMAINS, *email_typos.SECOND_LEVEL_DOMAINS):
        domains |= {f"{name[:cut]}.com" for cut in range(1, len(name))}
    domains |= {f"sample.{tld[:cut]}" for tld in email_typos.TOP_LEVEL_DOMAINS for cut in range(1, len(tld))}
    suggested = 0
    for domain in sorted(domains):
        expected = full(domain)
        assert email_typos._pymailcheck_domain(domain) == expected, domain
        suggested += bool(expected)
    assert suggested > 1000  # the corpus is mostly typos that get a suggestion
