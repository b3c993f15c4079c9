"""seed_campaign brings untouched seeded rows up to date and never overwrites an edit; the
admin says which seeded rows have a newer version, and an editor can take it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign.content import seed, seed_data
from campaign.content.models import Campaign, Demand, Quote, Source
from campaign.content.seed import seed_campaign
from tests.factories import UserFactory


@pytest.fixture
def newer_seed(monkeypatch):
    """A later release of seed_data.py: returns a function that changes one row's values in it."""

    def change(rows, key, **values):
        changed = [dict(row, **values) if row.get("key", row.get("slug")) == key else row for row in rows]
        return changed

    seed.seeded_rows.cache_clear()
    yield change
    seed.seeded_rows.cache_clear()


@pytest.fixture
def organizer(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="organizer", groups=["Organizer"])


def test_an_untouched_row_takes_the_newer_seeded_text(db, newer_seed, monkeypatch):
    seed_campaign()
    monkeypatch.setattr(seed_data, "DEMANDS", newer_seed(seed_data.DEMANDS, "amnesty-release", text="A newer wording."))
    seed.seeded_rows.cache_clear()

    counts = seed_campaign()

    assert counts["updated"]["demands"] == 1
    assert Demand.objects.get(key="amnesty-release").text == "A newer wording."
    assert sum(seed_campaign()["updated"].values()) == 0  # and then it is current


def test_an_edited_row_stays_as_the_organizer_left_it(db, newer_seed, monkeypatch):
    seed_campaign()
    Demand.objects.filter(key="amnesty-release").update(text="Our own wording.")
    monkeypatch.setattr(seed_data, "DEMANDS", newer_seed(seed_data.DEMANDS, "amnesty-release", text="A newer wording."))
    seed.seeded_rows.cache_clear()

    counts = seed_campaign()

    assert counts["kept"]["demands"] == 1 and not counts["updated"]
    demand = Demand.objects.get(key="amnesty-release")
    assert demand.text == "Our own wording."
    assert seed.seed_status(demand) == "newer"


def test_rows_written_by_the_first_release_of_the_seed_are_brought_up_to_date(db):
    """A database seeded before digests were kept: its rows hold the first release's values, no
    translations (there were none) and no digest. Untouched ones take the corrected text; an
    edited one stays."""
    seed_campaign()
    first_release = {
        # The first release's values of two demands (its investigation demand was aimed at Kazakhstan).
        "europarl-international-investigation": "Allow a proper international investigation into the crimes committed against the people of Kazakhstan.",
        "europarl-release": "Release arbitrarily detained demonstrators and activists immediately.",
    }
    old_source = Source.objects.get(key="europarl-2022-01-20")
    Demand.objects.filter(key="europarl-international-investigation").update(
        text_en=first_release["europarl-international-investigation"],
        text_ru=None,
        text_kk=None,
        addressee="kazakhstan",
        source=old_source,
        position=7,
        seed_digest="",
        translated_from_ru="",
        translated_from_kk="",
    )
    Demand.objects.filter(key="europarl-release").update(
        text_en="Edited long ago.", text_ru=None, text_kk=None, source=old_source, position=4, seed_digest=""
    )

    seed_campaign()

    investigation = Demand.objects.get(key="europarl-international-investigation")
    assert investigation.addressee == Demand.Addressee.INTERNATIONAL
    assert investigation.text.startswith("Support a proper international investigation")
    assert investigation.source.key == "europarl-resolution-2022-01-20"
    assert Demand.objects.get(key="europarl-release").text == "Edited long ago."


def test_an_organizer_adding_an_archived_copy_is_not_an_edit_of_the_seeded_text(db, newer_seed, monkeypatch):
    seed_campaign()
    Source.objects.filter(key="amnesty-2022-01").update(
        archive_url="https://web.archive.org/web/2022/https://www.amnesty.org/"
    )
    monkeypatch.setattr(seed_data, "SOURCES", newer_seed(seed_data.SOURCES, "amnesty-2022-01", note="A newer note."))
    seed.seeded_rows.cache_clear()

    seed_campaign()

    source = Source.objects.get(key="amnesty-2022-01")
    assert source.note == "A newer note." and source.archive_url.startswith("https://web.archive.org/")


def test_the_command_reports_what_it_created_updated_and_kept(db, capsys):
    call_command("seed_campaign")
    assert "created:" in capsys.readouterr().out
    Quote.objects.filter(key="struthers-repression").update(role="Edited")
    Quote.objects.filter(key="struthers-repression").update(seed_digest="0" * 64)  # as if the seed had moved on
    call_command("seed_campaign")
    assert "kept as edited" in capsys.readouterr().out


def test_admin_lists_which_seeded_rows_have_a_newer_version_and_takes_it_on_request(
    client, organizer, newer_seed, monkeypatch
):
    seed_campaign()
    Demand.objects.filter(key="amnesty-release").update(text="Our own wording.")
    monkeypatch.setattr(seed_data, "DEMANDS", newer_seed(seed_data.DEMANDS, "amnesty-release", text="A newer wording."))
    seed.seeded_rows.cache_clear()
    seed_campaign()
    client.force_login(organizer)

    listing = client.get(reverse("admin:content_demand_changelist")).content.decode()
    assert listing.count("newer version available") == 1 and "up to date" in listing

    demand = Demand.objects.get(key="amnesty-release")
    response = client.post(
        reverse("admin:content_demand_changelist"),
        {"action": "take_seeded_version", "_selected_action": [demand.pk]},
        follow=True,
    )
    assert "1 row now holds the newest seeded version" in response.content.decode()
    demand.refresh_from_db()
    assert demand.text == "A newer wording." and seed.seed_status(demand) == "current"
    home = client.get(reverse("content:home")).content.decode()
    assert "A newer wording." in home


def test_the_campaign_text_is_seeded_with_its_review_date(db):
    seed_campaign()
    assert Campaign.objects.get().reviewed_on == seed_data.REVIEWED_ON
