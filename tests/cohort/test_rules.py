"""Every boundary of the cohort rule (DOMAIN.md "The transition cohort"), against PostgreSQL."""

import datetime as dt

import pytest

from cases.models import StepDown
from cohort import dates, rules

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2024, 6, 30)


def outcomes(as_of=AS_OF):
    return {row["plan_id"]: row["outcome"] for row in rules.evaluate(as_of)}


def test_the_default_case_qualifies_with_its_why(case):
    plan = case()
    [row] = rules.evaluate(AS_OF)
    assert row["outcome"] == rules.QUALIFIES
    assert row["plan_id"] == plan.pk
    assert row["previous_plan_end"] == D(2022, 3, 1)
    assert row["da_flag_recorded_on"] == plan.start_date
    assert row["da_flag_source"] == "conference"
    assert row["step_down_decided_on"] == D(2024, 5, 20)
    assert row["plan_end"] is None


# 1. Re-plan within the window --------------------------------------------------------------
def test_replan_exactly_18_months_after_the_previous_end_is_in(case):
    plan = case(previous=(D(2021, 9, 1), D(2022, 3, 1)), plan=(D(2023, 9, 1), None))
    assert outcomes() == {plan.pk: rules.QUALIFIES}


def test_replan_one_day_later_is_out(case):
    case(previous=(D(2021, 9, 1), D(2022, 3, 1)), plan=(D(2023, 9, 2), None))
    assert outcomes() == {}


def test_first_plan_is_not_a_replan(case):
    case(previous=None, number_of_previous_cpp=0)
    case(previous=None, number_of_previous_cpp=None)
    assert outcomes() == {}


def test_previous_plan_in_another_cin_episode_counts(case):
    # build_case puts the previous plan in its own CIN episode already.
    plan = case()
    assert plan.episode_id != plan.child.cp_plans.order_by("start_date").first().episode_id
    assert outcomes() == {plan.pk: rules.QUALIFIES}


def test_history_missing_is_a_near_miss_not_a_flag(case):
    plan = case(previous=None, number_of_previous_cpp=2)
    assert outcomes() == {plan.pk: rules.HISTORY_MISSING}


# Leap days: the window clamps to the end of February like relativedelta.
@pytest.mark.parametrize(
    ("previous_end", "start", "expected"),
    [
        (D(2022, 8, 31), D(2024, 2, 29), True),  # 31 Aug 2022 + 18 months = 29 Feb 2024
        (D(2022, 8, 31), D(2024, 3, 1), False),
        (D(2021, 8, 31), D(2023, 2, 28), True),  # not a leap year: 28 Feb 2023
        (D(2021, 8, 31), D(2023, 3, 1), False),
        (D(2022, 2, 28), D(2023, 8, 28), True),
        (D(2022, 2, 28), D(2023, 8, 29), False),
    ],
)
def test_window_over_leap_days(case, previous_end, start, expected):
    plan = case(previous=(D(2021, 1, 4), previous_end), plan=(start, None), step_down_on=AS_OF)
    assert dates.replan_within_window(start=start, previous_end=previous_end, window_months=18) is (
        expected
    )
    assert (plan.pk in outcomes()) is expected


# 2. DA at planning ---------------------------------------------------------------------------
def test_da_factor_on_the_assessment_in_the_plans_episode_is_in(case):
    plan = case(da="factor")
    [row] = rules.evaluate(AS_OF)
    assert row["plan_id"] == plan.pk
    assert row["da_assessment_start"] == plan.episode.referral_date
    assert row["da_flag_id"] is None


def test_da_factor_on_a_different_cin_episode_is_out(case):
    case(da="factor_other_episode")
    assert outcomes() == {}


def test_no_da_is_out(case):
    case(da=None)
    assert outcomes() == {}


def test_da_flag_recorded_after_the_plan_started_is_out(case):
    from tests.factories import DARiskFlagFactory

    plan = case(da=None)
    DARiskFlagFactory(plan=plan, recorded_on=plan.start_date + dt.timedelta(days=1))
    assert outcomes() == {}


def test_non_da_factor_is_out(case):
    from tests.factories import AssessmentFactory

    plan = case(da=None)
    AssessmentFactory(
        episode=plan.episode, start_date=plan.episode.referral_date, factor_codes=["2B"]
    )
    assert outcomes() == {}


# 3. At least four months on plan -----------------------------------------------------------
def test_four_months_on_plan_exactly_is_in_on_a_leap_day_start(case):
    plan = case(
        previous=(D(2022, 1, 4), D(2023, 6, 1)),
        plan=(D(2024, 2, 29), None),
        step_down_on=D(2024, 6, 1),
    )
    assert outcomes(D(2024, 6, 29)) == {plan.pk: rules.QUALIFIES}


def test_a_day_short_of_four_months_is_out(case):
    case(
        previous=(D(2022, 1, 4), D(2023, 6, 1)),
        plan=(D(2024, 2, 29), None),
        step_down_on=D(2024, 6, 1),
    )
    assert outcomes(D(2024, 6, 28)) == {}


def test_months_on_plan_count_to_the_end_of_an_ended_plan(case):
    # Ended after 3 months 30 days: a short plan, however recent its step-down.
    case(plan=(D(2024, 2, 1), D(2024, 5, 31)), step_down_on=D(2024, 5, 31))
    assert outcomes(D(2024, 6, 28)) == {}


# 4. Stepping down to CIN ---------------------------------------------------------------------
def test_plan_ended_28_days_ago_is_in(case):
    plan = case(plan=(D(2023, 9, 1), AS_OF - dt.timedelta(days=28)), step_down_on=D(2024, 5, 1))
    assert outcomes() == {plan.pk: rules.QUALIFIES}


def test_plan_ended_29_days_ago_is_out(case):
    case(plan=(D(2023, 9, 1), AS_OF - dt.timedelta(days=29)), step_down_on=D(2024, 5, 1))
    assert outcomes() == {}


def test_no_step_down_is_out(case):
    case(step_down_on=None)
    assert outcomes() == {}


def test_step_down_decided_after_d_is_out(case):
    case(step_down_on=AS_OF + dt.timedelta(days=1))
    assert outcomes() == {}


def test_census_step_down_needs_the_cin_plan_to_have_started_by_d(case):
    census = StepDown.Source.CENSUS
    early = case(
        plan=(D(2023, 9, 1), D(2024, 6, 20)),
        step_down_on=D(2024, 6, 20),
        step_down_source=census,
        planned_cin_start=D(2024, 6, 25),
    )
    case(
        plan=(D(2023, 9, 1), D(2024, 6, 25)),
        step_down_on=D(2024, 6, 25),
        step_down_source=census,
        planned_cin_start=D(2024, 7, 1),
    )
    assert outcomes() == {early.pk: rules.QUALIFIES}


# Evaluating a past date ----------------------------------------------------------------------
def test_a_plan_ending_after_d_is_treated_as_open(case):
    plan = case(plan=(D(2023, 9, 1), D(2024, 9, 1)), step_down_on=D(2024, 6, 1))
    [row] = rules.evaluate(AS_OF)
    assert row["plan_id"] == plan.pk
    assert row["plan_end"] is None
    # Later, once the end is known and past the grace, the child no longer qualifies.
    assert outcomes(D(2024, 9, 29)) == {plan.pk: rules.QUALIFIES}
    assert outcomes(D(2024, 9, 30)) == {}


def test_plans_starting_after_d_are_not_used(case):
    from tests.factories import CPPlanFactory, StepDownFactory

    plan = case(plan=(D(2023, 9, 1), D(2024, 6, 20)), step_down_on=D(2024, 6, 20))
    later = CPPlanFactory(episode=plan.episode, child=plan.child, start_date=D(2024, 7, 15))
    StepDownFactory(plan=later, decided_on=D(2024, 12, 1))
    assert outcomes(AS_OF) == {plan.pk: rules.QUALIFIES}
    assert outcomes(D(2024, 7, 14)) == {plan.pk: rules.QUALIFIES}


# DOMAIN.md as revised for issue 10 ---------------------------------------------------------
def test_more_previous_plans_recorded_than_we_hold_is_history_missing(case):
    """Two earlier plans recorded, one held: the latest may be the missing one."""
    plan = case(number_of_previous_cpp=2)
    other = case(number_of_previous_cpp=1)
    assert outcomes() == {plan.pk: rules.HISTORY_MISSING, other.pk: rules.QUALIFIES}


def test_a_da_assessment_counts_from_its_authorisation(case):
    from cases.models import Assessment

    plan = case(da="factor")
    assessment = Assessment.objects.get(episode=plan.episode)
    assessment.authorisation_date = AS_OF + dt.timedelta(days=1)  # authorised after D
    assessment.save()
    assert outcomes() == {}
    assessment.authorisation_date = AS_OF
    assessment.save()
    assert outcomes() == {plan.pk: rules.QUALIFIES}


def test_an_imported_copy_of_the_assessment_is_not_a_flag(case):
    """The import's DA flag (source assessment) is the assessment itself: it counts only when
    the assessment does, from its authorisation."""
    from cases.models import Assessment, DARiskFlag

    plan = case(da="factor")
    assessment = Assessment.objects.get(episode=plan.episode)
    assessment.authorisation_date = AS_OF + dt.timedelta(days=10)
    assessment.save()
    DARiskFlag.objects.create(
        plan=plan, recorded_on=plan.start_date, source="assessment", assessment=assessment
    )
    assert outcomes() == {}


def test_the_step_down_link_window_takes_effect_both_ways(case, settings):
    """A census link is computed when read: shorten the window and the step-down goes; widen
    it again and it is back (nothing stored by an import in between)."""
    from cases.step_downs import step_downs_for_plans

    plan = case(
        plan=(D(2023, 9, 1), D(2024, 6, 20)),
        step_down_source=StepDown.Source.CENSUS,
        planned_cin_start=D(2024, 6, 25),  # five days after the plan ends
    )
    settings.STEP_DOWN_LINK_DAYS = 7
    assert outcomes() == {plan.pk: rules.QUALIFIES}
    assert step_downs_for_plans([plan.pk])[plan.pk].decided_on == D(2024, 6, 20)
    settings.STEP_DOWN_LINK_DAYS = 3
    assert outcomes() == {}
    assert step_downs_for_plans([plan.pk]) == {}
    settings.STEP_DOWN_LINK_DAYS = 7
    assert outcomes() == {plan.pk: rules.QUALIFIES}
