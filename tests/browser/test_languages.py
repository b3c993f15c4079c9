"""Russian and Kazakh in a real browser: a supporter's whole journey in each, the switcher
without JavaScript, and axe-core on every public page in every language."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from campaign.petitions import counting
from tests.factories import SignatureFactory
from tests.pages import public_pages

from .support import axe_violations, confirm_link, origin, screenshot, shown_count

pytestmark = pytest.mark.browser

JOURNEY = {
    "ru": {
        "browser": "ru-RU",
        "sign": "Подписать петицию",
        "name": "Имя и фамилия",
        "email": "Электронная почта",
        "country": "Страна",
        "bad email": "Укажите правильный адрес электронной почты, например name@example.org.",
        "thanks": "Спасибо! Остался один шаг: проверьте почту",
        "subject": "Подтвердите адрес электронной почты",  # neutral: PETITION_NEUTRAL_EMAIL_LANGUAGES
        "greeting": "Здравствуйте, Жанна!",
        "confirm": "Подтвердить мою подпись",
        "confirmed": "Ваша подпись подтверждена. Спасибо!",
    },
    "kk": {
        "browser": "kk-KZ",
        "sign": "Петицияға қол қою",
        "name": "Аты-жөніңіз",
        "email": "Электрондық пошта",
        "country": "Ел",
        "bad email": "Дұрыс электрондық пошта мекенжайын енгізіңіз, мысалы: name@example.org.",
        "thanks": "Рақмет! Тағы бір қадам қалды: поштаңызды тексеріңіз",
        "subject": "Электрондық поштаңызды растаңыз",  # neutral: PETITION_NEUTRAL_EMAIL_LANGUAGES
        "greeting": "Сәлеметсіз бе, Жанна!",
        "confirm": "Қолымды растау",
        "confirmed": "Қолыңыз расталды. Рақмет!",
    },
}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_supporter_signs_reads_the_email_and_confirms_in_their_language(site, browse, live_server, language):
    words = JOURNEY[language]
    SignatureFactory.create_batch(2, petition=site, confirmed=True)
    counting.signature_counts_update()
    tab = browse("phone", locale=words["browser"])
    page = tab.page

    page.goto(live_server.url + "/")  # the browser's language picks the site's
    assert page.url == f"{live_server.url}/{language}/"
    assert page.locator("html").get_attribute("lang") == language
    before = shown_count(page)

    # The form is on the first screen: nothing to follow or scroll to before typing.
    name = page.get_by_role("textbox", name=words["name"])
    assert name.bounding_box()["y"] + name.bounding_box()["height"] <= page.viewport_size["height"]
    name.fill("Жанна Өмірбекова")
    page.get_by_role("textbox", name=words["email"]).fill("zhanna@example")
    page.get_by_role("combobox", name=words["country"]).select_option("KZ")
    page.get_by_role("button", name=words["sign"]).click()
    assert page.get_by_text(words["bad email"]).is_visible()  # the mistake, explained in their language
    screenshot(tab, f"sign-errors-{language}")

    page.get_by_role("textbox", name=words["email"]).fill("zhanna@example.org")
    page.get_by_role("button", name=words["sign"]).click()
    page.wait_for_url(re.compile(rf"/{language}/petitions/.+/thanks/$"))
    assert page.get_by_role("heading", level=1).inner_text() == words["thanks"]

    [message] = mail.outbox
    assert message.subject.startswith(words["subject"]) and words["greeting"] in message.body
    link = confirm_link(message)
    assert link.startswith(f"{live_server.url}/{language}/petitions/confirm/")
    page.goto(link)
    page.get_by_role("button", name=words["confirm"]).click()
    page.wait_for_url(re.compile(rf"/{language}/petitions/.+/confirmed/$"))
    assert page.get_by_role("heading", level=1).inner_text() == words["confirmed"]
    assert shown_count(page) == before + 1
    screenshot(tab, f"confirmed-{language}")
    assert tab.foreign_requests(origin(live_server.url)) == []
    # The only complaint: the refused form's 400, as it should be.
    assert [error for error in tab.errors if "status of 400 (Bad Request)" not in error] == []


def test_the_language_switcher_works_without_javascript_and_is_remembered(site, browse, live_server):
    tab = browse("phone", java_script_enabled=False, locale="en-US")
    page = tab.page
    with translation.override("en"):
        page.goto(live_server.url + reverse("content:privacy"))
    page.get_by_role("button", name="Қазақша").click()
    assert page.url == f"{live_server.url}/kk/privacy/"
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", level=1).inner_text() == "Құпиялылық"
    page.goto(live_server.url + "/")  # an English browser, but the choice is remembered
    assert page.url == f"{live_server.url}/kk/"
    page.get_by_role("button", name="Русский").click()
    assert page.url == f"{live_server.url}/ru/"
    assert tab.errors == []


# One test per language and size: each test pays for a fresh database on a live server.
@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_public_page_in_every_language_has_no_wcag_21_aa_violations(site, browse, live_server, language, size):
    signature = SignatureFactory(petition=site)
    tab = browse(size)
    found = {}
    for name, (route, kwargs) in public_pages(site, signature).items():
        with translation.override(language):
            path = reverse(route, kwargs=kwargs or None)
        tab.page.goto(live_server.url + path)
        assert tab.page.locator("html").get_attribute("lang") == language, name
        if language != "en" and name in ("home", "sign", "privacy"):
            screenshot(tab, f"{name}-{language}")
        wider = tab.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        found[name] = ([f"the page is {wider}px wider than the screen"] if wider > 0 else []) + axe_violations(
            tab.page, live_server.url
        )
    assert {name: problems for name, problems in found.items() if problems} == {}
