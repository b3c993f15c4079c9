from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Exporting supporters; owns no tables (ExportJob lives in petitions)."""

    name = "campaign.exports"
    label = "exports"
