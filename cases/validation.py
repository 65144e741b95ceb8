"""DfE children in need census rules (DOMAIN.md) as plain checks over dates.

Used by the services (every backend, including SQLite) and the census import, which reports the
rule number with each rejected record. PostgreSQL also holds 8935/8940/8840 as constraints.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .codes import DA_FACTORS, NO_FACTORS

Period = tuple[dt.date, dt.date | None]


@dataclass(frozen=True)
class RuleBreach:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def _overlaps(a: Period, b: Period) -> bool:
    """Half-open periods [start, end): a plan ending on a day and one starting that day touch."""
    a_start, a_end = a
    b_start, b_end = b
    return (a_end is None or b_start < a_end) and (b_end is None or a_start < b_end)


def cp_plan_breaches(plan: Period, others: Iterable[Period]) -> list[RuleBreach]:
    """Rules for one CP plan against the child's other CP plans (8840, 8935, 8940)."""
    start, end = plan
    breaches: list[RuleBreach] = []
    if end is not None and end <= start:
        rule = "8840" if end == start else "8925"
        breaches.append(RuleBreach(rule, "The CP plan must end after the day it starts."))
    for other in others:
        if end is None and other[1] is None:
            breaches.append(RuleBreach("8935", "The child already has an open CP plan."))
        elif _overlaps(plan, other):
            breaches.append(
                RuleBreach("8940", f"The CP plan overlaps another CP plan starting {other[0]}.")
            )
    return breaches


def cin_plan_alongside_cp_breaches(
    cin_plan: Period, cp_plans: Iterable[Period]
) -> list[RuleBreach]:
    """4001/4016/4017: a CIN plan does not run alongside a CP plan."""
    return [
        RuleBreach("4001", f"The CIN plan runs alongside the CP plan starting {cp[0]}.")
        for cp in cp_plans
        if _overlaps(cin_plan, cp)
    ]


def review_date_breaches(plan_start: dt.date, review_dates: Iterable[dt.date]) -> list[RuleBreach]:
    """8841: each review conference falls after the plan starts."""
    return [
        RuleBreach("8841", f"The review on {day} is not after the plan started on {plan_start}.")
        for day in review_dates
        if day <= plan_start
    ]


def is_weekend(day: dt.date) -> bool:
    """8875: conferences are held on working days, so never on a Saturday or Sunday."""
    return day.weekday() >= 5


def weekday_on_or_after(day: dt.date) -> dt.date:
    """The day itself, or the Monday after a weekend (how demo and sample data meet 8875)."""
    while is_weekend(day):
        day += dt.timedelta(days=1)
    return day


def factor_breaches(codes: Sequence[str]) -> list[RuleBreach]:
    """Assessment factors: 21 stands alone; no code twice."""
    breaches: list[RuleBreach] = []
    if NO_FACTORS in codes and len(codes) > 1:
        breaches.append(
            RuleBreach("8869", "Factor 21 (no factors) cannot be combined with others.")
        )
    if len(set(codes)) != len(codes):
        breaches.append(RuleBreach("8898", "An assessment factor is recorded more than once."))
    return breaches


def has_da_factor(codes: Iterable[str]) -> bool:
    return any(code in DA_FACTORS for code in codes)
