"""`manage.py report_replans --from YYYY-MM-DD --to YYYY-MM-DD [--format json]`."""

from typing import Any

from reporting import selectors
from reporting.models import FiguresBuild
from reporting.periods import Period

from ._reports import ReportCommand


class Command(ReportCommand):
    help = (
        "Re-plans among CP plans that started in the period: plans_started, "
        "second_or_subsequent, rate, within_24_months, within_window (and their rates)."
    )
    report = "report_replans"

    def figures(self, period: Period, build: FiguresBuild) -> dict[str, Any]:
        return selectors.replan_figures(period, build=build).as_dict()
