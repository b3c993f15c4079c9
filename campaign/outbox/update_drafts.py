"""A draft update to supporters about a delivery of the petition or a target's response, written
from the row's own fields in each language it has text in, for an organizer to edit, preview and
send through the usual steps (campaign/outbox/updates.py). Nothing here sends anything.

A delivery or response has at most one such update: asking again opens the one it has.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import formats, translation
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext

from campaign.content.models import Delivery, Response
from campaign.moderation.audit import audit_record
from campaign.petitions.models import Petition, SupporterUpdate

SUBJECT_MAX = SupporterUpdate._meta.get_field("subject").max_length


class DraftRefused(Exception):
    """No draft can be written now; the message says why."""


def _has_text(row: Delivery | Response, language: str) -> bool:
    """English always (what other languages fall back to); another language when the organizer
    wrote the row's text in it: a supporter reading it otherwise gets the English update."""
    fields = ("recipient", "note") if isinstance(row, Delivery) else ("responder", "text")
    return language == "en" or any(getattr(row, f"{name}_{language}") for name in fields)


def _date(day) -> str:
    """A date as the site's pages write it in the active language (campaign/formats): "1 December
    2026", "1 декабря 2026 г.", "01.12.2026"."""
    return formats.date_format(day, "DATE_FORMAT")


def _page(row: Delivery | Response) -> str:
    """Its entry on the timeline, which lists every published delivery and response (the home
    page shows only the newest three). Called with the email's language active."""
    return f"{settings.SITE_URL}{reverse('content:timeline')}#{row.kind}-{row.pk}"


def _delivery_text(delivery: Delivery, petition: Petition) -> tuple[str, list[str]]:
    recipient = delivery.recipient
    subject = gettext("We delivered the petition to %(recipient)s") % {"recipient": recipient}
    paragraphs = [
        ngettext(
            "On %(date)s we delivered the petition “%(petition)s”, with %(count)s signature, to %(recipient)s.",
            "On %(date)s we delivered the petition “%(petition)s”, with %(count)s signatures, to %(recipient)s.",
            delivery.signatures,
        )
        % {
            "date": _date(delivery.delivered_on),
            "petition": petition.title,
            "count": formats.number_format(delivery.signatures, force_grouping=True),
            "recipient": recipient,
        },
        # Our own words: only where written in this language (the English note would be out of place).
        (getattr(delivery, f"note_{translation.get_language()}") or "").strip(),
        gettext("Thank you for signing it."),
        gettext("Read about it on our site: %(url)s") % {"url": _page(delivery)},
    ]
    return subject, paragraphs


def _response_text(response: Response, petition: Petition) -> tuple[str, list[str]]:
    responder = response.responder
    subject = gettext("%(responder)s answered our petition") % {"responder": responder}
    paragraphs = [
        gettext("On %(date)s, %(responder)s answered our petition “%(petition)s”.")
        % {
            "date": _date(response.responded_on),
            "responder": responder,
            "petition": petition.title,
        }
    ]
    # Their words, quoted in the English column where no translation was written.
    if (response.text or "").strip():
        paragraphs += [gettext("What they said:"), response.text.strip()]
    if response.url:
        paragraphs.append(gettext("Their answer in full: %(url)s") % {"url": response.url})
    paragraphs += [
        gettext("Thank you for standing with us."),
        gettext("Read about it on our site: %(url)s") % {"url": _page(response)},
    ]
    return subject, paragraphs


def update_draft_about(*, row: Delivery | Response, actor: AbstractBaseUser) -> tuple[SupporterUpdate, bool]:
    """The draft update about this delivery or response, written now unless it has one already
    (then that one, and False). It goes to the supporters of the featured petition: a delivery
    or a response is about the campaign's petition, and names none itself. Audited."""
    with transaction.atomic():
        # The lock makes a double press write one draft, not two.
        row = type(row).objects.select_for_update().get(pk=row.pk)
        if row.supporter_update_id is not None:
            return SupporterUpdate.objects.get(pk=row.supporter_update_id), False
        petition = Petition.objects.order_by("-is_featured", "-created_at").first()
        if petition is None:
            raise DraftRefused("There is no petition yet whose supporters could get an update.")
        texts = {}
        for language, _name in settings.LANGUAGES:
            if not _has_text(row, language):
                continue
            with translation.override(language):
                write = _delivery_text if isinstance(row, Delivery) else _response_text
                subject, paragraphs = write(row, petition)
            texts[f"subject_{language}"] = Truncator(" ".join(subject.split())).chars(SUBJECT_MAX)
            texts[f"body_{language}"] = "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
        update = SupporterUpdate.objects.create(petition=petition, **texts)
        row.supporter_update = update
        row.save(update_fields=["supporter_update"])
        audit_record(
            actor=actor,
            action="update_draft_about",
            petition=petition,
            details={"update": update.pk, row.kind: row.pk},
        )
    return update, True
