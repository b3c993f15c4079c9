"""Anonymise the signatures of petitions closed PETITION_ANONYMISE_AFTER_MONTHS ago (beat does
it too, hourly). `--dry-run` prints what would be done and changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand

from campaign.moderation.retention import BATCH_SIZE, signatures_anonymise_due


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would be anonymised, change nothing")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="signatures per transaction")

    def handle(self, *args, dry_run=False, batch_size=BATCH_SIZE, **options):
        months = settings.PETITION_ANONYMISE_AFTER_MONTHS
        report = signatures_anonymise_due(dry_run=dry_run, batch_size=max(1, batch_size))
        if not report:
            self.stdout.write(f"No petition closed {months} months ago or more: nothing to anonymise.")
        for item in report:
            closed = f"{item.petition.slug} (closed {item.petition.closed_at:%Y-%m-%d %H:%M} UTC)"
            if dry_run:
                self.stdout.write(f"Would anonymise {item.to_anonymise} signature(s) of {closed}.")
            else:
                self.stdout.write(f"Anonymised {item.anonymised} signature(s) of {closed}.")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
