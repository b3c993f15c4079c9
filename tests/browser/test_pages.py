"""Every public page in a real browser: what it loads, what axe-core finds, what it looks like."""

import pytest
from django.urls import reverse

from .support import axe_violations, origin, screenshot

pytestmark = pytest.mark.browser

# name -> path, given the petition's slug. The pages of the signing steps are visited by the
# journey and the sign-form tests, with a real signature behind them.
PAGES = {
    "home": lambda slug: reverse("content:home"),
    "demands": lambda slug: reverse("content:demands"),
    "timeline": lambda slug: reverse("content:timeline"),
    "sources": lambda slug: reverse("content:sources"),
    "privacy": lambda slug: reverse("content:privacy"),
    "sign": lambda slug: reverse("petitions:sign", kwargs={"slug": slug}),
    "resend": lambda slug: reverse("petitions:resend", kwargs={"slug": slug}),
    "broken-link": lambda slug: reverse("petitions:confirm", kwargs={"token": "not-a-real-token"}),
}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_no_public_page_asks_another_origin_for_anything(site, browse, live_server, size):
    tab = browse(size)
    for path in PAGES.values():
        tab.page.goto(live_server.url + path(site.slug))
    assert len(tab.requested) > 2 * len(PAGES), "each page loads at least its stylesheets and script"
    assert tab.foreign_requests(origin(live_server.url)) == []
    # The only complaint: the broken link's page says so with its status, as it should.
    broken = live_server.url + PAGES["broken-link"](site.slug)
    assert tab.errors == [f"{broken}: Failed to load resource: the server responded with a status of 400 (Bad Request)"]


# One test per size rather than per page: each test pays for a fresh database on a live server.
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_public_pages_have_no_wcag_21_aa_violations_and_fit_the_screen(site, browse, live_server, size):
    tab = browse(size)
    found = {}
    for name, path in PAGES.items():
        tab.page.goto(live_server.url + path(site.slug))
        assert tab.page.locator("h1").count() == 1, name
        screenshot(tab, name)
        if name == "home" and size == "phone":
            screenshot(tab, "home-first-screen", full_page=False)  # what a supporter sees on arrival
        wider = tab.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if wider > 0:
            found[name] = [f"the page is {wider}px wider than the screen"]
        found[name] = found.get(name, []) + axe_violations(tab.page, live_server.url)
    assert {name: problems for name, problems in found.items() if problems} == {}
