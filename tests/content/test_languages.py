"""Three languages: the URL says which, `/` chooses one (Kazakh and Russian before English), the
switcher changes it without JavaScript and is remembered, every page names its versions in the
other languages, and a signer's emails and links are in the language they signed in."""

import email
import email.policy
import html.parser
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from campaign.content.models import Quote, Source
from campaign.outbox.emails import prepared_signature_email
from campaign.petitions.models import Petition, Signature
from tests.factories import SignatureFactory
from tests.pages import public_pages

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize(
    "header, expected",
    [
        ("en-US,en;q=0.9,ru;q=0.8", "ru"),  # Russian offered beside English: Russian
        ("en,kk;q=0.5,ru;q=0.4", "kk"),  # both: the higher-rated of the two
        ("ru;q=0.5,kk;q=0.9,en", "kk"),
        ("kk-KZ,kk;q=0.9", "kk"),
        ("ru-RU", "ru"),
        ("en-GB,en;q=0.9,de;q=0.5", "en"),
        ("de-DE,de;q=0.9", "en"),  # nothing we have: the default
        ("ru;q=0,en", "en"),  # q=0 means "not Russian"
        ("", "en"),
    ],
)
def test_root_picks_the_language_from_accept_language_preferring_kazakh_and_russian(client, seeded, header, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 302
    assert response["Location"] == f"/{expected}/"
    # An unprefixed link to any page goes to that page in the same language.
    assert client.get("/privacy/", HTTP_ACCEPT_LANGUAGE=header)["Location"] == url("content:privacy", expected)


def test_the_switcher_works_as_a_plain_form_and_root_remembers_the_choice(client, seeded):
    page = client.get(url("content:timeline", "ru")).content.decode()
    form = re.search(r'<form class="language-switcher[^"]*" action="([^"]+)" method="post">(.*?)</form>', page, re.S)
    assert form and form.group(1) == reverse("set_language")
    buttons = re.findall(r'<button type="submit" name="language" value="(\w+)" lang="\w+"', form.group(2))
    assert buttons == LANGUAGES
    assert 'name="next" value="/ru/timeline/"' in form.group(2)

    chosen = client.post(reverse("set_language"), {"language": "kk", "next": "/ru/timeline/"})
    assert chosen.status_code == 302 and chosen["Location"] == url("content:timeline", "kk")
    assert chosen.cookies[settings.LANGUAGE_COOKIE_NAME].value == "kk"
    # The choice outranks the browser's languages on the next visit to /.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ru,en")["Location"] == "/kk/"
    client.post(reverse("set_language"), {"language": "en", "next": "/kk/"})
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ru,en")["Location"] == "/en/"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_names_its_language_and_its_other_versions(client, seeded, language):
    signature = SignatureFactory(petition=seeded)
    for page, (name, kwargs) in public_pages(seeded, signature).items():
        response = client.get(url(name, language, **kwargs))
        html = response.content.decode()
        assert f'<html lang="{language}">' in html, page
        alternates = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', html))
        expected = {code: settings.SITE_URL + url(name, code, **kwargs) for code in LANGUAGES}
        expected["x-default"] = settings.SITE_URL + "/" + url(name, "en", **kwargs).removeprefix("/en/")
        assert alternates == expected, page


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_not_found_page_is_in_the_visitors_language(client, seeded, language):
    response = client.get(url("content:home", language) + "no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert {"ru": "Страница не найдена", "kk": "Бет табылмады"}[language] in html


def test_form_errors_are_in_russian(client, seeded):
    response = client.post(url("petitions:sign", "ru", slug=seeded.slug), {"name": "", "email": "nope", "country": ""})
    assert response.status_code == 400
    html = response.content.decode()
    for message in (
        "Исправьте, пожалуйста, отмеченные ниже поля",
        "Укажите имя и фамилию.",
        "Укажите правильный адрес электронной почты, например name@example.org.",
        "Выберите страну.",
    ):
        assert message in html
    assert "Please" not in html


@pytest.mark.parametrize(
    "language, kazakhstan, before, after",
    [
        ("en", "Kazakhstan", "Jordan", "Kenya"),
        ("ru", "Казахстан", "Кабо-Верде", "Катар"),
        # CLDR names, in the Kazakh alphabet's order (Ә right after А, not after Я as code points sort).
        ("kk", "Қазақстан", "Әзірбайжан", "Багам аралдары"),
    ],
)
def test_the_country_list_is_in_the_page_language_and_its_alphabetical_order(
    client, seeded, language, kazakhstan, before, after
):
    html = client.get(url("petitions:sign", language, slug=seeded.slug)).content.decode()
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', html)
    assert len(names) == 249 and kazakhstan in names
    assert names.index(before) < names.index(after)
    if language == "kk":
        assert names.index("Ұлыбритания") < names.index("Үндістан")  # Ұ before Ү
        assert names.index("Бутан") < names.index("Біріккен Араб Әмірліктері")  # І after Ы
        assert names.index("Өзбекстан") < names.index("Пәкістан")


def test_counts_are_grouped_as_each_language_writes_numbers(client, seeded):
    Petition.objects.filter(pk=seeded.pk).update(signature_count=12345, goal=100000)
    english = client.get(url("petitions:sign", "en", slug=seeded.slug)).content.decode()
    russian = client.get(url("petitions:sign", "ru", slug=seeded.slug)).content.decode()
    assert '<span class="js-count">12,345</span>' in english
    assert '<span class="js-count">12\xa0345</span> подтверждённых подписей' in russian
    assert "цель: 100\xa0000" in russian and 'max="100000" value="12345"' in russian
    kazakh = client.get(url("petitions:sign", "kk", slug=seeded.slug)).content.decode()
    assert '<span class="js-count">12\xa0345</span>' in kazakh and "мақсат: 100\xa0000" in kazakh
    assert client.get(reverse("petition_count", kwargs={"slug": seeded.slug})).json()["count"] == 12345


def test_the_cached_home_page_is_kept_per_language(client, seeded):
    for _ in range(2):
        for language, title in (("en", "Sign the petition"), ("ru", "Подписать петицию"), ("kk", "Петицияға қол қою")):
            html = client.get(url("content:home", language)).content.decode()
            assert f'<html lang="{language}">' in html and title in html


# --- Emails in the signer's language ------------------------------------------------------------

SIGNERS = {
    # The neutral subject of confirmation emails in these languages (PETITION_NEUTRAL_EMAIL_LANGUAGES).
    "ru": ("Подтвердите адрес электронной почты", "Здравствуйте, Жанна!", "Подтвердить мою подпись"),
    "kk": ("Электрондық поштаңызды растаңыз", "Сәлеметсіз бе, Жанна!", "Қолымды растау"),
}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_signer_gets_the_email_and_its_links_in_the_language_they_signed_in(
    client, seeded, language, django_capture_on_commit_callbacks
):
    subject, greeting, button = SIGNERS[language]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("petitions:sign", language, slug=seeded.slug),
            {"name": "Жанна Өмірбекова", "email": "zhanna@example.org", "country": "KZ"},
        )
    assert Signature.objects.get().language == language
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert message.subject == subject
    assert greeting in message.body and greeting in html and f'<html lang="{language}">' in html
    assert "Hello" not in message.body and "Please" not in message.body
    confirm = re.search(r"http://[^/\s]+(/\S+/confirm/\S+/)", message.body).group(1)
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert confirm.startswith(f"/{language}/") and f"/{language}/petitions/unsubscribe/" in unsubscribe
    page = client.get(confirm).content.decode()
    assert f'<html lang="{language}">' in page and button in page
    assert f'<html lang="{language}">' in client.get(unsubscribe.removeprefix(settings.SITE_URL)).content.decode()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_prepared_email_a_surge_sends_is_in_the_signers_language_too(seeded, language):
    subject, greeting, _button = SIGNERS[language]
    signature = SignatureFactory(petition=seeded, name="Жанна Өмірбекова", language=language)
    message = email.message_from_bytes(prepared_signature_email(signature).data, policy=email.policy.default)
    assert str(message["Subject"]).strip() == subject
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert greeting in text and f"{settings.SITE_URL}/{language}/petitions/confirm/" in text
    assert str(message["List-Unsubscribe"]).startswith(f"<{settings.SITE_URL}/{language}/petitions/unsubscribe/")


def test_a_stored_language_the_site_no_longer_offers_gets_english_links(seeded):
    signature = SignatureFactory(petition=seeded, language="de")
    message = email.message_from_bytes(prepared_signature_email(signature).data, policy=email.policy.default)
    assert f"{settings.SITE_URL}/en/petitions/confirm/" in message.get_body(preferencelist=("plain",)).get_content()


# --- No English left on a Russian or Kazakh page -------------------------------------------------

# Names that read the same in every language, and the words of Latin-script terms the
# translations keep (cookie, IP, GDPR, an example address).
LATIN_ALLOWED = {
    "Amnesty",
    "International",
    "WhatsApp",
    "Telegram",
    "Bluesky",
    "Facebook",
    "English",
    "cookie",
    "Cookie",
    "source",  # the privacy page quotes the address's "?source=…" as it appears
    "IP",
    "GDPR",
    "name",
    "example",
    "org",
    "AP",  # the Associated Press, named in a source's description
}


def not_for_translation(language: str) -> list[str]:
    """What stays as it is on a Russian or Kazakh page: quotations in their original words,
    publishers' own titles, names of publishers as the page gives them, and addresses. Every
    other word of the content must be translated (the seed translates all of it)."""
    texts = ["Aigerim Bekova", "Aigerim"]  # the signer's name: in full on their own manage page
    for quote in Quote.objects.all():
        texts += [quote.text]
    for source in Source.objects.all():
        texts += [source.title_en, getattr(source, f"publisher_{language}"), source.url, source.archive_url]
    return sorted((t for t in texts if t), key=len, reverse=True)


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._skip += tag in ("script", "style")
        for name in ("alt", "title", "aria-label", "placeholder"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "meta" and (attrs.get("name", "") + attrs.get("property", "")).endswith(
            ("description", "title", "site_name", "image:alt")
        ):
            self.parts.append(attrs.get("content", ""))
        if tag == "input" and attrs.get("type") == "submit":
            self.parts.append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(page: str, content: list[str]) -> list[str]:
    parser = _Text()
    parser.feed(page)
    text = "\n".join(parser.parts)
    for piece in content:  # whole paragraphs first, then the lines templates split them into
        for line in [piece, *piece.splitlines()]:
            if line.strip():
                text = text.replace(line.strip(), " ")
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)
    # Document numbers, such as the European Parliament's "P9_TA(2022)0012".
    text = re.sub(r"\b\w+_\w+\(\d+\)\d+", " ", text)
    # Languages named in themselves in the switcher are names.
    text = text.replace("English", " ")
    return [word for word in re.findall(r"[A-Za-z]+", text) if word not in LATIN_ALLOWED]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_english_word_is_left_on_a_russian_or_kazakh_page(
    client, seeded, language, django_capture_on_commit_callbacks
):
    signature = SignatureFactory(
        petition=seeded,
        name="Aigerim Bekova",
        show_publicly=True,
        state=Signature.State.CONFIRMED,
        confirmed_at="2026-01-02T00:00:00Z",
    )
    content = not_for_translation(language)
    pages = {page: url(name, language, **kwargs) for page, (name, kwargs) in public_pages(seeded, signature).items()}
    responses = {page: client.get(path) for page, path in pages.items()}
    responses["sign with errors"] = client.post(pages["sign"], {"name": "x", "email": "nope"})
    responses["resend done"] = client.post(pages["resend"], {"email": "nobody@example.org"})
    responses["unsubscribed"] = client.post(pages["unsubscribe"])
    responses["not found"] = client.get(url("content:home", language) + "no-such-page/")
    left = {page: english_words(response.content.decode(), content) for page, response in responses.items()}
    assert {page: words for page, words in left.items() if words} == {}


def test_the_english_check_sees_english(client, seeded):
    html = client.get(url("content:privacy", "en")).content.decode()
    assert "collect" in english_words(html, not_for_translation("ru"))


@pytest.mark.parametrize("language, heading", [("ru", "Что-то пошло не так"), ("kk", "Бірдеңе дұрыс болмады")])
def test_the_server_error_page_is_in_the_visitors_language(language, heading):
    from django.template.loader import render_to_string

    with translation.override(language):
        html = render_to_string("500.html")
    assert f'<html lang="{language}">' in html and heading in html


def test_no_page_sets_the_language_cookie_until_the_visitor_chooses_a_language(client, seeded):
    # The privacy page's promise: that cookie exists only once the switcher is used.
    signature = SignatureFactory(petition=seeded)
    for name, kwargs in public_pages(seeded, signature).values():
        for language in LANGUAGES:
            response = client.get(url(name, language, **kwargs), HTTP_ACCEPT_LANGUAGE="ru")
            assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert settings.LANGUAGE_COOKIE_NAME not in client.get("/", HTTP_ACCEPT_LANGUAGE="kk").cookies
    chosen = client.post(reverse("set_language"), {"language": "ru", "next": "/en/"})
    cookie = chosen.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
