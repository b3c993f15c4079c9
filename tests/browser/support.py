"""What the browser tests share besides fixtures: sizes, the request log, screenshots, axe."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# Keep Chromium off the network: no updates, no sync, no background fetches of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SIZES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_PATH = "/__tests__/axe.min.js"  # answered by a Playwright route, never by the site
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Tab:
    """A page in a fresh browser context, and every URL that context asked for."""

    page: object
    size: str  # a key of SIZES
    requested: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # console errors (CSP refusals among them) and uncaught exceptions

    def foreign_requests(self, own: str) -> list[str]:
        return [url for url in self.requested if origin(url) != own]


def screenshot(tab: Tab, name: str, *, full_page: bool = True) -> Path:
    """Save what the visitor sees, the whole page or the first screen, as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{tab.size}.png"
    tab.page.screenshot(path=str(path), full_page=full_page, scale="css", animations="disabled")
    return path


def axe_violations(page, server_url: str) -> list[str]:
    """Run axe-core on the page as it is now; describe each WCAG 2.1 A/AA violation.

    axe is loaded as a script from the page's own origin (a route answers it), because the
    site's CSP allows scripts from 'self' only and inline ones not at all.
    """
    page.route(server_url + AXE_PATH, lambda route: route.fulfill(path=AXE_SOURCE, content_type="text/javascript"))
    page.add_script_tag(url=server_url + AXE_PATH)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_21_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in result["violations"]
    ]


def shown_count(page) -> int:
    """The signature count as the page shows it ("1,234" -> 1234)."""
    return int(re.sub(r"\D", "", page.locator(".js-count").first.inner_text()))


def fill_sign_form(page, *, name: str, email: str, country: str = "KZ") -> None:
    page.get_by_role("textbox", name="Full name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("combobox", name="Country").select_option(country)


def confirm_link(message) -> str:
    """The confirmation link in an email, as the supporter would click it."""
    return re.search(r"https?://\S+/petitions/confirm/\S+/", message.body).group(0)


def language_tab(page, field_id: str) -> None:
    """Show one language of a translated field in the admin: its tab (django-modeltranslation's)."""
    language = field_id.rsplit("_", 1)[1]
    page.locator(f".ui-tabs:has(#{field_id}) .ui-tabs-nav a", has_text=language).click()
