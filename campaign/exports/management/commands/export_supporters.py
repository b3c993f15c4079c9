"""`manage.py export_supporters`: the export page's files, for cron jobs and very large lists.

Same filters, same code path and same bytes as the page (CSV); no row limit, constant memory.
"""

import argparse
import getpass
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaign.exports import jobs, writers
from campaign.exports.filters import ALL_STATES, FORMATS, ExportFilters
from campaign.petitions.models import Petition


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD).") from None


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - a container may have no name for its user id
        return str(os.getuid())


class Command(BaseCommand):
    help = (
        "Export a petition's supporters as CSV or XLSX, to a file or stdout. By default: confirmed "
        "supporters who agreed to be kept updated (a contact list). Recorded in the audit log."
    )
    # Django's system checks (URLs, templates, models, security settings) are for deploys and
    # `manage.py check`; here they cost a quarter of a second before every export, a twentieth
    # of a million-row CSV's time.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--petition", required=True, metavar="SLUG", help="The petition's slug.")
        parser.add_argument(
            "--state",
            action="append",
            dest="states",
            metavar="STATE",
            choices=[s.value for s in ALL_STATES],
            help="Include signatures in this state (repeat for several). Default: confirmed.",
        )
        audience = parser.add_mutually_exclusive_group()
        audience.add_argument(
            "--contactable",
            dest="contactable",
            action="store_true",
            default=True,
            help="Only supporters who agreed to be kept updated, with email addresses (the default).",
        )
        audience.add_argument(
            "--all-supporters",
            dest="contactable",
            action="store_false",
            help="Every supporter, for delivery: no email addresses.",
        )
        parser.add_argument("--country", default="", metavar="CC", help="Only this country (ISO code, e.g. DE).")
        parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="Signed on or after this day (UTC).")
        parser.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="Signed on or before this day (UTC).")
        parser.add_argument("--format", dest="file_format", choices=FORMATS, default="csv")
        parser.add_argument("--excel", action="store_true", help="CSV for Excel: UTF-8 byte-order mark, CRLF.")
        parser.add_argument("--output", "-o", default="-", metavar="FILE", help="Where to write; - is stdout.")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=None,
            help=f"Rows per database fetch (default {writers.DEFAULT_CHUNK_SIZE}).",
        )

    def handle(self, *args, **options):
        petition = Petition.objects.filter(slug=options["petition"]).only("pk").first()
        if petition is None:
            raise CommandError(f"No petition with the slug {options['petition']!r}.")
        if options["chunk_size"] is not None and options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        try:
            filters = ExportFilters(
                petition_id=petition.pk,
                states=tuple(options["states"] or ["confirmed"]),
                contactable=options["contactable"],
                country=options["country"],
                since=options["since"],
                until=options["until"],
                file_format=options["file_format"],
                excel=options["excel"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        output = options["output"]
        if output != "-" and not Path(output).resolve().parent.is_dir():
            raise CommandError(f"The folder for {output!r} does not exist.")

        export = jobs.export_start(
            # No site account runs a command: the audit entry names the system user instead.
            filters=filters,
            actor=None,
            route="command",
            audit_extra={"operator": _operator()},
            chunk_size=options["chunk_size"],
        )
        if output == "-":
            stream = getattr(self.stdout._out, "buffer", None) or sys.stdout.buffer
            rows = export.write_to(stream)
            stream.flush()
        else:
            rows = self._write_file(export, Path(output))
        # To stderr, so that stdout carries nothing but the file.
        self.stderr.write(f"Wrote {rows} rows ({filters.file_format}) to {output}.", style_func=str)

    @staticmethod
    def _write_file(export: writers.Export, path: Path) -> int:
        """Write next to the target, then rename: a cron reader never sees half a file.

        mkstemp creates the file readable by the operator only, as personal data should be.
        """
        handle, partial = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                rows = export.write_to(out)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return rows
