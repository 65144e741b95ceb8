"""Where the measures read facts that other apps define: step-downs and DA at planning.

Each is one function returning SQL, so the lead can point it at the shared definition when it
lands (issue 10 moves "what is a step-down" into one reusable place) without touching the
measures that use it.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from cases.codes import DA_FACTORS
from cases.models import Assessment, AssessmentFactor, CINPlan, CPPlan, DARiskFlag, StepDown

from .vendor import add_days_sql


def step_downs_sql(vendor: str) -> str:
    """Every CP plan that ended in a step-down to CIN: `(plan_id, child_id, step_down_on)`.

    A plan stepped down when it has ended and either a step-down was recorded for it (a review
    conference's decision, or one the census import inferred) or a CIN plan in the same CIN
    episode started on its end date or up to `STEP_DOWN_LINK_DAYS` (parameter `link_days`) after
    it (DOMAIN.md "Reading the rule off census data"). The step-down date is the plan's end.

    Interim: this will be pointed at the shared definition of a step-down (issue 10: census-
    inferred links computed at run time from stored dates with STEP_DOWN_LINK_DAYS, plus
    conference-decided StepDown rows) when that lands.
    """
    plan, step_down, cin_plan = (
        CPPlan._meta.db_table,
        StepDown._meta.db_table,
        CINPlan._meta.db_table,
    )
    link_end = add_days_sql(vendor, "p.end_date", "%(link_days)s")
    return f"""
    SELECT p.id AS plan_id, p.child_id, p.end_date AS step_down_on
    FROM {plan} p
    WHERE p.end_date IS NOT NULL
      AND (EXISTS (SELECT 1 FROM {step_down} s WHERE s.plan_id = p.id)
           OR EXISTS (SELECT 1 FROM {cin_plan} c
                       WHERE c.episode_id = p.episode_id
                         AND c.start_date >= p.end_date AND c.start_date <= {link_end}))
    """


def da_at_planning_sql(plan_alias: str) -> str:
    """A condition: domestic abuse was recorded when the plan `plan_alias` was made.

    The cohort rule's criterion 2 (DOMAIN.md): a DA risk flag recorded at planning on or before
    the plan's start, or factor 3A/3B/3C on an assessment in the plan's CIN episode started on or
    before the plan's start. `plan_alias` needs `id`, `episode_id` and `start_date` columns.
    """
    da_flag, assessment, factor = (
        DARiskFlag._meta.db_table,
        Assessment._meta.db_table,
        AssessmentFactor._meta.db_table,
    )
    codes = ", ".join(f"'{code}'" for code in sorted(DA_FACTORS))
    p = plan_alias
    return f"""(
        EXISTS (SELECT 1 FROM {da_flag} fl
                 WHERE fl.plan_id = {p}.id AND fl.at_planning AND fl.recorded_on <= {p}.start_date)
        OR EXISTS (SELECT 1 FROM {assessment} a JOIN {factor} af ON af.assessment_id = a.id
                    WHERE a.episode_id = {p}.episode_id AND a.start_date <= {p}.start_date
                      AND af.code IN ({codes}))
    )"""
