"""Closing the loop, in a real browser: an organizer records a delivery, has an update to
supporters written from it, edits, previews, tests and sends it; the email goes over SMTP (to
aiosmtpd, in this process) only to the confirmed supporter who asked for updates, in their
language, and the update's page counts it sent. Tasks run in-process, as across this tier."""

import importlib

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import expect

from campaign.outbox import pace, sending
from campaign.petitions.models import SupporterUpdate
from tests.factories import SignatureFactory
from tests.outbox.test_sending import start_server

from .support import language_tab
from .test_staff import log_in, staff_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(site, settings):
    """Emails go over SMTP to an in-process server; yields its inbox."""
    from django.core.cache import cache

    controller, inbox = start_server()
    sending._drop_connection()
    cache.delete_many(pace._keys())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    sending._drop_connection()
    controller.stop()


def organizer():
    """An Organizer with the rights the migrations grant on deliveries and on updates (the live
    server's flushed database lost them; see staff_with_role)."""
    user = staff_with_role("Organizer")
    rights = [
        ("content", importlib.import_module("campaign.content.migrations.0007_deliveries_responses").CODENAMES),
        (
            "petitions",
            importlib.import_module("campaign.petitions.migrations.0012_supporter_updates").ORGANIZER_PERMISSIONS,
        ),
    ]
    for app, codenames in rights:
        user.groups.get().permissions.add(
            *Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
        )
    return user


def test_an_organizer_sends_an_update_about_a_delivery_and_only_who_asked_gets_it(site, smtp, browse, live_server):
    supporter = SignatureFactory(petition=site, confirmed=True, keep_updated=True, language="ru")
    SignatureFactory(petition=site, confirmed=True, keep_updated=False, language="ru")
    staff = organizer()
    page = browse("desktop").page

    # Record the delivery, in English and Russian.
    log_in(page, live_server, staff, then=reverse("admin:content_delivery_add"))
    page.locator("#id_recipient_en").fill("The EU delegation to Kazakhstan")
    language_tab(page, "id_recipient_ru")
    page.locator("#id_recipient_ru").fill("Делегация ЕС в Казахстане")
    page.locator("#id_delivered_on").fill("2026-12-01")
    page.locator("#id_signatures").fill("12431")
    page.locator("#id_is_published").check()
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The draft, written from it, opens for editing.
    page.get_by_role("button", name="Write an update to supporters about this").click()
    expect(page.locator(".messagelist")).to_contain_text("A draft update was written from it")
    update = SupporterUpdate.objects.get()
    assert page.url.endswith(reverse("admin:petitions_supporterupdate_change", args=[update.pk]))
    expect(page.locator("#id_subject_en")).to_have_value("We delivered the petition to The EU delegation to Kazakhstan")
    body_ru = page.locator("#id_body_ru")
    assert body_ru.input_value().startswith(
        f"1 декабря 2026 г. мы передали петицию «{site.title_ru}» с 12\xa0431 подписью."
        " Получатель: Делегация ЕС в Казахстане."
    )
    language_tab(page, "id_body_ru")
    body_ru.fill(body_ru.input_value() + "\n\nСледующая встреча — в январе.")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # Preview, a test to themselves, then send.
    page.get_by_role("link", name="Preview in every language").click()
    expect(page.locator('section[lang="ru"]')).to_contain_text("Следующая встреча — в январе.")
    page.go_back()
    page.locator("#test-language").select_option("ru")
    page.get_by_role("button", name="Send test to me").click()
    expect(page.locator(".messagelist")).to_contain_text("A test was sent to your own address, in Russian.")
    assert [rcpt for rcpt, _message in smtp.received] == [[staff.email]]
    assert str(smtp.received[0][1]["Subject"]).strip().startswith("[Тест] Петиция передана")

    page.get_by_role("button", name="Send to 1 supporters").click()
    expect(page.locator(".messagelist")).to_contain_text("Sending to 1 supporters.")
    page.reload()
    expect(page.locator("#progress-sent")).to_have_text("1")

    sent = [(rcpt, message) for rcpt, message in smtp.received if rcpt != [staff.email]]
    assert [rcpt for rcpt, _message in sent] == [[supporter.email]]  # not the one who did not ask
    message = sent[0][1]
    assert str(message["Subject"]).strip() == "Петиция передана: Делегация ЕС в Казахстане"
    assert message["Content-Language"] == "ru"
    text = message.get_body(("plain",)).get_content()
    assert "Следующая встреча — в январе." in text
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert "/ru/petitions/unsubscribe/" in unsubscribe and unsubscribe in text
    assert "/ru/petitions/manage/" in text
