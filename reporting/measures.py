"""The measures' names and the duration bands, stated once (DOMAIN.md "Measures", ADR 0091).

Duration bands (how long a plan has run, from its start to a date: its end for an ended plan, the
day asked about for an open one), with calendar months as `relativedelta` counts them:

    band 0  3 months or less              d <= start + 3m
    band 1  over 3 months, up to 6        start + 3m  < d <= start + 6m
    band 2  over 6 months, up to 1 year   start + 6m  < d <= start + 12m
    band 3  over 1 year, under 2 years    start + 12m < d <  start + 24m
    band 4  2 years or more               d >= start + 24m

"2 years or more" includes the second anniversary, as "open 2 years+" (a plan open at a date that
started 2 years or more before it) does. As half-open day intervals the bands start at `start`,
`start + 3m + 1 day`, `start + 6m + 1 day`, `start + 12m + 1 day` and `start + 24m`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

from cohort import dates


@dataclass(frozen=True)
class DurationBand:
    index: int
    label: str
    short: str
    #: Where the band starts: months after the plan's start, plus days.
    starts_after_months: int
    starts_after_days: int


DURATION_BANDS = (
    DurationBand(0, "3 months or less", "≤3m", 0, 0),
    DurationBand(1, "Over 3 months, up to 6 months", "3-6m", 3, 1),
    DurationBand(2, "Over 6 months, up to 1 year", "6-12m", 6, 1),
    DurationBand(3, "Over 1 year, under 2 years", "1-2y", 12, 1),
    DurationBand(4, "2 years or more", "2y+", 24, 0),
)
TWO_YEARS_PLUS = DURATION_BANDS[-1]


def band_start(start: dt.date, band: DurationBand) -> dt.date:
    """The first day on which a plan that started on `start` is in `band`."""
    return dates.add_months(start, band.starts_after_months) + dt.timedelta(
        days=band.starts_after_days
    )


def band_of(start: dt.date, day: dt.date) -> DurationBand:
    """The band of a plan that started on `start`, on `day` (its end, or a day it was open)."""
    found = DURATION_BANDS[0]
    for band in DURATION_BANDS:
        if day >= band_start(start, band):
            found = band
    return found


class ComparatorMeasure(models.TextChoices):
    """Measures that England or statistical neighbours publish a figure for."""

    REPLAN_RATE = "replan_rate", "Re-plan rate (second or subsequent plan)"
    REPLAN_WITHIN_24_MONTHS = "replan_within_24_months", "Re-plans within 2 years"
    CHILDREN_ON_PLAN = "children_on_plan", "Children on a CP plan at 31 March"
    OPEN_2Y_PLUS = "open_2y_plus", "Open plans: 2 years or more"
    ENDED_BAND_0 = "ended_band_0", "Ended plans: 3 months or less"
    ENDED_BAND_1 = "ended_band_1", "Ended plans: over 3 months, up to 6 months"
    ENDED_BAND_2 = "ended_band_2", "Ended plans: over 6 months, up to 1 year"
    ENDED_BAND_3 = "ended_band_3", "Ended plans: over 1 year, under 2 years"
    ENDED_BAND_4 = "ended_band_4", "Ended plans: 2 years or more"
    DA_AT_PLANNING = "da_at_planning", "DA recorded at planning"
    DA_REPLAN_RATE = "da_replan_rate", "Re-plan rate where DA was recorded at planning"
    COHORT_REPLANNED_12_MONTHS = (
        "cohort_replanned_12_months",
        "Cohort families with a new CP plan within 12 months of step-down",
    )


#: Measures whose comparator figures are percentages (the rest are counts).
COUNT_MEASURES = frozenset({ComparatorMeasure.CHILDREN_ON_PLAN})
