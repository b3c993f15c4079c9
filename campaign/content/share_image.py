"""Draws static/img/share.png, the picture shared links show, from the campaign's headline.

    .venv/bin/python -m campaign.content.share_image [path/to/chromium]

It renders a small HTML page with Debian's Chromium through Playwright (both already used by
the browser tests) and saves a 1200x630 screenshot. The image must say what the headline
says: run this again whenever the seeded headline changes (a test holds HEADLINE to it).
"""

import html
import sys
from pathlib import Path

from campaign.content import seed_data

HEADLINE = seed_data.CAMPAIGN["title"]
SUBTITLE = (
    "Amnesty International and the European Parliament call for the release of those arbitrarily detained, "
    "and fair trials for anyone charged."
)
FOOTNOTE = "Add your name to the petition · An independent campaign, not affiliated with Amnesty International or the European Parliament"
OUTPUT = Path(__file__).resolve().parents[2] / "static" / "img" / "share.png"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
body {{ margin: 0; width: 1200px; height: 630px; background: #0b5394; color: #fff;
       font-family: "DejaVu Sans", sans-serif; display: flex; flex-direction: column; justify-content: center;
       padding: 0 80px; box-sizing: border-box; }}
h1 {{ font-size: 50px; line-height: 1.18; margin: 0 0 28px; font-weight: 700; }}
p {{ margin: 0; }}
.subtitle {{ font-size: 28px; line-height: 1.35; }}
hr {{ border: 0; border-top: 2px solid #fff; margin: 34px 0 22px; }}
.footnote {{ font-size: 20px; line-height: 1.4; }}
</style></head><body><h1>{headline}</h1><p class="subtitle">{subtitle}</p><hr><p class="footnote">{footnote}</p></body></html>"""


def share_image_render(*, chromium: str = "/usr/bin/chromium", output: Path = OUTPUT) -> Path:
    from playwright.sync_api import sync_playwright

    markup = PAGE.format(headline=html.escape(HEADLINE), subtitle=html.escape(SUBTITLE), footnote=html.escape(FOOTNOTE))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 630})
        page.set_content(markup)
        page.screenshot(path=str(output), full_page=False)
        browser.close()
    return output


if __name__ == "__main__":
    print(share_image_render(*sys.argv[1:2]))
