"""Step-downs: the one definition (DOMAIN.md, ADR 0055), for the cohort rule, the pages and the
measures alike.

A CP plan has stepped down to child in need when either

- a **review conference decided it**: a `StepDown` row (source "conference"; decided on its
  `decided_on`), or
- **the census shows it**: the plan has ended and a CIN plan of the same CIN episode starts on
  the plan's end or up to `STEP_DOWN_LINK_DAYS` days after it; the step-down date is the plan's
  end, the CIN plan its earliest such plan. A plan with a decided step-down is not also inferred.

Inferred links are computed from the stored dates whenever they are read, never stored, so
changing `STEP_DOWN_LINK_DAYS` changes them both ways at once. Evaluated for a past date D, a
link counts only once its CIN plan has started by D (what was known on D).

`step_downs_sql()` is a SELECT to use as a subquery (set-based work: the cohort rule, reporting);
`step_downs_for_plans()` reads them for a page's plans.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from .models import CINPlan, CPPlan, StepDown

DECIDED = StepDown.Source.CONFERENCE.value
INFERRED = StepDown.Source.CENSUS.value

#: Columns of `step_downs_sql()`, in order.
COLUMNS = ("plan_id", "decided_on", "planned_cin_start", "cin_plan_id", "source")


def _plus_days(vendor: str, column: str, days_param: str) -> str:
    if vendor == "postgresql":
        return f"({column} + {days_param})"
    if vendor == "sqlite":
        return f"date({column}, '+' || {days_param} || ' days')"
    raise NotImplementedError(f"No date arithmetic for {vendor}.")


def step_downs_sql(vendor: str | None = None, *, as_of: bool = False, plans_where: str = "") -> str:
    """Every step-down, one row per CP plan: `COLUMNS`. Named parameters: `link_days` (use
    `step_down_params`) and, with `as_of=True`, `as_of` (a date: inferred links whose CIN plan
    starts after it are left out). `plans_where` narrows the plans inferred from (an SQL
    condition on `p`, the CP plan, e.g. its end date), to spare the database the rest.
    """
    vendor = vendor or connection.vendor
    plan, cin, step_down = CPPlan._meta.db_table, CINPlan._meta.db_table, StepDown._meta.db_table
    last_day = _plus_days(vendor, "p.end_date", "%(link_days)s")
    known = "AND c.start_date <= %(as_of)s" if as_of else ""
    narrow = f"AND ({plans_where})" if plans_where else ""
    return f"""
SELECT s.plan_id, s.decided_on, s.planned_cin_start, s.cin_plan_id, s.source
FROM {step_down} s
WHERE s.source <> '{INFERRED}'
UNION ALL
SELECT l.plan_id, l.decided_on, l.planned_cin_start,
       (SELECT c2.id FROM {cin} c2
         WHERE c2.episode_id = l.episode_id AND c2.start_date = l.planned_cin_start),
       '{INFERRED}'
FROM (
    SELECT p.id AS plan_id, p.end_date AS decided_on, p.episode_id,
           MIN(c.start_date) AS planned_cin_start
    FROM {plan} p
    JOIN {cin} c ON c.episode_id = p.episode_id
     AND c.start_date >= p.end_date AND c.start_date <= {last_day} {known}
    WHERE p.end_date IS NOT NULL {narrow}
      AND NOT EXISTS (SELECT 1 FROM {step_down} d
                       WHERE d.plan_id = p.id AND d.source <> '{INFERRED}')
    GROUP BY p.id, p.end_date, p.episode_id
) l
"""


def step_down_params(link_days: int | None = None) -> dict[str, Any]:
    return {"link_days": settings.STEP_DOWN_LINK_DAYS if link_days is None else link_days}


@dataclass(frozen=True)
class StepDownLink:
    plan_id: int
    decided_on: dt.date
    planned_cin_start: dt.date | None
    cin_plan_id: int | None
    source: str

    @property
    def inferred(self) -> bool:
        return self.source == INFERRED


def step_downs_for_plans(plan_ids: list[int]) -> dict[int, StepDownLink]:
    """The step-down of each of these plans that has one (one query)."""
    if not plan_ids:
        return {}
    names = {f"plan_{i}": pk for i, pk in enumerate(plan_ids)}
    placeholders = ", ".join(f"%({name})s" for name in names)
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM ({step_downs_sql()}) sd "
        f"WHERE sd.plan_id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**step_down_params(), **names})
        rows = cursor.fetchall()
    return {
        row[0]: StepDownLink(row[0], _as_date(row[1]), _as_date(row[2]), row[3], row[4])
        for row in rows
    }


def _as_date(value: Any) -> Any:
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value
