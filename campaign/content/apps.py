from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "campaign.content"
    label = "content"
    verbose_name = _("Campaign content")

    def ready(self):
        from campaign import csrf_tokens

        csrf_tokens.install()
