"""Reporting periods: a financial year, the 12 months to a month end, or any two dates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from cohort import dates

FINANCIAL_YEAR = "financial_year"
ROLLING_12_MONTHS = "rolling_12_months"
CUSTOM = "custom"


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def financial_year_of(day: dt.date) -> int:
    """The year in which the financial year holding `day` starts (1 April)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    kind: str
    label: str

    @classmethod
    def financial_year(cls, start_year: int) -> Period:
        return cls(
            dt.date(start_year, 4, 1),
            dt.date(start_year + 1, 3, 31),
            FINANCIAL_YEAR,
            f"the financial year {financial_year_label(start_year)}",
        )

    @classmethod
    def rolling_12_months(cls, last_month: dt.date) -> Period:
        """The 12 months ending with the month that holds `last_month`."""
        end = month_end(last_month)
        start = dates.add_months(end.replace(day=1), -11)
        return cls(start, end, ROLLING_12_MONTHS, f"the 12 months to {end:%B %Y}")

    @classmethod
    def custom(cls, start: dt.date, end: dt.date) -> Period:
        if end < start:
            raise ValueError("The period must end on or after the day it starts.")
        return cls(start, end, CUSTOM, f"{start:%-d %B %Y} to {end:%-d %B %Y}")

    @classmethod
    def default(cls, today: dt.date) -> Period:
        """The 12 months to the end of the last complete month."""
        return cls.rolling_12_months(today.replace(day=1) - dt.timedelta(days=1))

    @property
    def is_year(self) -> bool:
        return self.kind in (FINANCIAL_YEAR, ROLLING_12_MONTHS)

    def month_ends(self, until: dt.date | None = None) -> list[dt.date]:
        """Month ends in the period (up to `until`, when figures are known only that far)."""
        last = min(self.end, until) if until else self.end
        found = []
        day = month_end(self.start)
        while day <= last:
            found.append(day)
            day = month_end(day + dt.timedelta(days=1))
        return found

    def stock_day(self, as_of: dt.date) -> dt.date:
        """The day open-plan figures are given at: the period's end, or `as_of` if earlier."""
        return min(self.end, as_of)

    def query(self) -> dict[str, str]:
        """The period as GET parameters a drill-down or export link carries."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}
