"""The base of every row whose text is kept per language; apart from models.py so that models
defined beside their own code (deliveries.py) can use it without importing models.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Translated(models.Model):
    """A row whose text has a column per language (campaign/content/translation.py), and, per
    translated language, the hash of the English text its translation was made from (a
    translation is "outdated" once the English no longer hashes to it) and whether a native
    speaker has reviewed it. Seeded translations start unreviewed. See translations.py."""

    translated_from_ru = models.CharField(max_length=64, blank=True, editable=False)
    translated_from_kk = models.CharField(max_length=64, blank=True, editable=False)
    reviewed_ru = models.BooleanField(_("Russian reviewed by a native speaker"), default=False)
    reviewed_kk = models.BooleanField(_("Kazakh reviewed by a native speaker"), default=False)

    class Meta:
        abstract = True
