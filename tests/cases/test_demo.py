"""The demo data's shape: what `make run` shows and later features are tested against."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases.demo import DemoHistory
from cases.models import CINPlan, CPPlan, DARiskFlag, Family, StepDown, User
from cases.roles import Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", families=400, seed=7, stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield
        from django.core.management import call_command as cc

        cc("flush", interactive=False, verbosity=0)


def test_every_role_has_a_demo_user(demo):
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)


def test_replan_rate_is_within_the_england_like_range(demo):
    plans = CPPlan.objects.all()
    earlier = CPPlan.objects.filter(child=OuterRef("child"), start_date__lt=OuterRef("start_date"))
    replans = plans.filter(Exists(earlier)).count()
    assert plans.count() > 400
    assert 0.20 <= replans / plans.count() <= 0.35


def test_domestic_abuse_is_recorded_at_planning_in_over_half_of_plans(demo):
    with_da = CPPlan.objects.filter(
        Exists(DARiskFlag.objects.filter(plan=OuterRef("pk"), at_planning=True))
    )
    assert with_da.count() / CPPlan.objects.count() > 0.5


def test_ended_plan_durations_are_mostly_six_months_to_two_years(demo):
    bands = Counter(
        "short" if (p.end_date - p.start_date).days < 182 else "long"
        for p in CPPlan.objects.filter(end_date__isnull=False)
    )
    total = bands["short"] + bands["long"]
    assert 0.15 <= bands["short"] / total <= 0.45


def test_number_of_previous_plans_matches_the_history(demo):
    for plan in CPPlan.objects.order_by("?")[:200]:
        earlier = CPPlan.objects.filter(child=plan.child, start_date__lt=plan.start_date).count()
        assert plan.number_of_previous_cpp == earlier


def test_no_cin_plan_runs_alongside_a_cp_plan(demo):
    for cin in CINPlan.objects.select_related("episode"):
        overlapping = CPPlan.objects.filter(
            child=cin.episode.child_id, start_date__lt=cin.end_date or TODAY
        )
        overlapping = overlapping.exclude(end_date__isnull=False, end_date__lte=cin.start_date)
        assert not overlapping.exists(), cin


def test_some_families_are_stepping_down_from_a_replan_with_da_now(demo):
    recent = StepDown.objects.filter(
        plan__number_of_previous_cpp__gte=1, plan__da_flags__at_planning=True
    ).filter(decided_on__gte=timezone.localdate() - dt.timedelta(days=28))
    assert recent.values("plan__child__memberships__family").distinct().count() >= 5


def test_seeding_twice_changes_nothing(demo):
    before = Family.objects.count()
    call_command("seed_demo", families=400, seed=7, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Family.objects.count() == before


def test_the_same_seed_gives_the_same_history():
    def plan_dates(seed):
        history = DemoHistory(seed=seed, today=TODAY, team_group_ids=[1], partner_group_ids=[2])
        return [(p.start_date, p.end_date) for batch in history.batches(50) for p in batch.cp_plans]

    assert plan_dates(3) == plan_dates(3)
    assert plan_dates(3) != plan_dates(4)


def test_each_partner_agency_has_an_administrator_who_can_issue_a_token(demo):
    from sharing.services import api_client_create, api_token_create

    for code in ("police", "health", "idva"):
        admin = User.objects.select_related("agency").get(username=f"{code}-admin")
        assert admin.role == Role.ADMINISTRATOR
        assert admin.agency.code == code
        assert not admin.is_staff  # the read-only admin is the council administrator's
        system = api_client_create(actor=admin, agency=admin.agency, name="Records system")
        token, raw = api_token_create(actor=admin, client=system, name="live")
        assert raw.startswith("st_")
        assert token.user.agency == admin.agency
