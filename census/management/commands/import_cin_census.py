"""python manage.py import_cin_census PATH [PATH ...] [--families MAPPING.csv] [--dry-run]"""

import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import audit_context
from audit.models import Channel
from census.models import CensusImport
from census.selectors import census_report_rows
from census.services import census_import_files


class Command(BaseCommand):
    help = "Import DfE children in need census returns (oldest first) into the case record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="census XML files, oldest return first")
        parser.add_argument("--families", default="", help="CSV: la_child_id,family_reference")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--report", default="", help="write the report as CSV to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(channel=Channel.COMMAND):
            job = census_import_files(
                actor=None,
                paths=options["paths"],
                families_path=options["families"],
                dry_run=options["dry_run"],
            )
        if job.status == CensusImport.Status.REFUSED:
            raise CommandError(job.message)
        counts = job.counts
        self.stdout.write(
            f"Import {job.pk}: {counts['children_read']} children read, "
            f"{counts['children_imported']} imported, {counts['children_rejected']} rejected, "
            f"{counts['warnings']} warnings, {counts['rows_written']} rows written"
            + (" (dry run: nothing kept)" if job.dry_run else "")
        )
        if options["report"]:
            with open(options["report"], "w", newline="") as out:
                csv.writer(out).writerows(census_report_rows(job=job))
        elif job.issues.exists():
            csv.writer(sys.stderr).writerows(census_report_rows(job=job))
