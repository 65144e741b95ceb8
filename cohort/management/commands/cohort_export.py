"""`python manage.py cohort_export [--as-of YYYY-MM-DD] [--status S]`: the cohort as CSV on
standard output, one row per qualifying child."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import audit_context
from audit.models import Channel
from audit.services import audit_record
from cohort.models import CohortFlag
from cohort.selectors import cohort_export_rows, cohort_export_rows_as_of, csv_write


class Command(BaseCommand):
    help = (
        "Write the transition cohort as CSV: with --as-of, the children qualifying in that day's "
        "run; otherwise every child named on a flag. --status keeps flags in that status."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--status", choices=CohortFlag.Status.values)

    def handle(self, *args: object, **options: object) -> None:
        as_of, status = options["as_of"], options["status"]
        if as_of is not None and not isinstance(as_of, dt.date):
            raise CommandError("--as-of must be a date")
        if as_of:
            rows = cohort_export_rows_as_of(as_of)
            if status:
                rows = (row for row in rows if row[-2] == status)
        else:
            flags = CohortFlag.objects.all()
            if status:
                flags = flags.filter(status=status)
            rows = cohort_export_rows(flags)
        with audit_context(channel=Channel.COMMAND, path="manage.py cohort_export"):
            audit_record(
                actor=None,
                action="cohort.export",
                details={"as_of": as_of.isoformat() if as_of else None, "status": status},
            )
        csv_write(self.stdout, rows)
