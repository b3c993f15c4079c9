"""The case the campaign makes: its text, timeline, demands, quotes and sources.

Every row carries a stable `key` so the seed can add what is missing without ever
overwriting what an editor changed.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Source(models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200)
    url = models.URLField(_("address"), blank=True)
    published_label = models.CharField(
        _("publication date as shown"), max_length=60, help_text=_("For example “20 January 2022”.")
    )
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    note = models.TextField(_("what it supports"), blank=True)

    class Meta:
        ordering = ["published_on", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return f"{self.publisher}: {self.title}"

    def get_absolute_url(self):
        return reverse("content:sources") + f"#source-{self.key}"


class Campaign(models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    lede = models.TextField(_("lede"))
    what_happened = models.TextField(_("what happened"), help_text=_("Paragraphs separated by a blank line."))
    why_it_matters = models.TextField(_("why it matters"), help_text=_("Paragraphs separated by a blank line."))
    call_to_action = models.TextField(_("call to action"))
    share_text = models.CharField(_("share text"), max_length=200)
    sources = models.ManyToManyField(Source, verbose_name=_("sources"), blank=True, related_name="campaigns")
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("content:home")


class TimelineEntry(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("campaign"))
    key = models.SlugField(_("key"), max_length=80, unique=True)
    date = models.DateField(_("date"))
    date_label = models.CharField(_("date as shown"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self):
        return f"{self.date_label}: {self.title}"

    def get_absolute_url(self):
        return reverse("content:timeline") + f"#event-{self.key}"


class Demand(models.Model):
    class Organisation(models.TextChoices):
        AMNESTY = "amnesty", _("Amnesty International")
        EUROPARL = "europarl", _("European Parliament")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="demands", verbose_name=_("campaign"))
    key = models.SlugField(_("key"), max_length=80, unique=True)
    organisation = models.CharField(_("organisation"), max_length=20, choices=Organisation.choices)
    text = models.TextField(_("text"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["organisation", "position", "id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")

    def __str__(self):
        return f"{self.get_organisation_display()}: {self.text[:60]}"

    def get_absolute_url(self):
        return reverse("content:demands") + f"#demand-{self.key}"


class Quote(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="quotes", verbose_name=_("campaign"))
    key = models.SlugField(_("key"), max_length=80, unique=True)
    speaker = models.CharField(_("speaker"), max_length=200)
    role = models.CharField(_("role"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self):
        return f"{self.speaker}: {self.text[:60]}"
