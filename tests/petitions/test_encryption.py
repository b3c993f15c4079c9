"""Signers' names and addresses encrypted at rest: a dump of the database without the keys
names nobody, while signing, repeat signing, moderation and exports work as before."""

import os
import shutil
import subprocess

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from campaign.moderation import keys as key_services
from campaign.petitions import crypto, services
from campaign.petitions.fields import Sealed
from campaign.petitions.models import AuditEntry, Signature
from tests.conftest import need
from tests.factories import PetitionFactory, SignatureFactory

NAME = "Zhanar Encryptova-Testbekova"
ADDRESS = "Zhanar.Encryptova+petition@Example-Mail.kz"
NAME_AAD = b"petitions.signature.name"
EMAIL_AAD = b"petitions.signature.email"


def stored(signature: Signature) -> tuple[str, str]:
    """What the database holds in the name and email columns, unopened."""
    return Signature.objects.filter(pk=signature.pk).values_list(Sealed("name"), Sealed("email")).get()


def sign(client, petition, django_capture_on_commit_callbacks, **fields):
    data = {"name": NAME, "email": ADDRESS, "country": "KZ", **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("petitions:sign", kwargs={"slug": petition.slug}), data)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_of_a_database_with_real_signatures_names_nobody(client, postgres, tmp_path):
    need(shutil.which("pg_dump") is not None, "the test needs pg_dump (apt-get install postgresql-client)")
    petition = PetitionFactory()
    others = [("Аружан Қасымова", "aruzhan.kasymova@mail.ru"), ("Dana Sadykova", "dana.sadykova@gmail.com")]
    for name, email in [(NAME, ADDRESS), *others]:
        response = client.post(
            reverse("petitions:sign", kwargs={"slug": petition.slug}),
            {"name": name, "email": email, "country": "KZ", "keep_updated": "on"},
        )
        assert response.status_code == 302
    signature = Signature.objects.get(email_index=services.email_lookup(ADDRESS))
    assert (signature.name, signature.email) == (NAME, ADDRESS)  # the site reads them back

    db = connection.settings_dict
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), db["NAME"]],
        env={**os.environ, "PGUSER": db["USER"] or "postgres", "PGPASSWORD": db["PASSWORD"] or ""},
        capture_output=True,
        timeout=120,
    )
    assert dump.returncode == 0, dump.stderr
    text = dump.stdout.decode().casefold()
    assert "petitions_signature" in text and len(text) > 10_000
    for name, email in [(NAME, ADDRESS), *others]:
        traces = [name, email, email.split("@")[0], *name.split()]
        for trace in traces:
            assert trace.casefold() not in text, f"the dump holds {trace!r}"


def test_each_value_is_sealed_with_a_fresh_nonce_under_the_named_key(petition, settings):
    a = SignatureFactory(petition=petition, name=NAME, email="one@example.org")
    b = SignatureFactory(petition=petition, name=NAME, email="two@example.org")
    name_a, email_a = stored(a)
    name_b, _ = stored(b)
    assert name_a != name_b  # the same name twice: nothing in common to compare
    assert NAME not in name_a and "one@example.org" not in email_a
    assert name_a.startswith(f"v1:{crypto.keyring().current_id}:")
    assert Signature.objects.get(pk=a.pk).name == NAME


def test_a_value_moved_to_another_column_or_altered_does_not_open(petition):
    signature = SignatureFactory(petition=petition, name=NAME)
    name, _email = stored(signature)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(name, purpose=EMAIL_AAD)  # a name pasted into the email column
    altered = name[:-6] + ("AAAA" if name[-6:-2] != "AAAA" else "BBBB") + name[-2:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(altered, purpose=NAME_AAD)


def test_an_encrypted_field_refuses_a_query_that_would_silently_match_nothing(petition):
    SignatureFactory(petition=petition, name=NAME)
    with pytest.raises(TypeError, match="blind index"):
        list(Signature.objects.filter(name=NAME))
    with pytest.raises(Exception, match="icontains"):
        list(Signature.objects.filter(name__icontains="Zhanar"))
    assert Signature.objects.filter(name="").count() == 0  # erased names are found as before


def test_signing_again_with_another_spelling_is_caught_by_the_blind_index(
    client, petition, django_capture_on_commit_callbacks
):
    sign(client, petition, django_capture_on_commit_callbacks)
    sign(client, petition, django_capture_on_commit_callbacks, email=f"  {ADDRESS.upper()} ", name="Z. E.")
    [signature] = Signature.objects.filter(petition=petition)
    assert signature.email_requests == 2 and signature.name == NAME
    assert signature.email_index == crypto.email_index(ADDRESS.casefold())
    assert ADDRESS.casefold() not in signature.email_index


def test_a_resend_request_waits_in_the_cache_without_the_address(client, petition, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    sign(client, petition, django_capture_on_commit_callbacks)
    seen = []
    original = cache.set
    try:
        cache.set = lambda key, value, *a, **k: (seen.append(value), original(key, value, *a, **k))[1]
        services.signature_resend_request(petition=petition, email=ADDRESS, ip_address="198.51.100.4")
    finally:
        cache.set = original
    requests = [value for value in seen if isinstance(value, list) and len(value) == 2]
    assert requests and all(ADDRESS.casefold() not in str(value).casefold() for value in requests)


# --- Settings ----------------------------------------------------------------------------------


def test_a_missing_or_malformed_key_is_refused_at_start(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["too-short"]
    with pytest.raises(ImproperlyConfigured, match="32 random bytes"):
        crypto.keyring()


def test_the_local_key_file_is_made_once_and_never_committed():
    from django.conf import settings

    path = settings.BASE_DIR / "var" / "field-keys.json"
    assert path.exists() and oct(path.stat().st_mode)[-3:] == "600"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=settings.BASE_DIR)
    assert ignored.returncode == 0, "var/field-keys.json must be git-ignored"


# --- Key rotation and the blind-index rebuild --------------------------------------------------


def populate(petition, n: int) -> list[tuple[int, str, str]]:
    rows = []
    for i in range(n):
        name, email = f"Signer Number{i} Ospanov", f"signer.{i}@example.org"
        rows.append((SignatureFactory(petition=petition, name=name, email=email).pk, name, email))
    return rows


def test_rotating_keys_re_encrypts_every_row_which_then_opens_with_the_new_key_alone(petition, settings, capsys):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    rows = populate(petition, 25)
    erased = SignatureFactory(petition=petition)
    Signature.objects.filter(pk=erased.pk).update(name="", email="", email_index=f"erased-{erased.pk}")
    new = crypto.key_new()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    call_command("rotate_field_keys", "--batch-size", "7")
    assert "26 signatures examined, 25 re-encrypted" in capsys.readouterr().out

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key dropped: every row must still open
    prefix = crypto.keyring().prefix
    for pk, name, email in rows:
        sealed_name, sealed_email = stored(Signature(pk=pk))
        assert sealed_name.startswith(prefix) and sealed_email.startswith(prefix)
        signature = Signature.objects.get(pk=pk)
        assert (signature.name, signature.email) == (name, email)
    assert Signature.objects.get(pk=erased.pk).name == ""
    entry = AuditEntry.objects.get(action="field_keys_rotate")
    assert entry.count == 25 and entry.details["finished"] and entry.details["key"] == crypto.keyring().current_id


def test_an_interrupted_rotation_resumes_where_it_stopped(petition, settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    populate(petition, 20)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.key_new(), old]

    class Stop(Exception):
        pass

    def stop_after_two_batches(progress):
        if progress.examined >= 10 and not progress.finished:
            raise Stop

    with pytest.raises(Stop):
        key_services.field_keys_rotate(batch_size=5, progress=stop_after_two_batches)
    prefix = crypto.keyring().prefix
    assert sum(stored(s)[0].startswith(prefix) for s in Signature.objects.all()) == 10

    resumed = key_services.field_keys_rotate(batch_size=5)
    assert resumed.resumed and resumed.changed == 20 and resumed.examined == 20
    assert all(stored(s)[0].startswith(prefix) for s in Signature.objects.all())
    assert AuditEntry.objects.filter(action="field_keys_rotate").count() == 1


def test_a_new_blind_index_key_needs_the_rebuild_which_restores_duplicates_and_searches(
    client, petition, settings, django_capture_on_commit_callbacks
):
    sign(client, petition, django_capture_on_commit_callbacks)
    settings.BLIND_INDEX_KEY = crypto.key_new()
    assert not Signature.objects.filter(email_index=services.email_lookup(ADDRESS)).exists()

    call_command("rebuild_blind_indexes", "--batch-size", "1")

    sign(client, petition, django_capture_on_commit_callbacks)
    [signature] = Signature.objects.filter(petition=petition)
    assert signature.email_requests == 2
    assert Signature.objects.filter(name_words__contains=crypto.name_words_query_terms("zhanar")[0]).exists()
    assert AuditEntry.objects.get(action="blind_indexes_rebuild").details["finished"]
