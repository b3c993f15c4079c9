"""The home page's first screen on a phone, the case in sections, the sign bar and the desktop's
sticky sign box, in a real browser at 390x844 in every language."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import SignatureFactory

from .support import axe_violations, origin, screenshot

pytestmark = pytest.mark.browser

NAME_FIELD = {"en": "Full name", "ru": "Имя и фамилия", "kk": "Аты-жөніңіз"}


def home_url(live_server, language: str) -> str:
    with translation.override(language):
        return live_server.url + reverse("content:home")


def on_screen(page, locator) -> bool:
    """Whether the element is wholly inside the window as it is scrolled now."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_on_a_phone_the_count_and_the_sign_form_are_on_the_first_screen(site, browse, live_server, language):
    SignatureFactory.create_batch(3, petition=site, confirmed=True, show_publicly=True)
    tab = browse("phone")
    page = tab.page
    page.goto(home_url(live_server, language))
    assert page.evaluate("window.scrollY") == 0
    screenshot(tab, f"home-first-screen-{language}", full_page=False)
    assert on_screen(page, page.locator(".js-count").first)
    assert on_screen(page, page.get_by_role("textbox", name=NAME_FIELD[language]))
    assert axe_violations(page, live_server.url) == []
    assert tab.foreign_requests(origin(live_server.url)) == []
    assert tab.errors == []


def test_on_a_phone_the_case_is_in_sections_a_reader_opens_even_without_javascript(site, browse, live_server):
    tab = browse("phone", java_script_enabled=False)
    page = tab.page
    page.goto(home_url(live_server, "en"))
    demands = page.get_by_role("heading", name="What they demand")
    first_demand = page.locator("details:has(#demands) li").first
    assert not first_demand.is_visible()  # closed: the form is not pushed down by the whole case
    demands.click()
    assert first_demand.is_visible()
    assert page.get_by_role("heading", name="What happened").is_visible()


def test_on_a_phone_the_sign_bar_stays_reachable_while_reading_and_leads_to_the_form(site, browse, live_server):
    tab = browse("phone")
    page = tab.page
    page.goto(home_url(live_server, "en"))
    bar = page.get_by_role("navigation", name="Sign the petition")
    assert not bar.is_visible()  # the form itself is on screen
    page.get_by_role("heading", name="What they demand").click()
    page.locator("#demands").scroll_into_view_if_needed()
    page.get_by_role("heading", name="Why it matters").scroll_into_view_if_needed()
    bar.wait_for(state="visible")
    assert on_screen(page, bar)
    screenshot(tab, "home-sign-bar", full_page=False)
    bar.get_by_role("link", name="Sign the petition").click()
    name = page.get_by_role("textbox", name="Full name")
    page.wait_for_function("() => Math.abs(document.getElementById('sign').getBoundingClientRect().top) < 50")
    assert on_screen(page, name)
    bar.wait_for(state="hidden")


def test_on_a_desktop_the_sign_box_is_in_view_after_scrolling_to_the_demands(site, browse, live_server):
    tab = browse("desktop")
    page = tab.page
    page.goto(home_url(live_server, "en"))
    page.locator("#demands").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('demands').scrollIntoView()")
    assert page.evaluate("window.scrollY") > 1000  # the case is long; the page really moved
    assert on_screen(page, page.get_by_role("textbox", name="Full name"))
    assert on_screen(page, page.locator(".js-count").first)
    screenshot(tab, "home-at-the-demands", full_page=False)
    assert axe_violations(page, live_server.url) == []
