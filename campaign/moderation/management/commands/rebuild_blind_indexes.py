"""Recompute every signature's blind indexes (address, name words, name shape) under the
current BLIND_INDEX_KEY, from the decrypted names and addresses.

The blind-index key cannot be rotated any other way. Stop the site and the workers first (a
signature made meanwhile would not be recognised as a repeat), set the new key, run this, start
again. Batched, constant memory, audited; run it again after an interruption to resume."""

import time

from django.core.management.base import BaseCommand

from campaign.moderation.keys import BATCH_SIZE, blind_indexes_rebuild


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="signatures per transaction")

    def handle(self, *args, batch_size=BATCH_SIZE, **options):
        started = time.monotonic()
        progress = blind_indexes_rebuild(batch_size=max(1, batch_size))
        seconds = time.monotonic() - started
        resumed = " (resumed)" if progress.resumed else ""
        self.stdout.write(
            f"Blind-index key {progress.key}{resumed}: {progress.examined} signatures examined,"
            f" {progress.changed} rebuilt in {seconds:.1f}s."
        )
