"""Deliveries of the petition and the targets' responses, recorded by organizers and shown,
dated, on the home page and the timeline once published. Nothing here is seeded: who received
the petition and what they answered is only ever what an organizer recorded.

The delivery's document (a photo or a PDF) is cleaned on upload (campaign/content/documents.py)
and served only by the app, under /media/, while its delivery is published.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .translated import Translated


def delivery_document_path(delivery, filename: str) -> str:
    """An unguessable name with the cleaned file's own extension (.jpg or .pdf)."""
    return f"deliveries/{uuid.uuid4().hex}.{filename.rpartition('.')[2]}"


class Delivery(Translated):
    kind = "delivery"  # how the templates tell a delivery from a response in one list

    recipient = models.CharField(
        _("delivered to"), max_length=300, help_text=_("Who received the petition, as they are named publicly.")
    )
    delivered_on = models.DateField(_("delivered on"))
    signatures = models.PositiveIntegerField(_("signatures delivered"))
    note = models.TextField(_("note"), blank=True, help_text=_("How it was delivered, in a few words (optional)."))
    document = models.FileField(
        _("document sent"),
        upload_to=delivery_document_path,
        blank=True,
        help_text=_("A photo (JPEG, PNG or WebP, re-encoded without its metadata) or a PDF."),
    )
    document_alt = models.CharField(
        _("document description"), max_length=300, blank=True, help_text=_("What the photo shows, for screen readers.")
    )
    is_published = models.BooleanField(_("published"), default=False, help_text=_("Shown on the site when ticked."))
    # The update to supporters written about it (campaign/outbox/update_drafts.py): the link
    # lives here so that petitions, which content already imports, never needs content.
    supporter_update = models.OneToOneField(
        "petitions.SupporterUpdate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="about_delivery",
        verbose_name=_("update to supporters about it"),
    )

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"{self.delivered_on}: {self.recipient}"

    def get_absolute_url(self):
        return reverse("content:home") + f"#delivery-{self.pk}"

    @property
    def date(self):
        return self.delivered_on

    @property
    def document_is_pdf(self) -> bool:
        return self.document.name.endswith(".pdf")

    def document_url(self) -> str:
        if not self.document:
            return ""
        return reverse("delivery_document", kwargs={"pk": self.pk, "name": self.document.name.rpartition("/")[2]})


class Response(Translated):
    kind = "response"

    responder = models.CharField(
        _("response from"), max_length=300, help_text=_("Who answered, as they are named publicly.")
    )
    responded_on = models.DateField(_("responded on"))
    text = models.TextField(
        _("what they said"),
        blank=True,
        help_text=_("Their answer or a faithful summary of it. Paragraphs separated by a blank line."),
    )
    url = models.URLField(_("link to the response"), max_length=500, blank=True)
    is_published = models.BooleanField(_("published"), default=False, help_text=_("Shown on the site when ticked."))
    supporter_update = models.OneToOneField(
        "petitions.SupporterUpdate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="about_response",
        verbose_name=_("update to supporters about it"),
    )

    class Meta:
        ordering = ["-responded_on", "-id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.CheckConstraint(condition=~models.Q(text_en="", url=""), name="content_response_text_or_link")
        ]

    def __str__(self):
        return f"{self.responded_on}: {self.responder}"

    def get_absolute_url(self):
        return reverse("content:home") + f"#response-{self.pk}"

    @property
    def date(self):
        return self.responded_on

    def clean(self):
        if not (self.text_en or "").strip() and not self.url:
            raise ValidationError(_("Give the response's text, a link to it, or both."))
