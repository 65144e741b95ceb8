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
    #: plan id -> (decided_on, planned_cin_start): step-downs decided by a conference
    step_downs: dict[int, tuple[dt.date, dt.date | None]] = field(default_factory=dict)
    #: (plan id, recorded_on, at_planning, source)
    da_flags: list[tuple[int, dt.date, bool, str]] = field(default_factory=list)
    #: (episode id, start, codes, authorised on)
    assessments: list[tuple[int, dt.date, set[str], dt.date | None]] = field(default_factory=list)
    #: (episode id, CIN plan start)
    cin_plans: list[tuple[int, dt.date]] = field(default_factory=list)


def step_down(world: World, plan: Plan, as_of: dt.date, link_days: int) -> dt.date | None:
    """The day the plan's step-down was decided, if known on D: a conference's decision, or
    else (census) a CIN plan of its episode starting on its end or up to `link_days` after, and
    by D; then the step-down date is the plan's end."""
    if plan.id in world.step_downs:
        decided_on, _cin_start = world.step_downs[plan.id]
        return decided_on if decided_on <= as_of else None
    if plan.end is None:
        return None
    linked = [
        start
        for episode, start in world.cin_plans
        if episode == plan.episode
        and plan.end <= start <= plan.end + dt.timedelta(days=link_days)
        and start <= as_of
    ]
    return plan.end if linked and plan.end <= as_of else None


def outcomes(world: World, as_of: dt.date, p: rules.RuleParameters) -> dict[int, str]:
    """plan id -> "qualifies" | "history_missing" | "no_family", for plans the rule picks out."""
    found = {}
    for plan in world.plans:
        if plan.start > as_of:
            continue  # not known on D
        # 4. Step-down decided (and for the census, the CIN plan started) by D.
        if step_down(world, plan, as_of, p.link_days) is None:
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
        # 2. DA at planning: a flag a person recorded, or an assessment whose factors were
        # known by D (from its authorisation, or its start without one).
        flagged = any(
            pid == plan.id and at_planning and recorded <= plan.start and source != "assessment"
            for pid, recorded, at_planning, source in world.da_flags
        )
        assessed = any(
            episode == plan.episode
            and started <= plan.start
            and codes & DA_CODES
            and (authorised or started) <= as_of
            for episode, started, codes, authorised in world.assessments
        )
        if not (flagged or assessed):
            continue
        # 1. Re-plan within the window (previous: the child's latest earlier plan, any episode).
        earlier = [q for q in world.plans if q.child == plan.child and q.start < plan.start]
        if plan.previous_count is not None and plan.previous_count > len(earlier):
            # More previous plans recorded than we hold: the latest may be missing.
            found[plan.id] = rules.HISTORY_MISSING
            continue
        if earlier:
            previous = max(earlier, key=lambda q: q.start)
            if previous.end is None or not dates.replan_within_window(
                start=plan.start, previous_end=previous.end, window_months=p.window_months
            ):
                continue
            outcome = rules.QUALIFIES if plan.child in world.families else rules.NO_FAMILY
        else:
            continue
        found[plan.id] = outcome
    return found
