"""Staff users in each role, as the roles migration defines them, and signatures to moderate."""

import importlib

import pytest

from tests.factories import UserFactory

ROLES = ("anonymous", "supporter", "organizer", "moderator", "administrator")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The factories set a password on every user; the real hasher would cost a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", groups=["Moderator"])


@pytest.fixture
def organizer(db):
    return UserFactory(username="organizer", groups=["Organizer"])


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", groups=["Administrator"])


@pytest.fixture
def supporter(db):
    """Logged in, but not staff: someone who signed up for nothing more than the petition."""
    return UserFactory(username="supporter")


@pytest.fixture
def users(moderator, organizer, administrator, supporter):
    return {"moderator": moderator, "organizer": organizer, "administrator": administrator, "supporter": supporter}


@pytest.fixture
def counted(db):
    """Bring the public counts up to date, as the periodic counter would."""
    from campaign.petitions import counting

    def run():
        counting.signature_counts_update()

    return run


def restore_roles() -> None:
    """Create the role groups again, exactly as their migration does.

    A test on a flushed database (a live server's) has lost the groups the migration made;
    replay the migration's own function on the models as they stood at that migration.
    """
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    state = loader.project_state(("petitions", "0003_roles"))
    importlib.import_module("campaign.petitions.migrations.0003_roles").roles_create(state.apps, None)
    # Permissions granted to roles by later migrations.
    state = loader.project_state(("petitions", "0008_petition_life"))
    importlib.import_module("campaign.petitions.migrations.0008_petition_life").grant(state.apps, None)
