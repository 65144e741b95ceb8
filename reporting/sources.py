"""Where the measures read facts that other apps define: step-downs and DA at planning.

Each is one function returning SQL; a step-down is read through the shared definition in
`cases.step_downs`, so the measures, the cohort rule and the pages agree on it.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from cases.codes import DA_FACTORS
from cases.models import Assessment, AssessmentFactor, CPPlan, DARiskFlag
from cases.step_downs import step_downs_sql as shared_step_downs_sql


def step_downs_sql(vendor: str) -> str:
    """Every CP plan that ended in a step-down to CIN: `(plan_id, child_id, step_down_on)`.

    The step-down itself is the one shared definition (`cases.step_downs`, ADR 0055): a review
    conference's decision, or a CIN plan in the same CIN episode starting on the plan's end or up
    to `STEP_DOWN_LINK_DAYS` (parameter `link_days`) after it. The measures count a step-down
    once the plan has ended; its date is the plan's end.
    """
    plan = CPPlan._meta.db_table
    return f"""
    SELECT p.id AS plan_id, p.child_id, p.end_date AS step_down_on
    FROM ({shared_step_downs_sql(vendor)}) sd
    JOIN {plan} p ON p.id = sd.plan_id
    WHERE p.end_date IS NOT NULL
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
