"""python manage.py export_cin_census --year YYYY [--out FILE]"""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit.context import audit_context
from audit.models import Channel
from audit.services import audit_record
from census.exporter import census_export, children_without_id


class Command(BaseCommand):
    help = "Write the children in need census return for the year ending 31 March YYYY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="e.g. 2025 for 2024-25")
        parser.add_argument("--out", default="", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        year, out_path = options["year"], options["out"]
        with audit_context(channel=Channel.COMMAND):
            if out_path:
                with open(out_path, "wb") as out:
                    count = census_export(out, year=year)
            else:
                count = census_export(sys.stdout.buffer, year=year)
                sys.stdout.flush()
            audit_record(
                actor=None,
                action="census.export",
                details={"year": year, "children": count, "out": out_path or "stdout"},
            )
        self.stderr.write(f"{count} children written for the year ending 31 March {year}.")
        missing = children_without_id(year)
        if missing:
            self.stderr.write(
                f"{missing} children in need that year have no LA child ID and were left out: "
                "record their LA child ID to include them."
            )
