"""The transition cohort rule (DOMAIN.md "The transition cohort"), in one versioned place.

A child qualifies on date D through a CP plan P when all four hold:

1. re-plan within the window: the child's previous CP plan (latest earlier start, any CIN
   episode) ended no more than `REPLAN_WINDOW_MONTHS` before P started;
2. DA at planning: a DA risk flag recorded at planning on or before P's start (recorded by a
   person: a conference, the police, a practitioner), or factor 3A/3B/3C on an assessment in
   P's CIN episode started on or before P's start, whose factors were known by D (authorised by
   D, or started by D where it has no authorisation date);
3. P has run at least `MIN_PLAN_MONTHS`: start + months <= min(D, P's end);
4. a step-down to CIN is decided for P (known on D) and P is open on D or ended within
   `STEP_DOWN_GRACE_DAYS` before it.

Nothing dated after D is used: plans starting after D are ignored, an end after D reads as open,
a step-down decided (or for the census, a CIN plan starting) after D is unknown, an assessment
authorised after D has not yet named its factors.

Step-downs are `cases.step_downs` (the one definition): decided by a conference, or inferred
from the census dates with `STEP_DOWN_LINK_DAYS` at run time, so the setting takes effect both
ways on the next run.

A plan whose `number_of_previous_cpp` is greater than the number of earlier plans we hold for
the child (none, or fewer) is returned as a near miss, "history missing", when criteria 2-4
hold: the most recent earlier plan may be one we do not have, so the window cannot be judged
(DOMAIN.md: say so rather than guess).

The rule is one SQL statement (a window over each child's plans, then EXISTS-style lookups).
Change `RULE_VERSION` whenever the rule's meaning changes; each run stores it.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from cases.codes import DA_FACTORS
from cases.models import (
    Assessment,
    AssessmentFactor,
    CPPlan,
    DARiskFlag,
    FamilyMembership,
)
from cases.step_downs import step_downs_sql

from . import dates

RULE_VERSION = "2026.2"

QUALIFIES = "qualifies"
HISTORY_MISSING = "history_missing"
NO_FAMILY = "no_family"

#: Columns the rule returns, in order (also the columns of `CohortRunResult` it fills).
RESULT_COLUMNS = (
    "outcome",
    "child_id",
    "family_id",
    "plan_id",
    "plan_start",
    "plan_end",
    "number_of_previous_cpp",
    "previous_plan_id",
    "previous_plan_end",
    "da_flag_id",
    "da_flag_recorded_on",
    "da_flag_source",
    "da_assessment_id",
    "da_assessment_start",
    "step_down_decided_on",
    "step_down_planned_cin_start",
    "step_down_source",
)


@dataclass(frozen=True)
class RuleParameters:
    window_months: int
    min_plan_months: int
    grace_days: int
    link_days: int = 7

    @classmethod
    def from_settings(cls) -> RuleParameters:
        return cls(
            window_months=settings.REPLAN_WINDOW_MONTHS,
            min_plan_months=settings.MIN_PLAN_MONTHS,
            grace_days=settings.STEP_DOWN_GRACE_DAYS,
            link_days=settings.STEP_DOWN_LINK_DAYS,
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def rule_sql(vendor: str | None = None) -> str:
    """The rule as one SELECT with named parameters (`rule_params`). Readable on purpose."""
    vendor = vendor or connection.vendor
    plan = CPPlan._meta.db_table
    # Only plans ended within the grace can have a census step-down that matters on D.
    step_down = (
        "("
        + step_downs_sql(
            vendor,
            as_of=True,
            plans_where="p.end_date >= %(grace_start)s AND p.end_date <= %(as_of)s",
        )
        + ")"
    )
    da_flag = DARiskFlag._meta.db_table
    assessment = Assessment._meta.db_table
    factor = AssessmentFactor._meta.db_table
    membership = FamilyMembership._meta.db_table
    da_codes = ", ".join(f"'{code}'" for code in sorted(DA_FACTORS))
    months_on = dates.add_months_sql(vendor, "h.start_date", "%(min_plan_months)s")
    window_end = dates.add_months_sql(vendor, "h.previous_end", "%(window_months)s")
    return f"""
WITH history AS (
    -- Every plan known on D, with the child's previous plan (latest earlier start, any episode).
    SELECT p.id AS plan_id, p.child_id, p.episode_id, p.start_date, p.number_of_previous_cpp,
           CASE WHEN p.end_date <= %(as_of)s THEN p.end_date END AS end_on_d,
           ROW_NUMBER() OVER by_child - 1 AS earlier_count,
           LAG(p.id) OVER by_child AS previous_plan_id,
           LAG(p.end_date) OVER by_child AS previous_end
    FROM {plan} p
    WHERE p.start_date <= %(as_of)s
    WINDOW by_child AS (PARTITION BY p.child_id ORDER BY p.start_date)
),
candidates AS (
    -- Criteria 4 (step-down known on D, plan open or within the grace), 3 (months on plan)
    -- and 1 (re-plan within the window), or the history-missing near miss (more previous
    -- plans recorded than we hold).
    SELECT h.*, s.decided_on, s.planned_cin_start, s.source AS step_down_source
    FROM history h
    JOIN {step_down} s ON s.plan_id = h.plan_id
    WHERE s.decided_on <= %(as_of)s
      AND (h.end_on_d IS NULL OR h.end_on_d >= %(grace_start)s)
      AND {months_on} <= COALESCE(h.end_on_d, %(as_of)s)
      AND ((h.previous_end IS NOT NULL AND h.start_date <= {window_end})
           OR h.number_of_previous_cpp > h.earlier_count)
),
evidence AS MATERIALIZED (
    -- Criterion 2: the DA evidence itself, so the why can name it. Materialised so each
    -- lookup runs once per candidate, not again for the output columns.
    SELECT c.*,
        (SELECT f.id FROM {da_flag} f
          WHERE f.plan_id = c.plan_id AND f.at_planning AND f.recorded_on <= c.start_date
            AND f.source <> 'assessment'
          ORDER BY f.recorded_on, f.id LIMIT 1) AS da_flag_id,
        -- An assessment's factors are known from its authorisation (its start without one).
        (SELECT a.id FROM {assessment} a
          WHERE a.episode_id = c.episode_id AND a.start_date <= c.start_date
            AND COALESCE(a.authorisation_date, a.start_date) <= %(as_of)s
            AND EXISTS (SELECT 1 FROM {factor} af
                         WHERE af.assessment_id = a.id AND af.code IN ({da_codes}))
          ORDER BY a.start_date DESC, a.id DESC LIMIT 1) AS da_assessment_id,
        -- A child belongs to one family in practice; if ever more, the earliest membership.
        (SELECT MIN(m.family_id) FROM {membership} m WHERE m.person_id = c.child_id) AS family_id
    FROM candidates c
)
SELECT
    CASE WHEN e.number_of_previous_cpp > e.earlier_count THEN '{HISTORY_MISSING}'
         WHEN e.family_id IS NULL THEN '{NO_FAMILY}'
         ELSE '{QUALIFIES}' END AS outcome,
    e.child_id, e.family_id, e.plan_id, e.start_date AS plan_start, e.end_on_d AS plan_end,
    e.number_of_previous_cpp, e.previous_plan_id, e.previous_end AS previous_plan_end,
    e.da_flag_id,
    (SELECT f.recorded_on FROM {da_flag} f WHERE f.id = e.da_flag_id) AS da_flag_recorded_on,
    COALESCE((SELECT f.source FROM {da_flag} f WHERE f.id = e.da_flag_id), '') AS da_flag_source,
    e.da_assessment_id,
    (SELECT a.start_date FROM {assessment} a WHERE a.id = e.da_assessment_id)
        AS da_assessment_start,
    e.decided_on AS step_down_decided_on, e.planned_cin_start AS step_down_planned_cin_start,
    e.step_down_source
FROM evidence e
WHERE e.da_flag_id IS NOT NULL OR e.da_assessment_id IS NOT NULL
"""


def rule_params(as_of: dt.date, parameters: RuleParameters | None = None) -> dict[str, str | int]:
    parameters = parameters or RuleParameters.from_settings()
    return {
        "as_of": as_of.isoformat(),
        "grace_start": dates.grace_start(as_of, parameters.grace_days).isoformat(),
        "window_months": parameters.window_months,
        "min_plan_months": parameters.min_plan_months,
        "link_days": parameters.link_days,
    }


def session_settings(cursor: Any) -> None:
    """Per-transaction settings the rule runs with (ADR 0021). PostgreSQL's JIT would compile the
    query on every run (about a second, more than the query itself at 100,000 children) for an
    index-ordered scan it cannot speed up."""
    if cursor.db.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")
        # The join of the plans' window with the step-downs hashes ~1M rows at a million
        # children: give it memory rather than spill to temporary files.
        cursor.execute("SET LOCAL work_mem = '64MB'")


def evaluate(as_of: dt.date, parameters: RuleParameters | None = None) -> list[dict[str, object]]:
    """Run the bare rule for D and return its rows (qualifying children and near misses).

    The nightly job does not call this: it inserts the same SELECT straight into
    `CohortRunResult` (`services.cohort_run_execute`). Tests and the benchmark use it.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        session_settings(cursor)
        cursor.execute(rule_sql(), rule_params(as_of, parameters))
        columns = [col[0] for col in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def children_evaluated_sql() -> str:
    """How many children the run looked at: those with a CP plan known on D."""
    # GROUP BY reads the (child, start) index in order; COUNT(DISTINCT) sorts instead.
    return (
        f"SELECT COUNT(*) FROM (SELECT child_id FROM {CPPlan._meta.db_table} "
        "WHERE start_date <= %(as_of)s GROUP BY child_id) known"
    )
