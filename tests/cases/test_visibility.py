"""Who may see which family: one `visible_to(user)` per role (DOMAIN.md "Roles")."""

import pytest
from django.db import connection

from audit.models import AuditEvent
from cases import services
from cases.models import CPPlan, Family, Person
from cases.roles import Role
from tests.factories import CPPlanFactory, FamilyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def families(team, transition_worker, police):
    on_plan = FamilyFactory(reference="ON-PLAN")
    plan = CPPlanFactory()
    MembershipFactory(family=on_plan, person=plan.child)
    caseload = FamilyFactory(reference="CASELOAD")
    services.family_access_grant(actor=None, family=caseload, group=team.group, reason="caseload")
    allocated = FamilyFactory(reference="ALLOCATED", transition_worker=transition_worker)
    shared = FamilyFactory(reference="SHARED")
    services.family_access_grant(actor=None, family=shared, group=police.group, reason="share")
    FamilyFactory(reference="UNRELATED")
    return {"on_plan": on_plan, "caseload": caseload, "allocated": allocated, "shared": shared}


def refs(user):
    return set(Family.objects.visible_to(user).values_list("reference", flat=True))


def test_manager_sees_every_family(families, manager):
    assert refs(manager) == {"ON-PLAN", "CASELOAD", "ALLOCATED", "SHARED", "UNRELATED"}


def test_iro_sees_families_with_cp_plans(families, iro):
    assert refs(iro) == {"ON-PLAN"}


def test_social_worker_sees_their_team_caseload(families, social_worker):
    assert refs(social_worker) == {"CASELOAD"}


def test_transition_worker_sees_families_allocated_to_them(families, transition_worker):
    assert refs(transition_worker) == {"ALLOCATED"}


def test_partner_sees_only_families_shared_with_their_agency(families, partner_user):
    assert refs(partner_user) == {"SHARED"}


def test_partner_of_another_agency_sees_nothing(families, make_user):
    from tests.factories import AgencyFactory

    health = AgencyFactory(code="health", kind="health")
    assert refs(make_user(Role.PARTNER, agency=health)) == set()


def test_administrator_sees_no_case_content(families, administrator):
    assert refs(administrator) == set()
    assert not Person.objects.visible_to(administrator).exists()


def test_inactive_user_sees_nothing(families, manager):
    manager.is_active = False
    manager.save()
    assert refs(manager) == set()


def test_people_and_plans_follow_family_visibility(families, iro, social_worker):
    on_plan_child = families["on_plan"].people.get()
    assert list(Person.objects.visible_to(iro)) == [on_plan_child]
    assert CPPlan.objects.visible_to(iro).count() == 1
    assert CPPlan.objects.visible_to(social_worker).count() == 0


def test_revoking_access_removes_the_family_for_the_whole_group(families, partner_user, police):
    services.family_access_revoke(
        actor=None, family=families["shared"], group=police.group, reason="expired"
    )
    assert refs(partner_user) == set()


def test_grants_are_recorded_in_the_audit_log(families, police):
    events = AuditEvent.objects.filter(
        action="family.access_grant", details__group=police.group.name
    )
    assert events.count() == 1
    assert events.get().target_id == str(families["shared"].pk)


def test_audit_log_refuses_updates_and_deletes(families):
    event = AuditEvent.objects.first()
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
