from django.core.management.base import BaseCommand

from campaign.content.seed import seed_campaign


class Command(BaseCommand):
    help = (
        "Create the Kazakhstan campaign's content and petition where missing, and bring rows nobody edited up "
        "to date. Never overwrites an edit."
    )

    def handle(self, *args, **options):
        counts = seed_campaign()
        lines = []
        for outcome, label in (
            ("created", "created"),
            ("updated", "updated"),
            ("kept", "kept as edited (newer seeded version available in the admin)"),
        ):
            if counts[outcome]:
                lines.append(f"{label}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts[outcome].items())))
        self.stdout.write("Seeded: " + ("; ".join(lines) if lines else "nothing to do (up to date)") + ".")
