"""Property: the set-based SQL rule and the plain-Python reference agree on every plan history."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cases.models import (
    Assessment,
    AssessmentFactor,
    CINEpisode,
    CINPlan,
    CPPlan,
    DARiskFlag,
    FamilyMembership,
    StepDown,
)
from cohort import dates, rules
from tests.factories import FamilyFactory, PersonFactory

from . import reference

pytestmark = pytest.mark.django_db

# Dates crowd around month ends and February so the clamping of month arithmetic is exercised.
ANCHORS = [
    dt.date(2022, 1, 31),
    dt.date(2022, 8, 31),
    dt.date(2023, 2, 28),
    dt.date(2023, 5, 31),
    dt.date(2023, 8, 31),
    dt.date(2023, 10, 31),
    dt.date(2024, 1, 31),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 31),
    dt.date(2024, 8, 31),
    dt.date(2025, 2, 28),
]
anchor_days = st.builds(
    lambda anchor, shift: anchor + dt.timedelta(days=shift),
    st.sampled_from(ANCHORS),
    st.integers(-3, 3),
)
some_day = st.one_of(anchor_days, st.dates(dt.date(2021, 6, 1), dt.date(2025, 12, 31)))


parameters = st.builds(
    rules.RuleParameters,
    window_months=st.sampled_from([18, 18, 6, 24]),
    min_plan_months=st.sampled_from([4, 4, 1]),
    grace_days=st.sampled_from([28, 28, 0]),
    link_days=st.sampled_from([7, 7, 0, 14]),
)


def plan_details(draw, start, end, focus=False):
    """What is recorded about one plan: previous count, DA evidence, step-down. A `focus` plan
    mostly has DA and a step-down, so the other criteria decide."""
    if focus and draw(st.integers(0, 5)):
        return {
            "start": start,
            "end": end,
            "previous_count": draw(st.sampled_from([None, 1])),
            "same_episode_as_previous": draw(st.booleans()),
            "da_flag": draw(st.sampled_from([0, 0, 0, "not_at_planning", None])),
            "da_source": draw(st.sampled_from(["conference", "conference", "assessment"])),
            "assessment": draw(
                st.none()
                | st.tuples(
                    st.just("this"),
                    st.integers(-30, 1),
                    st.just(["3A"]),
                    st.none() | st.integers(0, 400),
                )
            ),
            "step_down": (
                draw(st.integers(60, 150)),
                draw(st.sampled_from(["conference", "conference", "census"])),
                draw(st.none() | st.integers(-2, 8)),
            ),
        }
    return {
        "start": start,
        "end": end,
        "previous_count": draw(st.sampled_from([None, 0, 1, 2])),
        "same_episode_as_previous": draw(st.booleans()),
        "da_flag": draw(st.sampled_from([None, -2, 0, 0, 0, 1, "not_at_planning"])),
        "da_source": draw(st.sampled_from(["conference", "conference", "assessment"])),
        "assessment": draw(
            st.none()
            | st.tuples(
                st.sampled_from(["this", "other"]),
                st.integers(-60, 5),
                st.sampled_from([["3A"], ["3C", "2B"], ["2B"], ["21"]]),
                st.none() | st.integers(0, 400),
            )
        ),
        "step_down": draw(
            st.none()
            | st.tuples(
                st.one_of(st.integers(1, 500), st.integers(60, 130), st.integers(60, 130)),
                st.sampled_from(["conference", "census"]),
                st.none() | st.integers(-5, 40),
            )
        ),
    }


@st.composite
def random_child(draw):
    """Any history of one to three non-overlapping plans (the last maybe open)."""
    start = draw(some_day)
    plans = []
    for index in range(draw(st.integers(1, 3))):
        length = draw(st.one_of(st.integers(1, 200), st.integers(100, 500)))
        open_ = index == 2 or draw(st.booleans())
        end = None if open_ and draw(st.booleans()) else start + dt.timedelta(days=length)
        plans.append(plan_details(draw, start, end))
        if end is None:
            break
        start = end + dt.timedelta(days=draw(st.one_of(st.just(0), st.integers(1, 800))))
    return {"plans": plans, "in_family": draw(st.integers(0, 9)) > 0}


@st.composite
def boundary_child(draw, p):
    """A previous plan and a re-plan P placed at the rule's edges: the window, the months on
    plan, the grace. Returns the child and a D close to P's decisive dates."""
    previous_start = draw(some_day)
    previous_end = previous_start + dt.timedelta(days=draw(st.integers(1, 400)))
    months = draw(st.sampled_from([p.window_months] * 3 + [6, 24]))
    start = max(
        previous_end,
        dates.add_months(previous_end, months)
        + dt.timedelta(days=draw(st.sampled_from([-1, 0, 0, 1, -3, 3]))),
    )
    ends = draw(st.booleans())
    end = (
        dates.add_months(start, draw(st.sampled_from([p.min_plan_months] * 3 + [1])))
        + dt.timedelta(days=draw(st.integers(-3, 90)))
        if ends
        else None
    )
    plans = [
        plan_details(draw, previous_start, previous_end),
        plan_details(draw, start, end, focus=True),
    ]
    if end is not None:
        edge = st.sampled_from([p.grace_days - 1, p.grace_days, p.grace_days + 1])
        as_of = end + dt.timedelta(days=draw(st.one_of(edge, st.integers(-3, 32))))
    else:
        shift = draw(st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-3, 60)))
        as_of = dates.add_months(start, p.min_plan_months) + dt.timedelta(days=shift)
    child = {"plans": plans, "in_family": draw(st.integers(0, 9)) > 0}
    return child, as_of


@st.composite
def plan_histories(draw):
    """(children, D, parameters): a few children of one family; mostly one child at the rule's
    edges for the drawn parameters."""
    p = draw(parameters)
    children = draw(st.lists(random_child(), min_size=0, max_size=2))
    if draw(st.integers(0, 3)) or not children:
        child, as_of = draw(boundary_child(p))
        children.append(child)
    else:
        as_of = draw(some_day)
    return children, as_of, p


def record(history):
    """Write the history to the database and describe it to the reference."""
    family = FamilyFactory()
    world = reference.World(plans=[], families={})
    for described in history:
        child = PersonFactory()
        if described["in_family"]:
            FamilyMembership.objects.create(family=family, person=child, abuse_role="child")
            world.families[child.pk] = family.pk
        episode = None
        for number, p in enumerate(described["plans"]):
            if episode is None or not p["same_episode_as_previous"]:
                episode, _ = CINEpisode.objects.get_or_create(
                    child=child, referral_date=p["start"] - dt.timedelta(days=number + 90)
                )
            plan = CPPlan.objects.create(
                child=child,
                episode=episode,
                start_date=p["start"],
                end_date=p["end"],
                number_of_previous_cpp=p["previous_count"],
                initial_category="EMO",
            )
            world.plans.append(
                reference.Plan(
                    plan.pk, child.pk, episode.pk, p["start"], p["end"], p["previous_count"]
                )
            )
            if p["da_flag"] is not None:
                at_planning = p["da_flag"] != "not_at_planning"
                shift = p["da_flag"] if at_planning else 0
                recorded = p["start"] + dt.timedelta(days=shift)
                DARiskFlag.objects.create(
                    plan=plan, recorded_on=recorded, at_planning=at_planning, source=p["da_source"]
                )
                world.da_flags.append((plan.pk, recorded, at_planning, p["da_source"]))
            if p["assessment"] is not None:
                which, shift, codes, authorised_after = p["assessment"]
                on = episode
                if which == "other":
                    on, _ = CINEpisode.objects.get_or_create(
                        child=child, referral_date=p["start"] - dt.timedelta(days=1000 + number)
                    )
                started = max(p["start"] + dt.timedelta(days=shift), on.referral_date)
                authorised = (
                    None
                    if authorised_after is None
                    else started + dt.timedelta(days=authorised_after)
                )
                assessment, _created = Assessment.objects.get_or_create(
                    episode=on, start_date=started, defaults={"authorisation_date": authorised}
                )
                for code in codes:
                    AssessmentFactor.objects.get_or_create(assessment=assessment, code=code)
                world.assessments.append(
                    (on.pk, started, set(codes), assessment.authorisation_date)
                )
            if p["step_down"] is not None:
                after, source, cin_shift = p["step_down"]
                decided_on = p["start"] + dt.timedelta(days=after)
                if source == "conference":
                    cin_start = (
                        None if cin_shift is None else decided_on + dt.timedelta(days=cin_shift)
                    )
                    StepDown.objects.create(
                        plan=plan, decided_on=decided_on, source=source, planned_cin_start=cin_start
                    )
                    world.step_downs[plan.pk] = (decided_on, cin_start)
                elif p["end"] is not None and cin_shift is not None:
                    # The census shows a step-down by dates alone: a CIN plan near the end.
                    cin_start = p["end"] + dt.timedelta(days=cin_shift)
                    CINPlan.objects.get_or_create(episode=episode, start_date=cin_start)
                    world.cin_plans.append((episode.pk, cin_start))
                    if after % 3 == 0:
                        # A row an earlier import stored: ignored, the dates decide.
                        StepDown.objects.create(
                            plan=plan, decided_on=p["end"], source="census", planned_cin_start=None
                        )
    return world


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=plan_histories())
def test_sql_rule_agrees_with_the_reference(case):
    history, as_of, p = case
    with transaction.atomic():
        world = record(history)
        expected = reference.outcomes(world, as_of, p)
        actual = {row["plan_id"]: row["outcome"] for row in rules.evaluate(as_of, p)}
        transaction.set_rollback(True)
    event(f"outcomes: {sorted(set(expected.values())) or 'none'}")
    assert actual == expected


def test_the_property_test_meets_qualifying_histories():
    """Guard against a vacuous property: a hand-made history the reference flags."""
    d = dt.date
    world = reference.World(
        plans=[
            reference.Plan(1, 10, 100, d(2021, 9, 1), d(2022, 3, 1), None),
            reference.Plan(2, 10, 101, d(2023, 9, 1), None, 1),
        ],
        families={10: 1},
        step_downs={2: (d(2024, 5, 20), None)},
        da_flags=[(2, d(2023, 9, 1), True, "conference")],
    )
    params = rules.RuleParameters(18, 4, 28)
    assert reference.outcomes(world, d(2024, 6, 30), params) == {2: rules.QUALIFIES}
    assert reference.outcomes(world, d(2024, 5, 19), params) == {}
