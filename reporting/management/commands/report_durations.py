"""`manage.py report_durations --from YYYY-MM-DD --to YYYY-MM-DD [--format json]`."""

from typing import Any

from reporting import selectors
from reporting.models import FiguresBuild
from reporting.periods import Period

from ._reports import ReportCommand


class Command(ReportCommand):
    help = (
        "CP plans open at the period's end (or the figures' date, if earlier) by how long they "
        "had been open, and plans that ended in the period by how long they lasted."
    )
    report = "report_durations"

    def figures(self, period: Period, build: FiguresBuild) -> dict[str, Any]:
        durations = selectors.durations(period, as_of=build.as_of)
        return {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            **durations.as_dict(),
        }
