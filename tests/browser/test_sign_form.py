"""The sign form for people who cannot see it, cannot use a mouse, or make a typo."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from campaign.petitions.models import Signature

from .support import axe_violations, confirm_link, fill_sign_form, origin, screenshot

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    id: el.id, tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 40),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight,
  };
}"""


def field_state(page, field_id: str) -> dict:
    return page.evaluate(
        r"""id => {
          const field = document.getElementById(id);
          const ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
          return {
            invalid: field.getAttribute('aria-invalid'),
            described: ids.map(i => (document.getElementById(i) || {}).textContent || '').join(' ').replace(/\s+/g, ' ').trim(),
          };
        }""",
        field_id,
    )


def test_bad_email_is_explained_beside_the_field_and_focus_goes_to_the_first_error(site, browse, live_server):
    tab = browse("phone")
    page = tab.page
    page.goto(live_server.url + "/#sign")
    fill_sign_form(page, name="", email="aigerim.example.org", country="DE")
    page.get_by_role("checkbox", name="Show my first name and country among recent signers").check()
    page.get_by_role("button", name="Sign the petition").click()

    # Two problems: the first one, the name, gets the focus.
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#id_name")).to_be_focused()
    page.get_by_role("textbox", name="Full name").fill("Aigerim Bekova")
    page.get_by_role("button", name="Sign the petition").click()

    # One problem left, the email; the reloaded page takes the focus there.
    email = page.get_by_role("textbox", name="Email")
    expect(email).to_be_focused()
    message = page.locator("#id_email_error")
    assert "valid email address" in message.inner_text()
    # Next to the field: just under it, where the eye already is. (Both boxes measured at once:
    # the page may still be scrolling to the focused field.)
    gap, indent = page.evaluate(
        """() => {
          const field = document.getElementById('id_email').getBoundingClientRect();
          const message = document.getElementById('id_email_error').getBoundingClientRect();
          return [message.top - field.bottom, message.left - field.left];
        }"""
    )
    assert 0 <= gap < 16 and abs(indent) < 4
    # Announced: a summary alert, and the field itself says it is invalid and why.
    alert = page.get_by_role("alert")
    assert "Please correct the highlighted fields" in alert.inner_text()
    assert field_state(page, "id_email") == {
        "invalid": "true",
        "described": "We send one email to confirm your signature. " + message.inner_text(),
    }
    # Nothing typed is lost.
    assert page.get_by_role("textbox", name="Full name").input_value() == "Aigerim Bekova"
    assert email.input_value() == "aigerim.example.org"
    assert page.get_by_role("combobox", name="Country").input_value() == "DE"
    assert page.get_by_role("checkbox", name="Show my first name and country among recent signers").is_checked()
    assert mail.outbox == [] and not Signature.objects.exists()
    screenshot(tab, "sign-errors")
    assert axe_violations(page, live_server.url) == []


def test_form_errors_show_without_javascript(site, browse, live_server):
    page = browse("phone", java_script_enabled=False).page
    page.goto(live_server.url + "/")
    fill_sign_form(page, name="Aigerim Bekova", email="aigerim@", country="KZ")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("alert")).to_be_visible()
    # No script moves the page to the problem, so it must be on the first screen by itself.
    expect(page.locator("#id_email_error")).to_be_in_viewport()
    assert "valid email address" in page.locator("#id_email_error").inner_text()
    assert field_state(page, "id_email")["invalid"] == "true"
    assert page.get_by_role("textbox", name="Full name").input_value() == "Aigerim Bekova"


def test_every_state_of_the_sign_form_has_no_wcag_violations(site, browse, live_server):
    # At the desktop size: the phone size of the error state is checked above, and every public
    # page, the empty form included, at both sizes in test_pages.
    tab = browse("desktop")
    page, found = tab.page, {}

    def check(state):
        found[state] = axe_violations(page, live_server.url)

    page.goto(live_server.url + reverse("petitions:sign", kwargs={"slug": site.slug}))
    check("empty")
    fill_sign_form(page, name="", email="not an address")
    page.get_by_role("button", name="Sign the petition").click()
    expect(page).to_have_title(re.compile(r"^Error: "))  # the same address, so wait for the new page
    screenshot(tab, "sign-errors")
    check("errors")
    fill_sign_form(page, name="Aigerim Bekova", email="aigerim@example.org")
    page.get_by_role("button", name="Sign the petition").click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    check("signed")
    link = confirm_link(mail.outbox[0])
    page.goto(link)
    check("confirm")
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url(re.compile(r"/confirmed/$"))
    check("confirmed")
    page.goto(link)  # a used link opened again: the confirmed page, with its sharing
    page.wait_for_url(re.compile(r"/confirmed/$"))
    assert page.get_by_role("heading", name="Ask others to sign").is_visible()
    check("confirmed, link opened again")

    assert {state: problems for state, problems in found.items() if problems} == {}
    assert tab.foreign_requests(origin(live_server.url)) == []


def test_keyboard_alone_signs_with_every_stop_visibly_focused(site, browse, live_server):
    # Bootstrap scrolls smoothly unless asked not to; a stop must be on screen once it has focus.
    page = browse("desktop", reduced_motion="reduce").page
    page.goto(live_server.url + "/")

    stops = []

    def tab_to_next():
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        return stops[-1]

    for _ in range(80):
        if tab_to_next()["id"] == "id_name":
            break
    assert stops[0]["text"] == "Skip to main content"
    assert stops[-1]["id"] == "id_name", "the form is reachable from the top of the page"
    form_starts = len(stops) - 1

    page.keyboard.type("Aigerim Bekova")
    # Email; country (typing picks from the list); the first box (space ticks it); the other two
    # boxes left alone; the privacy link; the button.
    for typed in ["aigerim.keys@example.org", "Kazakhstan", " ", None, None, None, None]:
        tab_to_next()
        if typed:
            page.keyboard.type(typed)

    form_stops = [stop["id"] or stop["text"] for stop in stops[form_starts:]]
    # In reading order, and the honeypot (id_website) is never one of them.
    assert form_stops == [
        "id_name",
        "id_email",
        "id_country",
        "id_show_publicly",
        "id_keep_updated",
        "id_leave_name_off",
        "How we protect your data",
        "submit-id-sign",
    ]
    unseen = [stop for stop in stops if not ((stop["outline"] or stop["shadow"]) and stop["onScreen"])]
    assert unseen == []

    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thanks/$"))
    signature = Signature.objects.get()
    assert (signature.name, signature.email, signature.country) == ("Aigerim Bekova", "aigerim.keys@example.org", "KZ")
    assert signature.show_publicly and not signature.keep_updated
