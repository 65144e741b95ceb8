"""`python manage.py cohort_run [--as-of YYYY-MM-DD]`: run the cohort rule now, in this process."""

import datetime as dt
import resource
import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel
from cohort.services import cohort_run_execute


class Command(BaseCommand):
    help = "Apply the transition cohort rule for a date (default today) and record the run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: object, **options: object) -> None:
        as_of = options["as_of"] or timezone.localdate()
        assert isinstance(as_of, dt.date)  # noqa: S101 - narrows the type for mypy
        started = time.perf_counter()
        with audit_context(channel=Channel.COMMAND, path="manage.py cohort_run"):
            run = cohort_run_execute(actor=None, as_of=as_of)
        # Wall time of the whole job, commit included (the run's own times stop before commit).
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Cohort run {run.pk} for {run.as_of}: {run.children_evaluated} children evaluated, "
            f"{run.children_qualifying} qualifying, {run.history_missing} with history missing; "
            f"flags {run.flags_created} created, {run.flags_updated} updated, "
            f"{run.flags_unchanged} unchanged; rule {run.rule_version}; job {seconds:.2f} s; "
            f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB"
        )
