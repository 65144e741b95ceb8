"""`manage.py reporting_build [--as-of YYYY-MM-DD]`: rebuild the managers' figures now."""

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel
from reporting.services import figures_build


class Command(BaseCommand):
    help = "Rebuild the managers' figures (the nightly job) in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with audit_context(channel=Channel.COMMAND, path="manage.py reporting_build"):
            build = figures_build(actor=None, as_of=options["as_of"] or timezone.localdate())
        self.stdout.write(
            f"Figures build {build.pk} as at {build.as_of}: {build.days} days; "
            f"{time.perf_counter() - started:.2f} s"
        )
