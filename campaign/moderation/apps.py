from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Moderating signatures; owns no tables (its models live in petitions)."""

    name = "campaign.moderation"
    label = "moderation"
