"""Each defect the fact-check of issue 14 found, pinned on the pages a reader sees.

1 the site read as if written in January 2022; 2 "hundreds of arrests"; 3 the headline and
share texts asked to free every detainee; 4 the Struthers quotation cut before its release
demand; 5 the EP resolution unlinked, its call for an investigation aimed at Kazakhstan;
6 an invented citation title, the Amnesty statement's date; 7 the CSTO, the EP quote's
caption, the 2020 law's date, the footer's affiliation.
"""

import html as html_lib
import re

import pytest
from django.urls import reverse

from campaign.content import seed_data
from campaign.content.models import Source, Update

PUBLIC = ["content:home", "content:demands", "content:timeline", "content:sources", "content:privacy"]
RESOLUTION_URL = "https://www.europarl.europa.eu/doceo/document/TA-9-2022-0012_EN.html"


def page(client, name: str) -> str:
    """The page's text as a reader gets it: entities decoded, whitespace collapsed."""
    raw = client.get(reverse(name)).content.decode()
    return re.sub(r"\s+", " ", html_lib.unescape(raw))


def visible(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def blocks(markup: str, css_class: str) -> list[str]:
    return re.findall(rf'<article class="{css_class}[^"]*".*?</article>', markup, re.S)


# 1. Dated, and past tense where it is past.


def test_home_page_says_where_things_stand_with_an_as_of_date_and_sources_on_each_update(client, seeded):
    home = page(client, "content:home")
    updates = blocks(home, "update")
    assert len(updates) == Update.objects.filter(is_published=True).count() >= 4
    for update in updates:
        assert re.search(r"As of <time datetime=\"\d{4}-\d\d-\d\d\">\d{1,2} \w+ \d{4}</time>", update), update
        assert "Sources:" in update and "<a href=" in update
    dates = re.findall(r'As of <time datetime="([\d-]+)"', home)
    assert dates == sorted(dates, reverse=True), "newest first"


def test_home_page_tells_what_happened_after_january_2022_and_when_it_was_last_checked(client, seeded):
    home = visible(page(client, "content:home"))
    assert "238" in home and "amnesty" in home.lower()
    assert "excluded anyone convicted of terrorism, extremism, treason, corruption or organising mass disorder" in home
    assert "last checked against its sources on 4 December 2026" in home
    assert "with communications cut" not in home  # the cut was in January 2022, not now


def test_timeline_runs_past_january_2022(client, seeded):
    timeline = visible(page(client, "content:timeline"))
    for when, what in (("11 January 2022", "Almost 10,000 detained"), ("2 November 2022", "amnesty is signed")):
        assert f"{when} — " in timeline and what in timeline


def test_confirmation_page_does_not_claim_who_is_still_detained(client, seeded):
    from campaign.petitions import tokens
    from tests.factories import SignatureFactory

    signature = SignatureFactory(petition=seeded)
    response = client.post(
        reverse("petitions:confirm", kwargs={"token": tokens.confirm_token_make(public_id=signature.public_id)}),
        follow=True,
    )
    text = visible(html_lib.unescape(response.content.decode()))
    assert "Your signature is confirmed" in text
    assert "still detained" not in text
    assert "arbitrarily detained" in text


# 2. The scale, by official counts, each with its date and source.


@pytest.mark.parametrize("name", PUBLIC)
def test_no_page_says_hundreds_were_arrested(client, seeded, name):
    assert "hundreds" not in page(client, name).lower()


def test_detentions_and_deaths_are_given_with_their_date_and_official_source(client, seeded):
    home = page(client, "content:home")
    (detained,) = [b for b in blocks(home, "update") if "almost 10,000" in b]
    assert 'datetime="2022-01-11"' in detained and "Ministry of Internal Affairs" in detained
    (dead,) = [b for b in blocks(home, "update") if "Official death toll: 238" in b]
    assert "Prosecutor General" in dead and "19 members of the security forces" in dead
    lede = visible(re.search(r'<p class="lead[^"]*">(.*?)</p>', home, re.S).group(1))
    assert "By 11 January 2022, the Interior Ministry said, almost 10,000" in lede


# 3. The headline, names and share texts ask what Amnesty and the EP ask.


@pytest.mark.parametrize("name", PUBLIC)
def test_titles_and_share_texts_ask_for_release_of_those_arbitrarily_detained(client, seeded, name):
    markup = page(client, name)
    title = re.search(r"<title>(.*?)</title>", markup, re.S).group(1)
    description = re.search(r'<meta name="description" content="([^"]*)"', markup).group(1)
    og_title = re.search(r'<meta property="og:title" content="([^"]*)"', markup).group(1)
    og_description = re.search(r'<meta property="og:description" content="([^"]*)"', markup).group(1)
    site_name = re.search(r'<meta property="og:site_name" content="([^"]*)"', markup).group(1)
    for text in (title, description, og_title, og_description, site_name):
        assert "arbitrarily detained" in text, text
    for text in (description, og_title, og_description):
        assert "fair trial" in text, text
    assert "Free Kazakhstan's detainees" not in markup


def test_home_page_share_tags_repeat_its_headline(client, seeded):
    markup = page(client, "content:home")
    headline = visible(re.search(r'<h1 id="page-title"[^>]*>(.*?)</h1>', markup, re.S).group(1)).strip()
    assert re.search(r'<meta property="og:title" content="([^"]*)"', markup).group(1) == headline
    assert re.search(r'<meta property="og:image:alt" content="([^"]*)"', markup).group(1).startswith(headline)


def test_share_image_is_drawn_from_the_headline():
    from campaign.content import share_image

    assert seed_data.CAMPAIGN["title"] == share_image.HEADLINE
    assert "arbitrarily detained" in share_image.HEADLINE and "fair trial" in share_image.HEADLINE
    assert "not affiliated with Amnesty International or the European Parliament" in share_image.FOOTNOTE


# 4. The Struthers quotation, with its release demand.


def test_struthers_release_demand_is_quoted_in_full(client, seeded):
    home = visible(page(client, "content:home"))
    assert (
        "Instead of threatening to crack down on protesters, the Kazakhstani authorities must resolve the "
        "situation peacefully by immediately and unconditionally releasing all those who have been arbitrarily "
        "detained and addressing past abuses committed by the state."
    ) in home


# 5. The EP resolution linked as such; its call for an investigation aimed where it was aimed.


@pytest.mark.parametrize("name", ["content:home", "content:demands", "content:timeline", "content:sources"])
def test_european_parliament_resolution_is_linked_directly(client, seeded, name):
    assert f'href="{RESOLUTION_URL}"' in page(client, name)


def test_the_press_release_is_labelled_as_a_press_release_not_the_resolution(client, seeded):
    sources = page(client, "content:sources")
    entry = re.search(r'<li id="source-europarl-2022-01-20".*?</li>', sources, re.S).group(0)
    assert "Press release" in entry and "“Human rights breaches in Hong Kong, Kazakhstan and Sudan”" in entry
    resolution = re.search(r'<li id="source-europarl-resolution-2022-01-20".*?</li>', sources, re.S).group(0)
    assert "P9_TA(2022)0012" in resolution and "20 January 2022" in resolution


def test_the_international_investigation_is_a_call_on_the_eu_and_the_international_community(client, seeded):
    demands = page(client, "content:demands")
    europarl = demands[demands.index(">European Parliament</h2>") :]
    heading = europarl.index("To the EU and the international community")
    investigation = europarl.index("international investigation into the crimes committed")
    assert heading < investigation
    assert europarl.index("To the authorities of Kazakhstan") < heading  # not under the demands on Kazakhstan


# 6. Titles only as published; the Amnesty statement's date.


def test_no_unchecked_title_is_shown_in_quotation_marks(client, seeded):
    sources = page(client, "content:sources")
    for source in Source.objects.filter(title=""):
        assert f"“{source.description}”" not in sources
        assert source.description in sources
    entry = re.search(r'<li id="source-arabnews-2022-01".*?</li>', sources, re.S).group(0)
    assert "“" not in entry and "https://www.arabnews.com/node/1999116/world" in entry


def test_amnesty_statement_carries_its_title_and_date(client, seeded):
    sources = page(client, "content:sources")
    entry = re.search(r'<li id="source-amnesty-2022-01".*?</li>', sources, re.S).group(0)
    assert "“Kazakhstan: Widespread violation of basic rights spurred unprecedented protests”" in entry
    assert "5 January 2022" in entry


# 7. Smaller slips.


def test_csto_members_and_timing_are_stated(client, seeded):
    home = visible(page(client, "content:home"))
    assert "Russia, Armenia, Belarus, Kazakhstan, Kyrgyzstan and Tajikistan" in home
    assert "Late on 5 January President Tokayev asked" in home and "began to withdraw on 13 January 2022" in home


def test_ep_quote_is_captioned_as_the_press_release_it_comes_from(client, seeded):
    home = page(client, "content:home")
    figure = next(f for f in re.findall(r"<figure.*?</figure>", home, re.S) if "overly broad" in f)
    caption = visible(re.search(r"<figcaption.*?</figcaption>", figure, re.S).group(0))
    assert "press release of 20 January 2022" in caption
    assert "not to bring terrorism charges against protesters" not in caption


def test_the_2020_assembly_law_is_dated(client, seeded):
    home = visible(page(client, "content:home"))
    assert (
        "as of January 2022, protests held without official permission were illegal there, even after a 2020 law"
        in home
    )


@pytest.mark.parametrize("name", PUBLIC)
def test_every_page_says_the_campaign_is_not_affiliated_with_amnesty_or_the_ep(client, seeded, name):
    footer = visible(re.search(r"<footer.*?</footer>", page(client, name), re.S).group(0))
    assert "not affiliated with Amnesty International or the European Parliament" in footer
