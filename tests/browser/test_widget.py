"""A partner embeds the counter: the widget shows inside a frame on a page of a partner site
organizers listed, and a browser refuses to show it inside a page of any other site."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import translation

from campaign.content.models import PartnerOrigin

from .support import origin, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def partner_site():
    """Start a tiny web server on another origin than ours, serving one page that embeds `src`
    as the snippet of the staff page does: `partner_site("127.0.0.2", src)` -> its address."""
    servers = []

    def start(host: str, src: str) -> str:
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner news</title></head>'
            f'<body><h1>Partner news</h1><iframe src="{src}" title="Petition" width="360" height="240"></iframe>'
            "</body></html>"
        ).encode()

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer((host, 0), Page)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host}:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def widget_src(live_server, slug: str, language: str = "en") -> str:
    with translation.override(language):
        return live_server.url + reverse("petition_widget", kwargs={"slug": slug})


def test_the_widget_shows_on_a_listed_partners_page_and_opens_the_petition(site, browse, live_server, partner_site):
    site.signature_count = 1234
    site.save(update_fields=["signature_count"])
    partner = partner_site("127.0.0.1", widget_src(live_server, site.slug, "ru"))
    PartnerOrigin.objects.create(origin=origin(partner), partner="Partner news")
    assert origin(partner) != origin(live_server.url)  # really another site

    tab = browse("desktop")
    tab.page.goto(partner)
    widget = tab.page.frame_locator("iframe")
    assert re.sub(r"\D", "", widget.locator(".widget-number").inner_text()) == "1234"
    assert "Подписать петицию" in widget.locator(".widget-button").inner_text()
    screenshot(tab, "widget-on-partner-page", full_page=False)
    assert tab.errors == []
    assert {origin(url) for url in tab.requested} == {origin(partner), origin(live_server.url)}

    # The button opens the petition on our site, in a new tab, in the widget's language.
    with tab.page.context.expect_page() as opened:
        widget.locator(".widget-button").click()
    petition = opened.value
    petition.wait_for_load_state()
    with translation.override("ru"):
        # with the widget's own source code, so the dashboard counts who came by it.
        assert (
            petition.url == live_server.url + reverse("petitions:sign", kwargs={"slug": site.slug}) + "?source=widget"
        )


def test_a_page_of_an_unlisted_site_cannot_show_the_widget(site, browse, live_server, partner_site):
    src = widget_src(live_server, site.slug)
    listed = partner_site("127.0.0.1", src)
    unlisted = partner_site("127.0.0.2", src)
    PartnerOrigin.objects.create(origin=origin(listed))

    tab = browse("desktop")
    tab.page.goto(unlisted)
    tab.page.wait_for_timeout(500)  # the frame's refusal is reported after its response arrives
    frames = [frame for frame in tab.page.frames if frame != tab.page.main_frame]
    assert len(frames) == 1
    assert "widget" not in frames[0].url  # an error page stands in for the widget
    assert frames[0].locator(".widget-number").count() == 0
    assert any("frame-ancestors" in error and origin(listed) in error for error in tab.errors), tab.errors
