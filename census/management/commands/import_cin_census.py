"""python manage.py import_cin_census PATH [PATH ...] [--families MAPPING.csv] [--dry-run]
[--report REPORT.csv]

Exit status: 0 when everything was imported (DfE errors and queries may still be reported);
1 when anything was held back, nothing was imported, or the import failed; 2 (a CommandError)
when a file was refused. The report goes to --report, or to standard error.
"""

import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import audit_context
from audit.models import Channel
from census.models import CensusImport
from census.selectors import census_report_rows
from census.services import census_import_files

Status = CensusImport.Status


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
        if job.status == Status.REFUSED:
            raise CommandError(job.message)
        for file in job.files.order_by("position"):
            c = file.counts
            self.stdout.write(
                f"{file.name}: {file.get_status_display()}; {c.get('children_read', 0)} children "
                f"read, {c.get('children_imported', 0)} imported, "
                f"{c.get('children_held_back', 0)} held back whole, "
                f"{c.get('elements_held_back', 0)} elements held back; "
                f"{c.get('errors', 0)} errors, {c.get('queries', 0)} queries"
            )
        self.stdout.write(
            f"Import {job.pk}: {job.get_status_display()}. {job.message}"
            + (" (dry run: nothing kept)" if job.dry_run else "")
        )
        if options["report"]:
            with open(options["report"], "w", newline="") as out:
                csv.writer(out).writerows(census_report_rows(job=job))
        elif job.issues.exists():
            csv.writer(sys.stderr).writerows(census_report_rows(job=job))
        if job.status != Status.FINISHED:
            sys.exit(1)
