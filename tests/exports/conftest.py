"""Known supporters and staff users with and without export rights."""

import pytest

from campaign.petitions.models import Signature
from tests.factories import PetitionFactory

from .helpers import at, sign, staff_user

State = Signature.State


@pytest.fixture
def known(db):
    """One petition with supporters of every kind; the week of 2 March 2026 is "this week"."""
    petition = PetitionFactory(slug="free-them", title="Free them")
    rows = {
        "aigerim": sign(petition, "Aigerim Bekova", signed=at(2, 10)),
        "jonas": sign(petition, "Jonas Weber", keep_updated=False, signed=at(3)),
        "marie": sign(petition, "Marie Dubois", country="FR", signed=at(4)),
        "pending": sign(petition, "Pending Person", state=State.PENDING, signed=at(4)),
        "suspicious": sign(petition, "Held Person", state=State.SUSPICIOUS, confirmed=at(5, 13), signed=at(5)),
        "rejected": sign(
            petition, "Rejected Person", country="KZ", state=State.REJECTED, confirmed=at(5, 13), signed=at(5)
        ),
        "erased": sign(petition, "Erased Person", signed=at(2), erased_at=at(6)),
        "old": sign(petition, "Old Supporter", signed=at(20, month=2)),
        "unsubscribed": sign(petition, "Gone Quiet", keep_updated=False, unsubscribed_at=at(6), signed=at(3)),
    }
    # Someone on another petition, who must never show up in this one's exports.
    sign(PetitionFactory(slug="other"), "Other Petition")
    return petition, rows


@pytest.fixture
def organizer(db):
    return staff_user("export_supporters", username="organizer")


@pytest.fixture
def administrator(db):
    return staff_user("export_supporters", "export_all_states", username="administrator")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def exports_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
