from django.core.management.base import BaseCommand

from campaign.content.seed import seed_campaign


class Command(BaseCommand):
    help = "Create the Kazakhstan campaign's content and petition where missing. Never overwrites edits."

    def handle(self, *args, **options):
        created = seed_campaign()
        summary = ", ".join(f"{n} {kind}" for kind, n in created.items() if n) or "nothing (already there)"
        self.stdout.write(f"Seeded: {summary}.")
