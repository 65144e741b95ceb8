"""What the `report_*` commands share: the period arguments, the figures, the output format."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel
from reporting import selectors, services
from reporting.models import FiguresBuild
from reporting.periods import Period


class ReportCommand(BaseCommand):
    """`--from YYYY-MM-DD --to YYYY-MM-DD [--format json|text] [--rebuild]`.

    Reads the latest figures (built nightly); builds them first when there are none yet, or when
    asked with `--rebuild`. The output names the date the figures are as at.
    """

    report = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", type=dt.date.fromisoformat, required=True)
        parser.add_argument("--to", dest="end", type=dt.date.fromisoformat, required=True)
        parser.add_argument("--format", choices=("json", "text"), default="text")
        parser.add_argument("--rebuild", action="store_true", help="rebuild the figures first")

    def figures(self, period: Period, build: FiguresBuild) -> dict[str, Any]:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = options["start"], options["end"]
        if end < start:
            raise CommandError("--to must be on or after --from.")
        period = Period.custom(start, end)
        with audit_context(channel=Channel.COMMAND, path=f"manage.py {self.report}"):
            build = selectors.latest_build()
            if build is None or options["rebuild"]:
                self.stderr.write("Building the figures first ...")
                build = services.figures_build(actor=None, as_of=timezone.localdate())
            data = {"figures_as_at": build.as_of.isoformat(), **self.figures(period, build)}
            services.report_export_record(
                actor=None,
                report=f"command/{self.report}",
                file_format=options["format"],
                details=period.query(),
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
        else:
            for key, value in data.items():
                self.stdout.write(f"{key}: {value}")
