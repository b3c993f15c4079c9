"""Helpers for the export tests: known rows, staff users, reading files."""

import csv
import io
from datetime import UTC, datetime

from django.contrib.auth.models import Permission
from django.urls import reverse

from campaign.petitions.models import Signature
from tests.factories import SignatureFactory, UserFactory

State = Signature.State


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def sign(
    petition, name, *, country="DE", state=State.CONFIRMED, keep_updated=True, signed=None, confirmed=None, **extra
) -> Signature:
    """A signature as signing and confirming leave it, at a chosen time."""
    signed = signed or at(2)
    if confirmed is None and state == State.CONFIRMED:
        confirmed = signed.replace(minute=5)
    row = SignatureFactory(
        petition=petition,
        name=name,
        country=country,
        state=state,
        keep_updated=keep_updated,
        confirmed_at=confirmed,
        language="en",
        consent_version="2026-11-27",
        ip_address="203.0.113.9",
        **extra,
    )
    # signed_at is stamped on insert; set the known time afterwards.
    Signature.objects.filter(pk=row.pk).update(signed_at=signed)
    row.refresh_from_db()
    return row


def staff_user(*permissions, **fields):
    user = UserFactory(**{"is_staff": True, **fields})
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="petitions", codename=codename))
    return user


def form_data(petition, **overrides) -> dict:
    data = {
        "petition": petition.slug,
        "audience": "contactable",
        "states": ["confirmed"],
        "country": "",
        "since": "",
        "until": "",
        "file_format": "csv",
    }
    data.update(overrides)
    return data


def download(client, petition, **overrides):
    return client.post(reverse("exports:download"), form_data(petition, **overrides))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def parse_csv(data: bytes) -> list[dict]:
    text = data.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def names(data: bytes) -> list[str]:
    return [row["name"] for row in parse_csv(data)]
