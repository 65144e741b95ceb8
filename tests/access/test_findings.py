"""The findings of issue 9, each reproduced as it was found (these failed before the fix).

Tried as a partner agency and as an administrator would: the browser showed what the API
withholds, an administrator could make themselves a manager unaudited, a filter revealed
membership of an unshared family, some reads left no audit trail, and bad input answered 500.
"""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.roles import Role
from census.models import CensusImport
from tests.factories import CINPlanFactory, FamilyFactory, MembershipFactory, StepDownFactory

pytestmark = pytest.mark.django_db

REFUGE = {"address": "Flat 3, 27 Sanctuary Row, Upper Ashby", "postcode": "ZX9 8QW"}


def address_parts():
    """Every word of the refuge address and postcode that could identify it."""
    words = re.findall(r"[A-Za-z0-9]{2,}", f"{REFUGE['address']} {REFUGE['postcode']}")
    return {w for w in words if w.lower() not in {"flat", "row"}} | {REFUGE["postcode"]}


@pytest.fixture
def refuge_family(household):
    family = household["family"]
    family.address = REFUGE["address"]
    family.postcode = REFUGE["postcode"]
    family.address_confidential = True
    family.save()
    return family


@pytest.fixture
def signed_in(client, make_user):
    def do(role, agency=None, **fields):
        user = make_user(role, agency=agency, **fields)
        client.force_login(user)
        return user

    return do


# --- 1. Partner users bypassed sharing scopes in the browser -----------------------------------
def test_police_page_without_confidential_address_scope_contains_no_part_of_the_address(
    client, signed_in, police, share, refuge_family
):
    share(police, ["plans", "incidents"], family=refuge_family)
    signed_in(Role.PARTNER, agency=police)
    response = client.get(reverse("cases:family_detail", args=[refuge_family.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert refuge_family.reference in body
    leaked = {part for part in address_parts() if part in body}
    assert not leaked, f"withheld address parts on the police page: {leaked}"
    # ... and the family list shows nothing of it either.
    listing = client.get(reverse("cases:family_list")).content.decode()
    assert not {part for part in address_parts() if part in listing}


def test_police_with_confidential_address_scope_sees_the_address(
    client, signed_in, police, share, refuge_family
):
    share(police, ["plans", "confidential_address"], family=refuge_family)
    signed_in(Role.PARTNER, agency=police)
    body = client.get(reverse("cases:family_detail", args=[refuge_family.pk])).content.decode()
    assert REFUGE["address"] in body
    assert REFUGE["postcode"] in body


def test_health_page_for_a_cohort_only_share_contains_no_plan_dates_or_categories(
    client, signed_in, health, share, household
):
    plan = household["plan"]
    plan.end_date = plan.start_date.replace(year=plan.start_date.year + 1)
    plan.initial_category = "PHY"
    plan.latest_category = "SAB"
    plan.save()
    step_down = StepDownFactory(plan=plan, decided_on=plan.end_date)
    CINPlanFactory(episode=plan.episode, start_date=plan.end_date)
    share(health, ["cohort"], family=household["family"])
    signed_in(Role.PARTNER, agency=health)
    response = client.get(reverse("cases:family_detail", args=[household["family"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert household["family"].reference in body
    for day in (plan.start_date, plan.end_date, step_down.decided_on):
        for shown in (f"{day:%-d %b %Y}", f"{day:%-d %B %Y}", day.isoformat()):
            assert shown not in body, f"plan date {shown} on a cohort-only page"
    for label in ("Physical abuse", "Sexual abuse", "PHY", "SAB", "Child protection plan"):
        assert label not in body, f"plan content {label!r} on a cohort-only page"
    assert "step-down" not in body.lower()


def test_partner_page_says_what_is_shared_under_which_agreement_and_until_when(
    client, signed_in, police, share, household
):
    agreement = share(police, ["plans", "incidents"], family=household["family"], days=45)
    signed_in(Role.PARTNER, agency=police)
    body = client.get(reverse("cases:family_detail", args=[household["family"].pk])).content
    text = body.decode()
    assert "Safeguarding: DA transition support" in text  # the agreement's purpose
    assert f"{agreement.ends_on:%-d %B %Y}" in text
    assert "Child protection and child in need plans" in text
    assert "Domestic abuse incident notifications" in text


# --- 2. An administrator could make themselves a manager --------------------------------------
def test_administrator_cannot_make_themselves_a_manager_in_the_django_admin(
    client, make_user, council
):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:cases_user_change", args=[admin.pk])
    client.post(
        url,
        {
            "username": admin.username,
            "role": Role.MANAGER,
            "agency": council.pk,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    admin.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR


def test_administrator_cannot_change_their_own_role_and_role_changes_are_audited(
    make_user, council
):
    from django.core.exceptions import PermissionDenied

    from staff.services import staff_user_update

    admin = make_user(Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        staff_user_update(actor=admin, user=admin, role=Role.MANAGER)
    assert not AuditEvent.objects.filter(action="user.role_change").exists()
    worker = make_user(Role.SOCIAL_WORKER)
    staff_user_update(actor=admin, user=worker, role=Role.IRO)
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.actor == admin
    assert event.target_id == str(worker.pk)
    assert event.details["old"] == Role.SOCIAL_WORKER
    assert event.details["new"] == Role.IRO


def test_django_admin_shows_no_case_content_to_the_administrator(
    client, make_user, police, share, household
):
    share(police, ["plans"], family=household["family"])
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in ("/admin/", "/admin/sharing/sharingagreement/", "/admin/audit/auditevent/"):
        response = client.get(url)
        body = response.content.decode()
        assert "SHARED-1" not in body
        assert "Safeguarding: DA transition support" not in body


# --- 3. A filter revealed membership of an unshared family ------------------------------------
def test_people_filter_by_an_unshared_family_reveals_nothing(police_api, household, share):
    client, _ = police_api
    unshared = FamilyFactory(reference="UNSHARED-9")
    # The shared child is also a member of a family that is not shared with the police.
    MembershipFactory(family=unshared, person=household["child"])
    by_unshared = client.get("/api/v1/people/", {"family": unshared.pk})
    by_missing = client.get("/api/v1/people/", {"family": 987654321})
    assert by_unshared.status_code == by_missing.status_code == 200
    assert by_unshared.json()["results"] == by_missing.json()["results"] == []
    plans = client.get("/api/v1/plans/", {"family": unshared.pk})
    assert plans.json()["results"] == []


# --- 4. Reads that left no audit trail --------------------------------------------------------
def test_census_import_detail_and_report_are_audited_reads(client, manager):
    job = CensusImport.objects.create(created_by=manager, status=CensusImport.Status.PROBLEMS)
    job.issues.create(
        file_name="2024.xml",
        la_child_id="C0000042",
        element="CPPstartDate",
        rule="8840",
        severity="error",
        message="A CP plan cannot start and end on the same day.",
    )
    client.force_login(manager)
    assert client.get(reverse("census:import_detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("census:import_report_csv", args=[job.pk])).status_code == 200
    detail = AuditEvent.objects.get(action="census_import.view", actor=manager)
    report = AuditEvent.objects.get(action="census_import.report", actor=manager)
    for event in (detail, report):
        assert event.target_type == "census.censusimport"
        assert event.target_id == str(job.pk)
        assert "C0000042" in event.details["la_child_ids"]


def test_sharing_agreement_list_is_an_audited_read(client, manager, police, share, household):
    agreement = share(police, ["plans"], family=household["family"])
    client.force_login(manager)
    assert client.get(reverse("sharing:agreement_list")).status_code == 200
    event = AuditEvent.objects.get(action="sharing_agreement.list", actor=manager)
    assert event.target_id == str(agreement.pk)
    assert event.family_id == household["family"].pk


def test_person_and_plan_api_reads_are_in_the_familys_trail(police_api, household):
    client, _ = police_api
    family = household["family"]
    client.get(f"/api/v1/people/{household['child'].pk}/")
    client.get(f"/api/v1/plans/{household['plan'].pk}/")
    client.get("/api/v1/people/")
    trail = AuditEvent.objects.filter(family_id=family.pk)
    assert trail.filter(action="person.api_view", target_id=str(household["child"].pk)).exists()
    assert trail.filter(action="cp_plan.api_view", target_id=str(household["plan"].pk)).exists()
    assert trail.filter(action="person.api_list").count() == 2  # the child and their mother


# --- 5. Error pages and bad input -------------------------------------------------------------
def test_403_page_has_the_header_navigation_and_a_way_back(client, signed_in):
    signed_in(Role.TRANSITION_WORKER)
    response = client.get(reverse("sharing:agreement_list"))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="govuk-header' in body
    assert 'class="govuk-service-navigation' in body
    assert f'href="{reverse("home")}"' in body
    assert "You do not have permission" in body


@pytest.mark.parametrize("role", [Role.IRO, Role.SOCIAL_WORKER, Role.PARTNER, Role.ADMINISTRATOR])
def test_census_pages_answer_403_to_signed_in_users_without_the_role(
    client, signed_in, police, role
):
    signed_in(role, agency=police if role == Role.PARTNER else None)
    assert client.get(reverse("census:upload")).status_code == 403


def test_a_nul_byte_in_the_family_search_is_a_400_not_a_500(client, signed_in):
    signed_in(Role.MANAGER)
    response = client.get("/families/?q=%00")
    assert response.status_code == 400
    assert 'class="govuk-header' in response.content.decode()
