"""`manage.py report_cp_counts --from YYYY-MM-DD --to YYYY-MM-DD [--format json]`."""

from typing import Any

from reporting import selectors
from reporting.models import FiguresBuild
from reporting.periods import Period

from ._reports import ReportCommand


class Command(ReportCommand):
    help = "Children on a CP plan at each month end in the period (months known by the figures)."
    report = "report_cp_counts"

    def figures(self, period: Period, build: FiguresBuild) -> dict[str, Any]:
        counts = selectors.cp_counts(period, as_of=build.as_of)
        return {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "month_ends": [
                {"date": month.day.isoformat(), "children": month.children}
                for month in counts.months
            ],
        }
