"""DfE rules held by the database (PostgreSQL) and by the services (every backend)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import CPPlan
from cases.validation import cp_plan_breaches, factor_breaches
from protection import services
from protection.services import InitialDecision
from tests.factories import CPPlanFactory, EpisodeFactory, PersonFactory

pytestmark = pytest.mark.django_db

D = dt.date


def test_overlapping_cp_plans_are_rejected_by_the_database():
    first = CPPlanFactory(start_date=D(2023, 1, 10), end_date=D(2023, 9, 1))
    with pytest.raises(IntegrityError, match="cpplan_no_overlap"), transaction.atomic():
        CPPlanFactory(episode=first.episode, start_date=D(2023, 8, 1), end_date=D(2024, 1, 1))


def test_a_plan_may_start_the_day_the_previous_one_ends():
    first = CPPlanFactory(start_date=D(2023, 1, 10), end_date=D(2023, 9, 1))
    second = CPPlanFactory(episode=first.episode, start_date=D(2023, 9, 1), end_date=None)
    assert CPPlan.objects.filter(child=first.child).count() == 2
    assert second.pk is not None


def test_end_before_start_is_rejected_by_the_database():
    with pytest.raises(IntegrityError, match="cpplan_end_after_start"), transaction.atomic():
        CPPlanFactory(start_date=D(2023, 5, 1), end_date=D(2023, 4, 30))


def test_plan_ending_the_day_it_starts_is_rejected_8840():
    with pytest.raises(IntegrityError, match="cpplan_end_after_start"), transaction.atomic():
        CPPlanFactory(start_date=D(2023, 5, 1), end_date=D(2023, 5, 1))


def test_second_open_plan_for_a_child_is_rejected_by_the_database():
    first = CPPlanFactory(start_date=D(2023, 1, 10), end_date=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        CPPlanFactory(episode=first.episode, start_date=D(2022, 1, 10), end_date=None)


def test_episode_closure_before_referral_is_rejected():
    with (
        pytest.raises(IntegrityError, match="episode_closure_after_referral"),
        transaction.atomic(),
    ):
        EpisodeFactory(referral_date=D(2023, 5, 1), closure_date=D(2023, 4, 1))


def _icpc(actor, child, day, category="NEG"):
    return services.initial_conference_record(
        actor=actor,
        held_on=day,
        decisions=[InitialDecision(child=child, plan=True, category=category)],
    )


def test_service_refuses_a_second_open_plan_with_the_rule_number(social_worker):
    child = PersonFactory()
    EpisodeFactory(child=child, referral_date=D(2023, 1, 2))
    _icpc(social_worker, child, D(2023, 2, 1))
    with pytest.raises(ValidationError, match="8935"):
        _icpc(social_worker, child, D(2023, 6, 1))
    assert CPPlan.objects.filter(child=child).count() == 1


def test_service_refuses_an_overlapping_closed_history(social_worker):
    child = PersonFactory()
    episode = EpisodeFactory(child=child, referral_date=D(2022, 1, 3))
    CPPlanFactory(episode=episode, start_date=D(2022, 2, 1), end_date=D(2022, 12, 1))
    with pytest.raises(ValidationError, match="8940"):
        _icpc(social_worker, child, D(2022, 6, 1), category="PHY")


def test_rule_checks_in_python_match_the_database_rules():
    assert [b.rule for b in cp_plan_breaches((D(2023, 1, 1), D(2023, 1, 1)), [])] == ["8840"]
    assert [b.rule for b in cp_plan_breaches((D(2023, 1, 1), None), [(D(2022, 1, 1), None)])] == [
        "8935"
    ]
    assert cp_plan_breaches((D(2023, 1, 1), None), [(D(2022, 1, 1), D(2023, 1, 1))]) == []
    assert [b.rule for b in factor_breaches(["21", "3A"])] == ["8869"]
    assert [b.rule for b in factor_breaches(["3A", "3A"])] == ["8898"]


def test_step_down_ends_the_plan_and_starts_a_cin_plan(social_worker):
    plan = CPPlanFactory(start_date=D(2023, 1, 10))
    services.review_conference_record(
        actor=social_worker,
        held_on=D(2023, 9, 1),
        plans=[plan],
        decision="step_down",
        planned_cin_start=D(2023, 9, 1),
    )
    step_down = plan.step_down
    plan.refresh_from_db()
    assert plan.end_date == D(2023, 9, 1)
    assert plan.end_reason == CPPlan.EndReason.STEP_DOWN_CIN
    assert step_down.cin_plan is not None
    assert step_down.cin_plan.start_date == D(2023, 9, 1)
