"""The content in Russian and Kazakh: seeded translations, a visible English fallback where one
is missing, quotations beside their translation, and the admin's view of what is missing,
outdated or reviewed."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from campaign.content import seed, seed_translations
from campaign.content.models import Demand, Quote
from campaign.content.seed import seed_campaign
from tests.factories import UserFactory


def url(name: str, language: str) -> str:
    with translation.override(language):
        return reverse(name)


@pytest.fixture
def organizer(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="organizer", groups=["Organizer"])


@pytest.mark.parametrize(
    "language, translated",
    [
        ("ru", "Немедленно и безоговорочно освободить всех, кто был произвольно задержан."),
        ("kk", "Негізсіз ұсталғандардың бәрін дереу әрі ешбір шартсыз босату."),
    ],
)
def test_a_demand_reads_in_the_pages_language(client, seeded, language, translated):
    page = client.get(url("content:demands", language)).content.decode()
    assert translated in page
    assert "Release, immediately and unconditionally" not in page


@pytest.mark.parametrize("language, note", [("ru", "ещё не переведено"), ("kk", "әлі аударылмаған")])
def test_a_missing_translation_shows_the_english_text_marked_as_english_and_not_yet_translated(
    client, seeded, language, note
):
    Demand.objects.filter(key="amnesty-release").update(**{f"text_{language}": ""})
    page = client.get(url("content:demands", language)).content.decode()
    item = re.search(r'<li id="demand-amnesty-release".*?</li>', page, re.S).group(0)
    assert re.search(
        r'<span lang="en" class="untranslated">Release, immediately and unconditionally, everyone who has been arbitrarily detained\.'
        rf' <small class="untranslated-note" lang="{language}">\({note}\)</small></span>',
        item,
    )
    # Translated rows carry no such note, and English pages never do.
    assert page.count("untranslated-note") == 1
    assert "untranslated" not in client.get(url("content:demands", "en")).content.decode()


@pytest.mark.parametrize(
    "language, label, translated",
    [
        ("ru", "Перевод кампании", "Парламент настоятельно призывает власти Казахстана уважать права человека"),
        ("kk", "Науқанның аудармасы", "Парламент Қазақстан билігін адам құқықтары мен негізгі бостандықтарды"),
    ],
)
def test_a_quotation_stays_in_english_with_the_campaigns_translation_labelled_beside_it(
    client, seeded, language, label, translated
):
    quote = Quote.objects.get(key="europarl-release")
    page = client.get(url("content:home", language)).content.decode()
    figure = re.search(
        r'<figure class="quote">(?:(?!</figure>).)*?' + re.escape(quote.text[:40]) + r".*?</figure>", page, re.S
    ).group(0)
    assert f'<blockquote class="blockquote" lang="en"><p>{quote.text}</p></blockquote>' in figure
    assert re.search(rf'<p class="quote-translation"><span [^>]*>{label}</span> {translated}', figure)
    english = client.get(url("content:home", "en")).content.decode()
    assert "quote-translation" not in english and quote.text in english


def test_the_seed_brings_the_translation_of_an_untouched_row_up_to_date_and_keeps_an_edited_one(db, monkeypatch):
    seed_campaign()
    Demand.objects.filter(key="europarl-reforms").update(text_kk="Біздің өз аудармамыз.")
    newer = {
        key: (
            {**by_language, "ru": {"text": "Более новый перевод."}, "kk": {"text": "Жаңарақ аударма."}}
            if key in ("amnesty-release", "europarl-reforms")
            else by_language
        )
        for key, by_language in seed_translations.DEMANDS.items()
    }
    monkeypatch.setattr(seed_translations, "DEMANDS", newer)
    seed.seeded_rows.cache_clear()
    try:
        counts = seed_campaign()
    finally:
        seed.seeded_rows.cache_clear()

    untouched, edited = Demand.objects.get(key="amnesty-release"), Demand.objects.get(key="europarl-reforms")
    assert (untouched.text_ru, untouched.text_kk) == ("Более новый перевод.", "Жаңарақ аударма.")
    assert edited.text_kk == "Біздің өз аудармамыз." and edited.text_ru.startswith("Провести срочные реформы")
    assert counts["updated"]["demands"] == 1 and counts["kept"]["demands"] == 1


def _admin_row(page: str, text: str) -> str:
    return next(row for row in re.findall(r"<tr.*?</tr>", page, re.S) if text in row)


def test_the_admin_shows_which_translations_are_missing_outdated_or_reviewed_and_filters_by_them(
    client, seeded, organizer
):
    client.force_login(organizer)
    changelist = reverse("admin:content_demand_changelist")
    row = _admin_row(client.get(changelist).content.decode(), "Make urgent reforms")
    assert "translated, not reviewed" in row  # seeded translations start unreviewed

    demand = Demand.objects.get(key="europarl-reforms")
    form = {
        "campaign": demand.campaign_id,
        "key": demand.key,
        "organisation": demand.organisation,
        "addressee": demand.addressee,
        "source": demand.source_id,
        "position": demand.position,
        "text_en": "Make urgent reforms to fight corruption.",
        "text_ru": demand.text_ru,
        "text_kk": "",
        "reviewed_ru": "on",
    }
    assert client.post(reverse("admin:content_demand_change", args=[demand.pk]), form).status_code == 302

    page = client.get(changelist).content.decode()
    row = _admin_row(page, "Make urgent reforms to fight corruption.")
    assert re.search(r'class="translation-outdated">outdated, reviewed<', row)  # Russian: the English changed since
    assert re.search(r'class="translation-missing">missing, not reviewed<', row)  # Kazakh: emptied
    outdated = client.get(changelist, {"translation_ru": "outdated"}).content.decode()
    assert "Make urgent reforms to fight corruption." in outdated and "Release arbitrarily detained" not in outdated
    assert "Make urgent reforms" in client.get(changelist, {"translation_kk": "missing"}).content.decode()
    unreviewed = client.get(changelist, {"translation_ru": "unreviewed"}).content.decode()
    assert "Make urgent reforms" not in unreviewed and "Release arbitrarily detained" in unreviewed

    # Translating the new English brings Russian up to date.
    form["text_ru"] = "Провести срочные реформы для борьбы с коррупцией."
    assert client.post(reverse("admin:content_demand_change", args=[demand.pk]), form).status_code == 302
    row = _admin_row(client.get(changelist).content.decode(), "Make urgent reforms to fight corruption.")
    assert re.search(r'class="translation-current">translated, reviewed<', row)


def test_a_translation_saved_in_the_admin_shows_at_once_on_the_cached_home_page(
    client, seeded, organizer, django_capture_on_commit_callbacks
):
    assert "Привлечь к ответственности любого полицейского" in client.get(url("content:home", "ru")).content.decode()
    client.force_login(organizer)
    demand = Demand.objects.get(key="amnesty-accountability")
    form = {
        "campaign": demand.campaign_id,
        "key": demand.key,
        "organisation": demand.organisation,
        "addressee": demand.addressee,
        "source": demand.source_id,
        "position": demand.position,
        "text_en": demand.text_en,
        "text_ru": "Привлечь к ответственности виновных в нарушениях.",
        "text_kk": demand.text_kk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:content_demand_change", args=[demand.pk]), form).status_code == 302
    page = client.get(url("content:home", "ru")).content.decode()
    assert "Привлечь к ответственности виновных в нарушениях." in page
    assert "Привлечь к ответственности любого полицейского" not in page


@pytest.mark.parametrize("model", ["campaign", "source", "timelineentry", "demand", "quote", "update"])
def test_an_organizer_edits_each_kind_of_content_in_a_tab_per_language(client, seeded, organizer, model):
    from django.apps import apps

    client.force_login(organizer)
    row = apps.get_model("content", model).objects.first()
    page = client.get(reverse(f"admin:content_{model}_change", args=[row.pk])).content.decode()
    assert "modeltranslation/js/tabbed_translation_fields.js" in page
    for language in ("en", "ru", "kk"):
        assert re.search(rf'name="[a-z_]+_{language}"', page)
    assert 'name="reviewed_ru"' in page and 'name="reviewed_kk"' in page
    changelist = client.get(reverse(f"admin:content_{model}_changelist")).content.decode()
    assert "translated, not reviewed" in changelist


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_confirmation_email_names_the_petition_in_the_signers_language(seeded, language):
    import email
    import email.policy

    from campaign.outbox.emails import prepared_signature_email
    from tests.factories import SignatureFactory

    signature = SignatureFactory(petition=seeded, language=language)
    message = email.message_from_bytes(prepared_signature_email(signature).data, policy=email.policy.default)
    title = seed_translations.PETITION[language]["title"]
    # ru and kk subjects are neutral by default (PETITION_NEUTRAL_EMAIL_LANGUAGES): only the body names it.
    assert title not in str(message["Subject"])
    assert title in message.get_body(preferencelist=("plain",)).get_content()
