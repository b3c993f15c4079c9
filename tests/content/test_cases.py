"""People behind the numbers: organizers add a case with a photo and a recorded consent; it stays
hidden until published, and its photo is served from our origin, without the camera's metadata,
only while the case is published."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from campaign.content.models import Case
from tests.factories import UserFactory

GPS_TAG = 0x8825


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def english_afterwards():
    """Requests in another language leave it active in this thread: later tests expect English."""
    with translation.override("en"):
        yield


@pytest.fixture
def organizer(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="organizer", groups=["Organizer"])


def phone_photo(width=2400, height=1600) -> bytes:
    """A JPEG as a phone writes it: camera make, a GPS position and a rotation in its EXIF."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[GPS_TAG] = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 55.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def add_case(client, *, name="Aigerim N.", photo=None, published=False, consent=True):
    form = {
        "name_en": name,
        "story_en": "Detained in Almaty in January 2022; her family asked us to tell her story.",
        "photo_alt_en": "A woman smiling at the camera",
        "position": "0",
    }
    if photo is not None:
        form["photo"] = SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg")
    if consent:
        form |= {"consent_given_by": "Her sister", "consent_given_on": "2026-11-20", "consent_how": "In writing"}
    if published:
        form["is_published"] = "on"
    return client.post(reverse("admin:content_case_add"), form)


def home_html() -> str:
    return Client().get(reverse("content:home")).content.decode()


def photo_address(html: str) -> str:
    return re.search(r'<img class="case-photo[^"]*" src="([^"]+)"', html).group(1)


def test_a_new_case_stays_off_the_home_page_until_an_organizer_publishes_it(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        assert add_case(client).status_code == 302
    assert "Aigerim N." not in home_html()

    case = Case.objects.get()
    form = {
        "name_en": case.name_en,
        "story_en": case.story_en,
        "photo_alt_en": "",
        "position": "0",
        "consent_given_by": case.consent_given_by,
        "consent_given_on": "2026-11-20",
        "consent_how": case.consent_how,
        "is_published": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:content_case_change", args=[case.pk]), form).status_code == 302

    home = home_html()
    assert 'id="case-' in home and "Aigerim N." in home
    assert "her family asked us to tell her story" in home
    assert Case.objects.get().consent_recorded_by == organizer


def test_publishing_a_case_without_a_recorded_consent_is_refused(client, seeded, organizer):
    client.force_login(organizer)
    response = add_case(client, published=True, consent=False)
    assert response.status_code == 200
    assert "Record who gave consent, when and how before publishing this case." in response.content.decode()
    assert not Case.objects.exists()
    assert "Aigerim N." not in home_html()


def test_the_database_refuses_a_published_case_without_consent(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Case.objects.create(name="Someone", story="A story.", is_published=True)


def test_the_photo_is_served_from_our_origin_without_location_or_camera_data(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        assert add_case(client, photo=phone_photo(), published=True).status_code == 302

    address = photo_address(home_html())
    assert address.startswith("/media/cases/")  # our origin, through the app
    response = Client().get(address)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.format == "JPEG"
    assert not served.getexif()  # no make, no GPS, no orientation tag
    assert "exif" not in served.info and "xmp" not in served.info
    assert served.size == (800, 1200)  # turned upright, then scaled to 1,200 pixels at most
    stored = Case.objects.get().photo.name
    assert stored.startswith("cases/") and "IMG_0001" not in stored


def test_an_unpublished_case_photo_is_not_served(client, seeded, organizer, django_capture_on_commit_callbacks):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        add_case(client, photo=phone_photo(400, 300), published=True)
    address = photo_address(home_html())
    assert Client().get(address).status_code == 200

    Case.objects.update(is_published=False)

    assert Client().get(address).status_code == 404
    assert Client().get(address.replace(".jpg", "0.jpg")).status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_with_a_message(client, seeded, organizer):
    client.force_login(organizer)
    response = add_case(client, photo=b"%PDF-1.4 not a photo")
    assert response.status_code == 200
    assert "This file is not a photo the site can read" in response.content.decode()
    assert not Case.objects.exists()


def test_a_photo_over_the_size_limit_is_refused_with_a_message(client, seeded, organizer, settings):
    settings.CASE_PHOTO_MAX_BYTES = 2**20
    client.force_login(organizer)
    response = add_case(client, photo=b"\xff\xd8" + b"0" * (2 * 2**20))
    assert response.status_code == 200
    assert "the largest accepted is 1 MB" in response.content.decode()
    assert not Case.objects.exists()


def test_a_case_reads_in_the_visitors_language(client, seeded, organizer, django_capture_on_commit_callbacks):
    Case.objects.create(
        name_en="Aigerim N.",
        name_ru="Айгерим Н.",
        story_en="Detained in Almaty.",
        story_ru="Задержана в Алматы.",
        consent_given_by="Her sister",
        consent_given_on="2026-11-20",
        consent_how="In writing",
        is_published=True,
    )
    russian = Client().get(reverse("content:home").replace("/en/", "/ru/")).content.decode()
    assert "Айгерим Н." in russian and "Задержана в Алматы." in russian
    assert "Люди за этими цифрами" in russian


def test_an_organizer_sees_the_cases_with_their_consent_in_the_admin(client, seeded, organizer):
    Case.objects.create(name="Aigerim N.", story="A story.", consent_given_by="Her sister")
    client.force_login(organizer)
    listing = client.get(reverse("admin:content_case_changelist"))
    assert listing.status_code == 200 and "Aigerim N." in listing.content.decode()
    form = client.get(reverse("admin:content_case_add")).content.decode()
    assert "How consent was given" in form and 'type="file"' in form


def test_replacing_a_photo_deletes_the_old_file(
    client, seeded, organizer, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        add_case(client, photo=phone_photo(300, 200))
    case = Case.objects.get()
    old = tmp_path / case.photo.name
    assert old.exists()
    form = {
        "name_en": case.name_en,
        "story_en": case.story_en,
        "photo_alt_en": "",
        "position": "0",
        "consent_given_by": case.consent_given_by,
        "consent_given_on": "2026-11-20",
        "consent_how": case.consent_how,
        "photo": SimpleUploadedFile("new.png", phone_photo(200, 300), content_type="image/jpeg"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:content_case_change", args=[case.pk]), form).status_code == 302
    assert not old.exists()
    assert (tmp_path / Case.objects.get().photo.name).exists()
