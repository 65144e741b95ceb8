"""A small, obviously-correct reading of DOMAIN.md "The transition cohort", in plain Python.

It shares only the date arithmetic (`cohort.dates`) with the SQL rule, on purpose: the property
test checks the set-based query against this, child by child.
"""

import datetime as dt
from dataclasses import dataclass, field

from cohort import dates, rules

DA_CODES = {"3A", "3B", "3C"}


@dataclass
class Plan:
    id: int
    child: int
    episode: int
    start: dt.date
    end: dt.date | None
    previous_count: int | None


@dataclass
class World:
    plans: list[Plan]
    families: dict[int, int]  # child -> family
    #: plan id -> (decided_on, source, planned_cin_start)
    step_downs: dict[int, tuple[dt.date, str, dt.date | None]] = field(default_factory=dict)
    #: (plan id, recorded_on, at_planning)
    da_flags: list[tuple[int, dt.date, bool]] = field(default_factory=list)
    #: (episode id, start, codes)
    assessments: list[tuple[int, dt.date, set[str]]] = field(default_factory=list)


def outcomes(world: World, as_of: dt.date, p: rules.RuleParameters) -> dict[int, str]:
    """plan id -> "qualifies" | "history_missing" | "no_family", for plans the rule picks out."""
    found = {}
    for plan in world.plans:
        if plan.start > as_of:
            continue  # not known on D
        # 4. Step-down decided (and for the census, the CIN plan started) by D.
        step_down = world.step_downs.get(plan.id)
        if step_down is None:
            continue
        decided_on, source, cin_start = step_down
        if decided_on > as_of:
            continue
        if source == "census" and (cin_start is None or cin_start > as_of):
            continue
        # ...with the plan open on D, or ended within the grace.
        known_end = dates.end_on(as_of, plan.end)
        if known_end is not None and known_end < dates.grace_start(as_of, p.grace_days):
            continue
        # 3. Long enough on plan.
        if not dates.min_plan_reached(
            start=plan.start, end=plan.end, as_of=as_of, min_months=p.min_plan_months
        ):
            continue
        # 2. DA at planning.
        flagged = any(
            pid == plan.id and at_planning and recorded <= plan.start
            for pid, recorded, at_planning in world.da_flags
        )
        assessed = any(
            episode == plan.episode and started <= plan.start and codes & DA_CODES
            for episode, started, codes in world.assessments
        )
        if not (flagged or assessed):
            continue
        # 1. Re-plan within the window (previous: the child's latest earlier plan, any episode).
        earlier = [q for q in world.plans if q.child == plan.child and q.start < plan.start]
        if earlier:
            previous = max(earlier, key=lambda q: q.start)
            if previous.end is None or not dates.replan_within_window(
                start=plan.start, previous_end=previous.end, window_months=p.window_months
            ):
                continue
            outcome = rules.QUALIFIES if plan.child in world.families else rules.NO_FAMILY
        elif plan.previous_count:
            outcome = rules.HISTORY_MISSING
        else:
            continue
        found[plan.id] = outcome
    return found
