"""Re-encrypt every signer's name and address under the first key of FIELD_ENCRYPTION_KEYS.

Put the new key first and keep the old ones after it (every process: web, workers), restart,
then run this; once it reports it finished, the old keys may be dropped. Batched, constant
memory, audited; run it again after an interruption and it resumes where it stopped."""

import time

from django.core.management.base import BaseCommand

from campaign.moderation.keys import BATCH_SIZE, field_keys_rotate


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="signatures per transaction")

    def handle(self, *args, batch_size=BATCH_SIZE, **options):
        started = time.monotonic()
        last = [started]

        def report(progress):
            if progress.finished or time.monotonic() - last[0] > 5:
                last[0] = time.monotonic()
                self.stderr.write(f"through id {progress.through_id}: {progress.changed} re-encrypted")

        progress = field_keys_rotate(batch_size=max(1, batch_size), progress=report)
        seconds = time.monotonic() - started
        resumed = " (resumed)" if progress.resumed else ""
        self.stdout.write(
            f"Key {progress.key}{resumed}: {progress.examined} signatures examined, {progress.changed} re-encrypted"
            f" in {seconds:.1f}s. Every name and address is now under the first key."
        )
