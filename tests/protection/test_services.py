"""The CP-journey services: siblings together, DfE rules refused with field errors and nothing
written, audit events for every record, roles."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import (
    CINEpisode,
    CINPlan,
    Conference,
    CoreGroupMeeting,
    CPPlan,
    DARiskFlag,
    Section47Enquiry,
    StepDown,
)
from cases.roles import Role
from protection import services
from protection.services import InitialDecision
from tests.factories import AgencyFactory, CPPlanFactory

from .conftest import D

pytestmark = pytest.mark.django_db


def _fields(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


def start_enquiry(actor, family, day="2024-09-02", referral="2024-08-30"):
    return services.section47_start(
        actor=actor,
        children=family.children,
        strategy_discussion_date=D(day),
        referral_date=D(referral),
    )


def make_plans(actor, family, held_on="2024-09-16", da=True):
    start_enquiry(actor, family)
    services.initial_conference_record(
        actor=actor,
        held_on=D(held_on),
        decisions=[
            InitialDecision(child=child, plan=True, category="EMO", da_at_planning=da)
            for child in family.children
        ],
    )
    return [CPPlan.objects.get(child=child, end_date__isnull=True) for child in family.children]


def test_section_47_for_siblings_opens_episodes_and_sets_the_icpc_target(social_worker, siblings):
    enquiries = start_enquiry(social_worker, siblings)
    assert len(enquiries) == 2
    for enquiry in enquiries:
        assert enquiry.strategy_discussion_date == D("2024-09-02")
        assert enquiry.icpc_target_date == D("2024-09-23")  # 15 working days
        assert enquiry.episode.referral_date == D("2024-08-30")
    assert AuditEvent.objects.filter(action="section47.start").count() == 2
    assert AuditEvent.objects.filter(action="episode.open").count() == 2


def test_section_47_needs_a_referral_date_when_no_episode_is_open(social_worker, siblings):
    with pytest.raises(ValidationError) as caught:
        services.section47_start(
            actor=social_worker,
            children=siblings.children,
            strategy_discussion_date=D("2024-09-02"),
        )
    messages = _fields(caught.value)["referral_date"]
    assert any("Amelia Smith has no open child in need episode" in m for m in messages)
    assert not Section47Enquiry.objects.exists()
    assert not CINEpisode.objects.filter(referral_date=D("2024-08-30")).exists()


def test_initial_conference_makes_a_plan_per_sibling_with_da_at_planning(social_worker, siblings):
    plans = make_plans(social_worker, siblings)
    assert len(plans) == 2
    for plan in plans:
        assert plan.start_date == D("2024-09-16")
        assert plan.initial_category == plan.latest_category == "EMO"
        assert plan.number_of_previous_cpp == 1  # the plan that ended in March 2024
        assert DARiskFlag.objects.get(plan=plan).at_planning
        conference = Conference.objects.get(plan=plan)
        assert (conference.kind, conference.decision) == ("initial", "start_plan")
    assert set(Section47Enquiry.objects.values_list("icpc_date", flat=True)) == {D("2024-09-16")}
    assert AuditEvent.objects.filter(action="cp_plan.start").count() == 2
    assert AuditEvent.objects.filter(action="conference.initial").count() == 2


def test_initial_conference_no_plan_for_one_sibling(social_worker, siblings):
    amelia, noah = siblings.children
    start_enquiry(social_worker, siblings)
    services.initial_conference_record(
        actor=social_worker,
        held_on=D("2024-09-16"),
        decisions=[
            InitialDecision(child=amelia, plan=True, category="NEG"),
            InitialDecision(child=noah, plan=False),
        ],
    )
    assert CPPlan.objects.filter(child=amelia, end_date__isnull=True).exists()
    assert not CPPlan.objects.filter(child=noah, end_date__isnull=True).exists()
    assert Conference.objects.get(child=noah, kind="initial").decision == "no_plan"


def test_a_second_open_plan_is_refused_and_neither_sibling_is_written(social_worker, siblings):
    amelia, noah = siblings.children
    start_enquiry(social_worker, siblings)
    CPPlanFactory(
        child=noah, episode=noah.cin_episodes.latest("referral_date"), start_date=D("2024-09-10")
    )
    with pytest.raises(ValidationError) as caught:
        services.initial_conference_record(
            actor=social_worker,
            held_on=D("2024-09-16"),
            decisions=[InitialDecision(child=c, plan=True, category="EMO") for c in (amelia, noah)],
        )
    assert any("8935" in m and "Noah" in m for m in _fields(caught.value)["held_on"])
    assert not CPPlan.objects.filter(child=amelia, start_date=D("2024-09-16")).exists()
    assert not Conference.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="conference").exists()


def test_overlapping_plan_is_refused_with_rule_8940(social_worker, siblings):
    amelia = siblings.children[0]
    start_enquiry(social_worker, siblings)
    # A plan held for Amelia from 1 Sep to 30 Sep overlaps a plan starting 16 Sep.
    CPPlanFactory(
        child=amelia,
        episode=amelia.cin_episodes.latest("referral_date"),
        start_date=D("2024-09-03"),
        end_date=D("2024-09-30"),
    )
    with pytest.raises(ValidationError) as caught:
        services.initial_conference_record(
            actor=social_worker,
            held_on=D("2024-09-16"),
            decisions=[InitialDecision(child=amelia, plan=True, category="EMO")],
        )
    assert any("8940" in m for m in _fields(caught.value)["held_on"])


def test_review_steps_both_siblings_down(social_worker, siblings):
    plans = make_plans(social_worker, siblings)
    conferences = services.review_conference_record(
        actor=social_worker,
        held_on=D("2025-02-10"),
        plans=plans,
        decision=Conference.Decision.STEP_DOWN,
        planned_cin_start=D("2025-02-12"),
    )
    assert len(conferences) == 2
    for plan in plans:
        plan.refresh_from_db()
        assert plan.end_date == D("2025-02-10")
        assert plan.end_reason == CPPlan.EndReason.STEP_DOWN_CIN
        step_down = StepDown.objects.get(plan=plan)
        assert step_down.source == StepDown.Source.CONFERENCE
        assert step_down.decided_on == D("2025-02-10")
        assert step_down.planned_cin_start == D("2025-02-12")
        assert step_down.cin_plan.start_date == D("2025-02-12")
        assert step_down.cin_plan.episode == plan.episode
    assert AuditEvent.objects.filter(action="cp_plan.step_down").count() == 2
    assert AuditEvent.objects.filter(action="cp_plan.end").count() == 2
    assert AuditEvent.objects.filter(action="conference.review").count() == 2


def test_review_before_the_plan_started_is_refused_with_8841(social_worker, siblings):
    plans = make_plans(social_worker, siblings)
    with pytest.raises(ValidationError) as caught:
        services.review_conference_record(
            actor=social_worker,
            held_on=D("2024-09-16"),
            plans=plans,
            decision=Conference.Decision.CONTINUE_PLAN,
        )
    assert any("8841" in m for m in _fields(caught.value)["held_on"])
    assert not Conference.objects.filter(kind="review").exists()


def test_step_down_needs_a_cin_start_on_or_after_the_conference(social_worker, siblings):
    plans = make_plans(social_worker, siblings)
    for planned, message in ((None, "Enter the date"), (D("2025-02-07"), "on or after")):
        with pytest.raises(ValidationError) as caught:
            services.review_conference_record(
                actor=social_worker,
                held_on=D("2025-02-10"),
                plans=plans,
                decision=Conference.Decision.STEP_DOWN,
                planned_cin_start=planned,
            )
        assert any(message in m for m in _fields(caught.value)["planned_cin_start"])
    assert not StepDown.objects.exists()
    assert not CINPlan.objects.exists()
    assert CPPlan.objects.filter(end_date__isnull=True).count() == 2


def test_review_continue_and_end(social_worker, iro, siblings):
    amelia_plan, noah_plan = make_plans(social_worker, siblings)
    services.review_conference_record(
        actor=iro,
        held_on=D("2024-12-09"),
        plans=[amelia_plan, noah_plan],
        decision=Conference.Decision.CONTINUE_PLAN,
        chair=iro,
    )
    services.review_conference_record(
        actor=iro,
        held_on=D("2025-06-02"),
        plans=[noah_plan],
        decision=Conference.Decision.END_PLAN,
    )
    noah_plan.refresh_from_db()
    assert (noah_plan.end_date, noah_plan.end_reason) == (D("2025-06-02"), "no_further_action")
    assert Conference.objects.filter(kind="review", chair=iro).count() == 2
    with pytest.raises(ValidationError) as caught:
        services.review_conference_record(
            actor=iro,
            held_on=D("2025-07-01"),
            plans=[noah_plan],
            decision=Conference.Decision.CONTINUE_PLAN,
        )
    assert "already ended" in _fields(caught.value)["children"][0]


def test_core_group_records_attendance_by_agency(social_worker, siblings, police, council):
    health = AgencyFactory(name="Health", code="health", kind="health")
    plans = make_plans(social_worker, siblings)
    meetings = services.core_group_record(
        actor=social_worker,
        held_on=D("2024-09-26"),
        plans=plans,
        agencies=[police, health, council],
    )
    assert len(meetings) == 2
    for meeting in meetings:
        assert set(meeting.agencies.values_list("code", flat=True)) == {
            "police",
            "health",
            "council",
        }
    event = AuditEvent.objects.filter(action="core_group.record").first()
    assert event.details["agencies"] == ["council", "health", "police"]
    with pytest.raises(ValidationError) as caught:
        services.core_group_record(
            actor=social_worker, held_on=D("2024-09-01"), plans=plans, agencies=[]
        )
    errors = _fields(caught.value)
    assert "Select the agencies that attended." in errors["agencies"]
    assert any("not running" in m for m in errors["held_on"])
    assert CoreGroupMeeting.objects.count() == 2


def test_plan_end_outside_a_conference(social_worker, siblings):
    plan = make_plans(social_worker, siblings)[0]
    with pytest.raises(ValidationError) as caught:
        services.cp_plan_end(
            actor=social_worker, plan=plan, end_date=D("2024-09-16"), end_reason="moved"
        )
    assert any("8840" in m for m in _fields(caught.value)["end_date"])
    with pytest.raises(ValidationError) as caught:
        services.cp_plan_end(
            actor=social_worker, plan=plan, end_date=D("2024-10-01"), end_reason="step_down_cin"
        )
    assert "end_reason" in _fields(caught.value)
    services.cp_plan_end(
        actor=social_worker, plan=plan, end_date=D("2024-10-01"), end_reason="care_proceedings"
    )
    plan.refresh_from_db()
    assert (plan.end_date, plan.end_reason) == (D("2024-10-01"), "care_proceedings")
    assert AuditEvent.objects.filter(action="cp_plan.end", target_id=str(plan.pk)).exists()


def test_future_dates_are_refused(social_worker, siblings):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.section47_start(
            actor=social_worker,
            children=siblings.children,
            strategy_discussion_date=tomorrow,
            referral_date=D("2024-08-30"),
        )
    assert "today or in the past" in _fields(caught.value)["strategy_discussion_date"][0]


@pytest.mark.parametrize("role", [Role.TRANSITION_WORKER, Role.MANAGER, Role.PARTNER])
def test_roles_that_do_not_record_are_refused(make_user, police, siblings, role):
    user = make_user(role, agency=police if role == Role.PARTNER else None)
    with pytest.raises(PermissionDenied):
        start_enquiry(user, siblings)
    with pytest.raises(PermissionDenied):
        services.initial_conference_record(
            actor=user,
            held_on=D("2024-09-16"),
            decisions=[InitialDecision(child=siblings.children[0], plan=False)],
        )


def test_an_iro_records_conferences_but_not_enquiries(iro, siblings):
    with pytest.raises(PermissionDenied):
        start_enquiry(iro, siblings)


def test_an_initial_conference_on_a_weekend_is_refused_with_8875(social_worker, siblings):
    start_enquiry(social_worker, siblings)
    with pytest.raises(ValidationError) as caught:
        services.initial_conference_record(
            actor=social_worker,
            held_on=D("2024-09-14"),  # a Saturday
            decisions=[InitialDecision(child=siblings.children[0], plan=False)],
        )
    assert any("8875" in m for m in _fields(caught.value)["held_on"])
