from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Sending email; owns no tables (the outbox is the signatures table, in petitions)."""

    name = "campaign.outbox"
    label = "outbox"
