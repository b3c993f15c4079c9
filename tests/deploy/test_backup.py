"""A backup can be trusted: `make backup`'s dump of a populated database, restored into a new one
(scripts/restore.sh, as docs/operations.md tells an operator), holds the same public count,
signatures and outbox, and signing can go on where it stopped.

Real PostgreSQL: the test database, dumped with pg_dump, restored with pg_restore into a database
of this test's own, dropped afterwards.
"""

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.utils import timezone

from campaign.petitions import crypto
from campaign.petitions.models import Signature
from tests.conftest import need
from tests.factories import PetitionFactory, SignatureFactory
from tests.integration.conftest import _database_url
from tests.integration.stack import ROOT, database_drop, database_recreate

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

State, EmailState = Signature.State, Signature.EmailState


def populate() -> None:
    """A petition in mid-campaign: counted, pending, held and rejected signatures; emails sent,
    due, retried after a failure and given up on."""
    now = timezone.now()
    petition = PetitionFactory(slug="free-them", signature_count=3, count_updated_at=now)
    for n in range(3):
        SignatureFactory(petition=petition, confirmed=True, counted=True, ip_address=f"203.0.113.{n}")
    SignatureFactory(petition=petition, email_state=EmailState.PENDING, email_due_at=now, name="Аружан Қасымова")
    SignatureFactory(
        petition=petition, email_state=EmailState.PENDING, email_attempts=2, email_due_at=now + timedelta(minutes=5)
    )
    SignatureFactory(petition=petition, email_state=EmailState.FAILED, email_attempts=5)
    SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["ip"], email_state=EmailState.PENDING)
    SignatureFactory(petition=petition, state=State.REJECTED)
    PetitionFactory(slug="closed-one", closes_at=now - timedelta(days=1), closed_at=now - timedelta(days=1))


def snapshot(url: str) -> dict:
    """What a restore must bring back, read straight from the database."""
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {
            "public counts": conn.execute(
                "SELECT slug, signature_count, count_updated_at, closed_at FROM petitions_petition ORDER BY slug"
            ).fetchall(),
            "signatures": conn.execute("SELECT * FROM petitions_signature ORDER BY id").fetchall(),
            "outbox": conn.execute(
                "SELECT email_state, count(*), min(email_due_at), sum(email_attempts)"
                " FROM petitions_signature GROUP BY email_state ORDER BY email_state"
            ).fetchall(),
            "rows per table": {
                table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in sorted(tables)
            },
            "next signature id": conn.execute("SELECT last_value FROM petitions_signature_id_seq").fetchone()[0],
        }


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


@pytest.fixture
def restore_url(postgres):
    url = _database_url(postgres) + "_restored"
    database_recreate(url)
    yield url
    database_drop(url)


def test_a_dump_restored_into_a_new_database_holds_the_same_petition(postgres, restore_url, tmp_path):
    for tool in ("pg_dump", "pg_restore", "psql"):
        need(shutil.which(tool) is not None, f"the test needs {tool} (apt-get install postgresql-client)")
    seeded_url = _database_url(postgres)
    populate()
    before = snapshot(seeded_url)
    assert before["outbox"] and len(before["signatures"]) == 8

    made = run("make", "--no-print-directory", "backup", DATABASE_URL=seeded_url, BACKUP_DIR=str(tmp_path))
    assert made.returncode == 0, made.stderr
    [dump] = list(tmp_path.glob("campaign-*.dump"))
    assert made.stdout.strip() == str(dump)
    assert not list(tmp_path.glob(".*partial"))
    assert dump.stat().st_mode & 0o777 == 0o600  # supporters' personal data: the owner's eyes only

    restored = run("sh", "scripts/restore.sh", str(dump), restore_url)
    assert restored.returncode == 0, restored.stderr
    assert snapshot(restore_url) == before

    # Signing goes on in the restored database: the next id is free.
    with psycopg.connect(restore_url) as conn:
        conn.execute(
            "INSERT INTO petitions_signature (petition_id, name, email, email_index, email_domain, country,"
            " show_publicly, keep_updated, language, consent_version, state, suspicion, signed_at, counted,"
            " email_state, email_requests, email_attempts, state_before_invalidation, public_id, leave_name_off,"
            " name_words, name_shape)"
            " SELECT id, %s, %s, %s, 'example.org', 'KZ', false, false, 'en',"
            " 'test', 'pending', '[]', now(), false, 'pending', 1, 0, '', md5(random()::text), false, %s, 'Aa'"
            " FROM petitions_petition"
            " WHERE slug = 'free-them'",
            [
                crypto.encrypt("New", purpose=b"petitions.signature.name"),
                crypto.encrypt("new@example.org", purpose=b"petitions.signature.email"),
                crypto.email_index("new@example.org"),
                crypto.name_words("New"),
            ],
        )

    # A restore never lands on a database in use.
    again = run("sh", "scripts/restore.sh", str(dump), restore_url)
    assert again.returncode != 0
    assert "already has" in again.stderr


def test_a_failed_dump_leaves_no_file_that_looks_like_a_backup(tmp_path):
    need(shutil.which("pg_dump") is not None, "the test needs pg_dump (apt-get install postgresql-client)")
    failed = run(
        "sh", "scripts/backup.sh", DATABASE_URL="postgres://root@127.0.0.1:5432/campaign_ops_no_such_database",
        BACKUP_DIR=str(tmp_path),
    )  # fmt: skip
    assert failed.returncode != 0
    assert list(Path(tmp_path).iterdir()) == []


@pytest.mark.parametrize(("keep", "interval", "days"), [(14, 86400, 14), (3, 43200, 2)])
def test_copies_of_the_database_are_deleted_after_14_days(client, postgres, settings, tmp_path, keep, interval, days):
    """The privacy page's sentence on backups: the page says what the backup schedule keeps,
    and scripts/backup.sh keeps no more than BACKUP_KEEP dumps."""
    need(shutil.which("pg_dump") is not None, "the test needs pg_dump (apt-get install postgresql-client)")
    settings.BACKUP_KEEP, settings.BACKUP_INTERVAL_SECONDS = keep, interval
    page = client.get("/en/privacy/").content.decode()
    assert f"Copies of the database kept to recover from a failure are deleted after {days} days" in page

    older = [tmp_path / f"campaign-202001{n:02d}T000000Z.dump" for n in range(1, keep + 2)]
    for path in older:
        path.write_bytes(b"an older dump")
    url = _database_url(postgres)
    made = run("sh", "scripts/backup.sh", DATABASE_URL=url, BACKUP_DIR=str(tmp_path), BACKUP_KEEP=str(keep))
    assert made.returncode == 0, made.stderr
    left = sorted(path.name for path in tmp_path.iterdir())
    assert len(left) == keep and Path(made.stdout.strip()).name in left
