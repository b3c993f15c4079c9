"""The case the campaign makes: its text, timeline, demands, quotes, sources and updates.

Rows the seed creates carry a stable `key` and `seed_digest`, the hash of the values the
seed last wrote: a row whose values still hash to it is untouched, and the seed may bring it
up to date; any other row was edited in the admin and stays as the editor left it.
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .translated import Translated

SEED_DIGEST_HELP = _("Hash of the values the seed last wrote; set by the seed, not by editors.")


def _seed_digest_field():
    return models.CharField(_("seeded version"), max_length=64, blank=True, editable=False, help_text=SEED_DIGEST_HELP)


class Source(Translated):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(
        _("title as the publisher gives it"),
        max_length=300,
        blank=True,
        help_text=_("Exactly as published; shown in quotation marks. Leave empty if you cannot check it."),
    )
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_(
            "What the document is, in our words, when its exact title is not known. Shown without quotation marks."
        ),
    )
    kind = models.CharField(
        _("kind of document"), max_length=80, blank=True, help_text=_("For example “Press release”.")
    )
    publisher = models.CharField(_("publisher"), max_length=200)
    url = models.URLField(_("address"), max_length=500, blank=True)
    archive_url = models.URLField(
        _("archived copy"),
        max_length=500,
        blank=True,
        help_text=_("An address of an archived copy, for example on web.archive.org."),
    )
    published_label = models.CharField(
        _("publication date as shown"), max_length=60, help_text=_("For example “20 January 2022”.")
    )
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    note = models.TextField(_("what it supports"), blank=True)
    seed_digest = _seed_digest_field()

    class Meta:
        ordering = ["published_on", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title_en="", description_en=""), name="content_source_title_or_description"
            )
        ]

    def __str__(self):
        return f"{self.publisher}: {self.title or self.description}"

    def get_absolute_url(self):
        return reverse("content:sources") + f"#source-{self.key}"

    def clean(self):
        if not self.title_en and not self.description_en:
            raise ValidationError(_("Give the publisher's exact title or, if you cannot check it, a description."))


class Campaign(Translated):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    lede = models.TextField(_("lede"))
    what_happened = models.TextField(_("what happened"), help_text=_("Paragraphs separated by a blank line."))
    why_it_matters = models.TextField(_("why it matters"), help_text=_("Paragraphs separated by a blank line."))
    call_to_action = models.TextField(_("call to action"))
    share_text = models.CharField(
        # Room for translations, which run longer than the English.
        _("share text"),
        max_length=300,
        help_text=_("The description search engines and shared links show."),
    )
    reviewed_on = models.DateField(
        _("case text last reviewed"),
        null=True,
        blank=True,
        help_text=_("When someone last checked this text against the sources. Shown on the home page."),
    )
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True, related_name="campaigns")
    is_published = models.BooleanField(_("published"), default=True)
    seed_digest = _seed_digest_field()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("content:home")


class TimelineEntry(Translated):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("campaign")
    )
    key = models.SlugField(_("key"), max_length=80, unique=True)
    date = models.DateField(_("date"))
    date_label = models.CharField(_("date as shown"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))
    seed_digest = _seed_digest_field()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self):
        return f"{self.date_label}: {self.title}"

    def get_absolute_url(self):
        return reverse("content:timeline") + f"#event-{self.key}"


class Demand(Translated):
    class Organisation(models.TextChoices):
        AMNESTY = "amnesty", _("Amnesty International")
        EUROPARL = "europarl", _("European Parliament")

    class Addressee(models.TextChoices):
        KAZAKHSTAN = "kazakhstan", _("To the authorities of Kazakhstan")
        INTERNATIONAL = "international", _("To the EU and the international community")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="demands", verbose_name=_("campaign"))
    key = models.SlugField(_("key"), max_length=80, unique=True)
    organisation = models.CharField(_("organisation"), max_length=20, choices=Organisation.choices)
    addressee = models.CharField(
        _("addressed to"),
        max_length=20,
        choices=Addressee.choices,
        default=Addressee.KAZAKHSTAN,
        help_text=_("Whom the organisation asked: the demand is shown under that heading."),
    )
    text = models.TextField(_("text"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    seed_digest = _seed_digest_field()

    class Meta:
        ordering = ["organisation", "-addressee", "position", "id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")

    def __str__(self):
        return f"{self.get_organisation_display()}: {self.text[:60]}"

    def get_absolute_url(self):
        return reverse("content:demands") + f"#demand-{self.key}"


ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.)\s*")
_SPACES = re.compile(r"\s+")


def quotation_is_verbatim(quotation: str, excerpt: str) -> bool:
    """Whether `quotation` is `excerpt`'s own words: its parts between ellipses ("…" or "...")
    each occur verbatim in the excerpt, in the same order and without overlapping. Runs of
    whitespace count as one space; nothing else is forgiven (not quotation marks, not case)."""
    text = _SPACES.sub(" ", excerpt).strip()
    parts = [part for part in (_SPACES.sub(" ", p).strip() for p in ELLIPSIS.split(quotation)) if part]
    if not parts:
        return False
    start = 0
    for part in parts:
        found = text.find(part, start)
        if found < 0:
            return False
        start = found + len(part)
    return True


class Quote(Translated):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="quotes", verbose_name=_("campaign"))
    key = models.SlugField(_("key"), max_length=80, unique=True)
    speaker = models.CharField(_("speaker"), max_length=200)
    role = models.CharField(_("role or context"), max_length=300, blank=True)
    text = models.TextField(
        _("quotation"),
        help_text=_(
            "Word for word from the excerpt below; mark a cut with “…”, and never cut where it changes the meaning."
        ),
    )
    language = models.CharField(
        _("language of the quotation"),
        max_length=10,
        default="en",
        help_text=_("The language the words were said or written in, as a code: “en”, “ru”, “kk”."),
    )
    translation = models.TextField(
        _("campaign's translation"),
        blank=True,
        help_text=_("Our translation of the quotation, shown beside it and labelled as a translation."),
    )
    excerpt = models.TextField(
        _("source excerpt"), help_text=_("The passage of the source the quotation comes from, copied exactly.")
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    seed_digest = _seed_digest_field()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self):
        return f"{self.speaker}: {self.text[:60]}"

    def clean(self):
        if not quotation_is_verbatim(self.text, self.excerpt):
            raise ValidationError(
                {
                    "text": _(
                        "This quotation is not word for word from its source excerpt. Copy the words exactly, "
                        "and join the parts you keep with “…”, in the order they appear."
                    )
                }
            )


class Update(Translated):
    """A dated, sourced note on where things stand, which organizers publish from the admin."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="updates", verbose_name=_("campaign"))
    key = models.SlugField(
        _("key"), max_length=80, unique=True, null=True, blank=True, help_text=_("Set by the seed; leave empty.")
    )
    title = models.CharField(_("title"), max_length=200)
    as_of = models.DateField(_("as of"), help_text=_("The date the facts in this update were true."))
    body = models.TextField(
        _("text"), help_text=_("Paragraphs separated by a blank line. Name the source of every figure.")
    )
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), related_name="updates")
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Shown on the home page when ticked.")
    )
    seed_digest = _seed_digest_field()

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("content:home") + f"#update-{self.pk}"


def case_photo_path(case, filename: str) -> str:
    """An unguessable name: the photo is served only through the app, only while published."""
    return f"cases/{uuid.uuid4().hex}.jpg"


class Case(Translated):
    """A person the campaign speaks for. Hidden until an organizer publishes it, and publishing
    needs a recorded consent (who gave it, when, how): these people or their families may be at risk."""

    name = models.CharField(_("name"), max_length=200)
    story = models.TextField(_("short story"), help_text=_("Paragraphs separated by a blank line."))
    photo = models.FileField(
        _("photo"),
        upload_to=case_photo_path,
        blank=True,
        help_text=_("JPEG, PNG or WebP. Re-encoded on upload, which removes its metadata (camera, place, time)."),
    )
    photo_alt = models.CharField(
        _("photo description"), max_length=300, blank=True, help_text=_("What the photo shows, for screen readers.")
    )
    consent_given_by = models.CharField(
        _("consent given by"),
        max_length=200,
        blank=True,
        help_text=_(
            "Who agreed to this case being shown: the person, or who speaks for them (for example “his wife”)."
        ),
    )
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_how = models.CharField(
        _("how consent was given"),
        max_length=300,
        blank=True,
        help_text=_("For example “in writing, kept by the organizers” or “by phone, with a witness”."),
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Shown on the home page when ticked; needs a recorded consent.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_published=False)
                | (
                    ~models.Q(consent_given_by="")
                    & models.Q(consent_given_on__isnull=False)
                    & ~models.Q(consent_how="")
                ),
                name="content_case_published_with_consent",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("content:home") + f"#case-{self.pk}"

    @property
    def consent_recorded(self) -> bool:
        return bool(self.consent_given_by.strip() and self.consent_given_on and self.consent_how.strip())

    def photo_url(self) -> str:
        if not self.photo:
            return ""
        return reverse("case_photo", kwargs={"pk": self.pk, "name": self.photo.name.rpartition("/")[2]})

    def clean(self):
        if self.is_published and not self.consent_recorded:
            raise ValidationError(
                {"is_published": _("Record who gave consent, when and how before publishing this case.")}
            )


class About(Translated):
    """The “About this campaign” page: who runs it and how to reach them. Nothing is seeded:
    what an organizer leaves empty is not shown."""

    run_by = models.TextField(
        _("who runs the campaign"),
        blank=True,
        help_text=_(
            "The people or organisation behind the campaign, in their own words. Paragraphs separated by a blank line."
        ),
    )
    contact_email = models.EmailField(
        _("contact email"), blank=True, help_text=_("Shown on the page. Empty: the site's contact address.")
    )

    class Meta:
        verbose_name = _("about this campaign")
        verbose_name_plural = _("about this campaign")

    def __str__(self):
        return str(_("About this campaign"))

    def get_absolute_url(self):
        return reverse("content:about")


# Defined beside its validation; imported here so Django finds it among content's models.
from .deliveries import Delivery, Response  # noqa: E402, F401
from .partners import PartnerOrigin  # noqa: E402, F401
