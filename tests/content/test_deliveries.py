"""Delivery and responses in public: organizers record each delivery of the petition and each
target's response; once published, both show, dated, on the home page and the timeline in every
language, and the document sent (a photo or a PDF) is served from our origin only while its
delivery is published. Nothing is seeded: without a recorded delivery there is no block."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from campaign.content.models import Delivery, Response
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


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


def page(name: str, language: str = "en") -> str:
    with translation.override(language):
        address = reverse(name)
    return Client().get(address).content.decode()


def add_delivery(client, *, document=None, filename="delivery.pdf", published=True):
    form = {
        "recipient_en": "The EU delegation to Kazakhstan",
        "recipient_ru": "Делегация ЕС в Казахстане",
        "delivered_on": "2026-12-01",
        "signatures": "12431",
        "note_en": "Handed over at the delegation's office in Astana.",
        "document_alt_en": "Two volunteers hand over a box of printed signatures",
    }
    if document is not None:
        form["document"] = SimpleUploadedFile(filename, document)
    if published:
        form["is_published"] = "on"
    return client.post(reverse("admin:content_delivery_add"), form)


def a_phone_photo() -> bytes:
    image = Image.new("RGB", (1600, 1200), (40, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 55.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def document_address(html: str) -> str:
    return re.search(r'href="(/media/deliveries/[^"]+)"', html).group(1)


def test_an_organizer_records_a_delivery_and_it_shows_dated_on_the_home_page_and_the_timeline(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    assert "Delivered and answered" not in page("content:home")  # nothing is seeded
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        assert add_delivery(client).status_code == 302

    for name in ("content:home", "content:timeline"):
        html = page(name)
        assert "12,431 signatures delivered" in html
        assert '<time datetime="2026-12-01">1 December 2026</time>' in html
        assert "The EU delegation to Kazakhstan" in html
    assert "Delivered and answered" in page("content:home")


def test_a_response_shows_with_its_date_text_and_link(seeded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        from campaign.content import services

        services.content_row_save(
            row=Response(
                responder_en="The EU delegation to Kazakhstan",
                responded_on="2026-12-03",
                text_en="We have received the petition and will raise it with the authorities.",
                url="https://example.org/statement",
                is_published=True,
            )
        )
    for name in ("content:home", "content:timeline"):
        html = page(name)
        assert "Response from" in html and "The EU delegation to Kazakhstan" in html
        assert '<time datetime="2026-12-03">3 December 2026</time>' in html
        assert "will raise it with the authorities" in html
        assert 'href="https://example.org/statement"' in html


@pytest.mark.parametrize(
    ("language", "delivered", "answered", "block", "dates"),
    [
        # Russian months in the genitive ("1 декабря"), never the nominative "1 Декабрь".
        (
            "ru",
            "Вручена 12 431 подпись",
            "Ответ получен",
            "Вручено и получен ответ",
            ("1 декабря 2026 г.", "3 декабря 2026 г."),
        ),
        ("kk", "12 431 қолтаңба тапсырылды", "алынды", "Тапсырылды және жауап алынды", ("01.12.2026", "03.12.2026")),
    ],
)
def test_deliveries_and_responses_read_in_the_visitors_language(
    seeded, django_capture_on_commit_callbacks, language, delivered, answered, block, dates
):
    from campaign.content import services

    with django_capture_on_commit_callbacks(execute=True):
        services.content_row_save(
            row=Delivery(
                recipient_en="The EU delegation",
                recipient_ru="Делегация ЕС",
                recipient_kk="ЕО өкілдігі",
                delivered_on="2026-12-01",
                signatures=12431,
                is_published=True,
            )
        )
        services.content_row_save(
            row=Response(
                responder_en="The EU delegation",
                responder_ru="Делегация ЕС",
                responder_kk="ЕО өкілдігі",
                responded_on="2026-12-03",
                text_en="Received.",
                text_ru="Получено.",
                text_kk="Алынды.",
                is_published=True,
            )
        )
    recipient = {"ru": "Делегация ЕС", "kk": "ЕО өкілдігі"}[language]
    for name in ("content:home", "content:timeline"):
        html = page(name, language).replace("\xa0", " ")
        assert delivered in html and answered in html and recipient in html
        assert 'datetime="2026-12-01"' in html and 'datetime="2026-12-03"' in html
        assert all(f">{date}</time>" in html for date in dates), dates
        assert "not yet translated" not in html.split("delivery-")[1][:2000]
    assert block in page("content:home", language)


def test_a_draft_delivery_or_response_is_not_shown(seeded, organizer, client, django_capture_on_commit_callbacks):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        assert add_delivery(client, document=PDF, published=False).status_code == 302
    Response.objects.create(responder="A minister", responded_on="2026-12-03", text="Not yet.")
    for name in ("content:home", "content:timeline"):
        html = page(name)
        assert "signatures delivered" not in html and "A minister" not in html
    delivery = Delivery.objects.get()
    assert Client().get(delivery.document_url()).status_code == 404


def test_the_pdf_is_served_from_our_origin_only_while_its_delivery_is_published(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        assert add_delivery(client, document=PDF, filename="Letter to the EU (final).pdf").status_code == 302

    address = document_address(page("content:home"))
    assert address.startswith("/media/deliveries/") and address.endswith(".pdf")
    response = Client().get(address)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "Letter" not in Delivery.objects.get().document.name  # the upload's name is not kept

    with django_capture_on_commit_callbacks(execute=True):
        Delivery.objects.update(is_published=False)
    assert Client().get(address).status_code == 404
    assert Client().get(address.replace(".pdf", "0.pdf")).status_code == 404


def test_a_photo_of_the_delivery_is_served_without_its_metadata(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        assert add_delivery(client, document=a_phone_photo(), filename="IMG_0042.jpg").status_code == 302

    html = page("content:home")
    address = document_address(html)
    assert address.endswith(".jpg")
    assert 'alt="Two volunteers hand over a box of printed signatures"' in html
    response = Client().get(address)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert not served.getexif() and served.size == (1200, 900)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "This file is neither a PDF nor a photo the site can read"),
        (b"%PDF-1.4\n1 0 obj << >> endobj\n", "This PDF is incomplete; upload the whole file again."),
    ],
)
def test_a_bad_upload_is_refused_with_a_clear_message(client, seeded, organizer, document, message):
    client.force_login(organizer)
    response = add_delivery(client, document=document, filename="delivery.pdf")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Delivery.objects.exists()


def test_a_pdf_over_the_size_limit_is_refused_with_a_message(client, seeded, organizer, settings):
    settings.DELIVERY_PDF_MAX_BYTES = 2**20
    client.force_login(organizer)
    response = add_delivery(client, document=b"%PDF-1.4\n" + b"0" * (2 * 2**20) + b"\n%%EOF\n")
    assert response.status_code == 200
    assert "This PDF is 3 MB; the largest accepted is 1 MB." in response.content.decode()
    assert not Delivery.objects.exists()


def test_a_response_needs_its_text_or_a_link(client, seeded, organizer):
    client.force_login(organizer)
    response = client.post(
        reverse("admin:content_response_add"), {"responder_en": "A minister", "responded_on": "2026-12-03"}
    )
    assert response.status_code == 200
    assert "Give the response&#x27;s text, a link to it, or both." in response.content.decode()
    assert not Response.objects.exists()


def test_deleting_a_delivery_deletes_its_document(client, seeded, organizer, django_capture_on_commit_callbacks):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        add_delivery(client, document=PDF)
    delivery = Delivery.objects.get()
    storage, name = delivery.document.storage, delivery.document.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:content_delivery_delete", args=[delivery.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not storage.exists(name)


def test_on_the_timeline_a_delivery_takes_its_place_by_date(seeded, django_capture_on_commit_callbacks):
    from campaign.content import services

    with django_capture_on_commit_callbacks(execute=True):
        services.content_row_save(
            row=Delivery(recipient="The EU delegation", delivered_on="2022-01-20", signatures=500, is_published=True)
        )
    html = page("content:timeline")
    dates = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})"', html)
    assert "2022-01-20" in dates and dates == sorted(dates)


def test_organizers_and_administrators_may_record_deliveries_and_responses(db):
    from django.contrib.auth.models import Group

    for name in ("Organizer", "Administrator"):
        granted = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert {"add_delivery", "change_delivery", "delete_delivery", "add_response", "change_response"} <= granted
