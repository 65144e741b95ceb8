"""The cohort's outcome evaluation (DOMAIN.md "Measures": cohort outcome; ADR 0093).

Question: after stepping down from a CP plan made with domestic abuse, do families the transition
worker supported get a new CP plan later, or less often, than other families stepping down with
domestic abuse? This is an **observational** comparison: families were not allocated at random
(the cohort is defined by a repeat plan within the window, and only some flagged families were
accepted), so a difference between the groups is not proof that the work caused it.

- Unit: the family (siblings share dates and outcomes; counting children would count one family's
  outcome several times).
- Cohort: families with a cohort flag that reached "allocated"; time zero is the earliest
  step-down of a plan named on that flag.
- Comparison: families never allocated, with a CP plan made with DA at planning that stepped down
  (`sources.step_downs_sql`) on or after the cohort's first step-down (so both groups come from the
  same years); time zero is the family's first such step-down in that time.
- Event: any child of the family starts a CP plan after time zero. Families without one are
  censored at the evaluation date.

Estimates (SciPy, ADR 0093): Kaplan-Meier (`scipy.stats.ecdf` on right-censored data, with
pointwise 95% intervals by the exponential Greenwood, "log-log", formula) of the share with a new
plan, with numbers at risk, on a grid of months (a month here is 365.25 / 12 days); and the share
with a new plan within 6, 12 and 18 calendar months among families followed that long, with
Wilson 95% intervals (`scipy.stats.binomtest`).
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

from django.db import connection

from cases.models import CPPlan, FamilyMembership
from cohort import dates
from cohort.models import CohortFlag, CohortFlagChild, CohortFlagEvent

from .sources import da_at_planning_sql, step_downs_sql
from .sql import family_of_child_sql

COHORT = "cohort"
COMPARISON = "comparison"
GROUPS = {
    COHORT: "Transition cohort (allocated a transition worker)",
    COMPARISON: "Other families stepping down with domestic abuse",
}
#: Months at which the curves and numbers at risk are reported.
GRID_MONTHS = (0, 3, 6, 9, 12, 15, 18, 21, 24)
#: Horizons of the "new plan within N months" shares.
SHARE_MONTHS = (6, 12, 18)
DAYS_PER_MONTH = 365.25 / 12


def subjects_sql(vendor: str) -> str:
    """One row per family in the evaluation: `(grp, family_id, step_down_on, next_plan_on)`.
    Parameters: `as_of`, `link_days`."""
    plan, membership = CPPlan._meta.db_table, FamilyMembership._meta.db_table
    flag, child, event = (
        CohortFlag._meta.db_table,
        CohortFlagChild._meta.db_table,
        CohortFlagEvent._meta.db_table,
    )
    return f"""
WITH step_downs AS ({step_downs_sql(vendor)}),
allocated_flags AS (
    SELECT f.id, f.family_id FROM {flag} f
    WHERE EXISTS (SELECT 1 FROM {event} e WHERE e.flag_id = f.id AND e.to_status = 'allocated')
),
cohort AS (
    SELECT a.family_id, MIN(sd.step_down_on) AS step_down_on
    FROM allocated_flags a
    JOIN {child} fc ON fc.flag_id = a.id
    JOIN step_downs sd ON sd.plan_id = fc.plan_id
    WHERE sd.step_down_on <= %(as_of)s
    GROUP BY a.family_id
),
since AS (SELECT MIN(step_down_on) AS day FROM cohort),
da_step_downs AS (
    SELECT {family_of_child_sql("p.child_id")} AS family_id, sd.step_down_on
    FROM step_downs sd JOIN {plan} p ON p.id = sd.plan_id
    WHERE sd.step_down_on <= %(as_of)s AND {da_at_planning_sql("p")}
),
comparison AS (
    SELECT d.family_id, MIN(d.step_down_on) AS step_down_on
    FROM da_step_downs d CROSS JOIN since
    WHERE d.family_id IS NOT NULL AND d.step_down_on >= since.day
      AND NOT EXISTS (SELECT 1 FROM allocated_flags a WHERE a.family_id = d.family_id)
    GROUP BY d.family_id
),
subjects AS (
    SELECT '{COHORT}' AS grp, family_id, step_down_on FROM cohort
    UNION ALL
    SELECT '{COMPARISON}' AS grp, family_id, step_down_on FROM comparison
)
SELECT s.grp, s.family_id, s.step_down_on,
       (SELECT MIN(q.start_date) FROM {plan} q JOIN {membership} m ON m.person_id = q.child_id
         WHERE m.family_id = s.family_id AND q.start_date > s.step_down_on
           AND q.start_date <= %(as_of)s) AS next_plan_on
FROM subjects s
"""


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def subjects(*, as_of: dt.date, link_days: int) -> list[tuple[str, int, dt.date, dt.date | None]]:
    with connection.cursor() as cursor:
        cursor.execute(
            subjects_sql(connection.vendor), {"as_of": as_of.isoformat(), "link_days": link_days}
        )
        return [
            (grp, int(family), _as_date(step_down), _as_date(next_plan))  # type: ignore[misc]
            for grp, family, step_down, next_plan in cursor.fetchall()
        ]


def wilson(count: int, total: int) -> tuple[float, float] | None:
    """The Wilson score 95% interval of `count / total` (None when nobody was followed)."""
    if total == 0:
        return None
    from scipy.stats import binomtest

    interval = binomtest(count, total).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


def shares(rows: list[tuple[dt.date, dt.date | None]], as_of: dt.date) -> list[dict[str, Any]]:
    """New plan within N calendar months of step-down, among families followed N months (or
    re-planned sooner)."""
    found = []
    for months in SHARE_MONTHS:
        replanned = followed = 0
        for step_down_on, next_plan_on in rows:
            horizon = dates.add_months(step_down_on, months)
            event = next_plan_on is not None and next_plan_on <= horizon
            if event or horizon <= as_of:
                followed += 1
                replanned += int(event)
        interval = wilson(replanned, followed)
        found.append(
            {
                "months": months,
                "replanned": replanned,
                "followed": followed,
                "share": replanned / followed if followed else None,
                "lower": interval[0] if interval else None,
                "upper": interval[1] if interval else None,
            }
        )
    return found


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def kaplan_meier(rows: list[tuple[dt.date, dt.date | None]], as_of: dt.date) -> list[dict]:
    """The Kaplan-Meier share with a new plan (1 - S) and its pointwise 95% interval (SciPy's
    `ecdf` on right-censored data, "log-log": the exponential Greenwood interval) at
    `GRID_MONTHS`, with the number still at risk at each. Where nobody is left at risk the
    estimate is not given."""
    if not rows:
        return []
    from scipy.stats import CensoredData, ecdf

    durations = [((next_on or as_of) - step_down_on).days for step_down_on, next_on in rows]
    observed = [next_on is not None for _, next_on in rows]
    data = CensoredData(
        uncensored=[d for d, event in zip(durations, observed, strict=True) if event],
        right=[d for d, event in zip(durations, observed, strict=True) if not event],
    )
    survival = ecdf(data).sf
    with warnings.catch_warnings():
        # SciPy warns where the interval is undefined (S is 0 or 1): those points come back as
        # NaN and are shown as no interval.
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = survival.confidence_interval(confidence_level=0.95, method="log-log")
    curve = []
    for months in GRID_MONTHS:
        day = months * DAYS_PER_MONTH
        at_risk = sum(1 for duration in durations if duration >= day)
        point: dict[str, Any] = {
            "months": months,
            "at_risk": at_risk,
            "replanned_by": sum(
                1
                for duration, event in zip(durations, observed, strict=True)
                if event and duration <= day
            ),
            "replanned": None,
            "lower": None,
            "upper": None,
        }
        if months == 0 or at_risk:
            estimate = _number(survival.evaluate(day))
            low, high = _number(interval.low.evaluate(day)), _number(interval.high.evaluate(day))
            # 1 - S turns S's upper bound into the share's lower bound.
            point["replanned"] = None if estimate is None else 1 - estimate
            point["lower"] = None if high is None else 1 - high
            point["upper"] = None if low is None else 1 - low
        curve.append(point)
    return curve


def evaluate(*, as_of: dt.date, link_days: int) -> dict[str, Any]:
    """The evaluation as at `as_of`, as JSON-ready data (stored on the figures build)."""
    rows = subjects(as_of=as_of, link_days=link_days)
    cohort_days = [step_down for grp, _, step_down, _ in rows if grp == COHORT]
    result: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "since": min(cohort_days).isoformat() if cohort_days else None,
        "groups": {},
    }
    for key, label in GROUPS.items():
        group_rows = [(step_down, next_on) for grp, _, step_down, next_on in rows if grp == key]
        result["groups"][key] = {
            "label": label,
            "families": len(group_rows),
            "replanned": sum(1 for _, next_on in group_rows if next_on is not None),
            "curve": kaplan_meier(group_rows, as_of),
            "shares": shares(group_rows, as_of),
        }
    return result


def family_ids_sql(vendor: str) -> str:
    """Families in one group (`grp`) of the evaluation, for the drill-down list."""
    return f"SELECT family_id FROM ({subjects_sql(vendor)}) evaluated WHERE grp = %(grp)s"
