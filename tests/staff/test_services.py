"""Staff administration services: who administers whom, the account rules, and the audit trail
(ADR 0044)."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit.models import AuditEvent
from cases.models import Agency
from cases.roles import Role, role_group_name
from sharing.models import ApiToken
from staff.services import (
    staff_member_create,
    staff_user_deactivate,
    staff_user_reactivate,
    staff_user_update,
)
from tests.factories import AgencyFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def council_admin(make_user):
    return make_user(Role.ADMINISTRATOR)


@pytest.fixture
def police_admin(make_user, police):
    return make_user(Role.ADMINISTRATOR, agency=police)


def groups_of(user):
    return set(user.groups.values_list("name", flat=True))


def test_council_administrator_creates_a_social_worker_in_a_team(council_admin, council, team):
    user = staff_member_create(
        actor=council_admin,
        username="r.ford",
        role=Role.SOCIAL_WORKER,
        agency=council,
        first_name="Rachel",
        last_name="Ford",
        teams=[team],
        password="a-long-enough-passphrase",
    )
    assert user.check_password("a-long-enough-passphrase")
    assert groups_of(user) == {
        role_group_name(Role.SOCIAL_WORKER),
        council.group.name,
        team.group.name,
    }
    event = AuditEvent.objects.get(action="user.create", target_id=str(user.pk))
    assert event.actor == council_admin
    assert event.details == {"role": "social_worker", "agency": council.code, "teams": [team.name]}


def test_create_refuses_a_weak_password_and_a_team_of_another_agency(council_admin, council):
    other_team = TeamFactory(agency=AgencyFactory(kind=Agency.Kind.POLICE))
    with pytest.raises(ValidationError) as weak:
        staff_member_create(
            actor=council_admin, username="x", role=Role.IRO, agency=council, password="short"
        )
    assert "password" in weak.value.message_dict
    with pytest.raises(ValidationError) as teams:
        staff_member_create(
            actor=council_admin, username="y", role=Role.IRO, agency=council, teams=[other_team]
        )
    assert "teams" in teams.value.message_dict
    assert not AuditEvent.objects.filter(action="user.create").exists()


@pytest.mark.parametrize(
    ("role", "agency_kind", "field"),
    [
        (Role.PARTNER, Agency.Kind.COUNCIL, "agency"),
        (Role.MANAGER, Agency.Kind.POLICE, "agency"),
    ],
)
def test_the_role_agency_rule_holds_on_create_and_on_change(
    council_admin, council, police, make_user, role, agency_kind, field
):
    agency = council if agency_kind == Agency.Kind.COUNCIL else police
    with pytest.raises(ValidationError) as created:
        staff_member_create(actor=council_admin, username="z", role=role, agency=agency)
    assert field in created.value.message_dict
    existing = make_user(Role.IRO if role == Role.PARTNER else Role.PARTNER, agency=agency)
    with pytest.raises(ValidationError):
        staff_user_update(actor=council_admin, user=existing, role=role)
    existing.refresh_from_db()
    assert existing.role != role


def test_agency_administrator_manages_only_their_own_agencys_partner_accounts(
    police_admin, police, council, make_user
):
    officer = staff_member_create(
        actor=police_admin, username="pc.jones", role=Role.PARTNER, agency=police
    )
    assert officer.agency == police
    with pytest.raises(PermissionDenied):
        staff_member_create(actor=police_admin, username="m", role=Role.MANAGER, agency=council)
    with pytest.raises(ValidationError):
        staff_member_create(actor=police_admin, username="m", role=Role.MANAGER, agency=police)
    health = AgencyFactory(kind=Agency.Kind.HEALTH)
    nurse = make_user(Role.PARTNER, agency=health)
    with pytest.raises(PermissionDenied):
        staff_user_update(actor=police_admin, user=nurse, first_name="Changed")
    with pytest.raises(PermissionDenied):
        staff_user_update(actor=police_admin, user=officer, agency=health)
    with pytest.raises(PermissionDenied):
        staff_user_deactivate(actor=police_admin, user=nurse, reason="Not theirs")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.IRO, Role.PARTNER, Role.SOCIAL_WORKER])
def test_only_administrators_administer(make_user, police, council, role):
    actor = make_user(role, agency=police if role == Role.PARTNER else council)
    target = make_user(Role.TRANSITION_WORKER)
    with pytest.raises(PermissionDenied):
        staff_member_create(actor=actor, username="n", role=Role.IRO, agency=council)
    with pytest.raises(PermissionDenied):
        staff_user_update(actor=actor, user=target, role=Role.MANAGER)


def test_nobody_changes_their_own_role_or_agency(council_admin, police):
    with pytest.raises(PermissionDenied):
        staff_user_update(actor=council_admin, user=council_admin, role=Role.MANAGER)
    with pytest.raises(PermissionDenied):
        staff_user_update(actor=council_admin, user=council_admin, agency=police)
    with pytest.raises(PermissionDenied):
        staff_user_deactivate(actor=council_admin, user=council_admin, reason="Leaving")
    council_admin.refresh_from_db()
    assert council_admin.role == Role.ADMINISTRATOR
    assert council_admin.is_active
    # Their own name they may change.
    staff_user_update(actor=council_admin, user=council_admin, first_name="Alexandra")
    event = AuditEvent.objects.get(action="user.update")
    assert event.details == {"first_name": {"old": "Sam", "new": "Alexandra"}}


def test_role_agency_and_team_changes_name_old_and_new_and_move_the_groups(
    council_admin, make_user, team, council, staff_token
):
    worker = make_user(Role.SOCIAL_WORKER, teams=[team])
    _, token = staff_token(worker)
    other = TeamFactory(agency=council, name="Team B")
    staff_user_update(actor=council_admin, user=worker, role=Role.IRO, teams=[other])
    role_change = AuditEvent.objects.get(action="user.role_change")
    assert role_change.details == {"old": "social_worker", "new": "iro"}
    assert role_change.target_id == str(worker.pk)
    teams = AuditEvent.objects.get(action="user.teams_change")
    assert teams.details == {"added": ["Team B"], "removed": ["Team A"], "teams": ["Team B"]}
    assert groups_of(worker) == {role_group_name(Role.IRO), council.group.name, other.group.name}
    # A token issued for the old role does not outlive it.
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.get(action="api_token.revoke_all").details["tokens"] == [token.pk]


def test_moving_a_partner_to_another_agency_is_audited_and_changes_what_they_see(
    council_admin, make_user, police, household, share
):
    health = AgencyFactory(kind=Agency.Kind.HEALTH, code="health-2")
    officer = make_user(Role.PARTNER, agency=police)
    share(police, ["plans"], family=household["family"])
    from cases.models import Family

    assert Family.objects.visible_to(officer).count() == 1
    staff_user_update(actor=council_admin, user=officer, agency=health)
    event = AuditEvent.objects.get(action="user.agency_change")
    assert event.details == {"old": police.code, "new": health.code}
    officer = type(officer).objects.get(pk=officer.pk)
    assert Family.objects.visible_to(officer).count() == 0
    assert police.group.name not in groups_of(officer)


def test_deactivation_ends_sessions_and_revokes_tokens(council_admin, make_user, staff_token):
    manager = make_user(Role.MANAGER)
    raw, token = staff_token(manager)
    browser = Client()
    browser.force_login(manager)
    assert browser.get("/families/").status_code == 200
    assert Session.objects.count() == 1
    staff_user_deactivate(actor=council_admin, user=manager, reason="Left the council")
    assert Session.objects.count() == 0
    response = browser.get("/families/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == council_admin
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").status_code == 401
    event = AuditEvent.objects.get(action="user.deactivate")
    assert event.details == {
        "reason": "Left the council",
        "sessions_ended": 1,
        "tokens_revoked": [token.pk],
    }
    with pytest.raises(ValidationError):
        staff_user_deactivate(actor=council_admin, user=manager, reason="Again")
    staff_user_reactivate(actor=council_admin, user=manager)
    manager.refresh_from_db()
    assert manager.is_active
    assert AuditEvent.objects.filter(action="user.reactivate", target_id=str(manager.pk)).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None  # revoked tokens stay revoked


def test_deactivating_an_api_clients_account_revokes_its_tokens(police_admin, agency_token, police):
    _raw, token = agency_token(police)
    staff_user_deactivate(actor=police_admin, user=token.user, reason="System retired")
    assert not ApiToken.objects.usable().filter(pk=token.pk).exists()
    with pytest.raises(ValidationError):
        staff_user_update(actor=police_admin, user=token.user, role=Role.ADMINISTRATOR)


def test_a_failed_change_leaves_nothing_half_written(council_admin, make_user, team):
    worker = make_user(Role.SOCIAL_WORKER, teams=[team])
    before = groups_of(worker)
    with pytest.raises(ValidationError):
        staff_user_update(
            actor=council_admin, user=worker, role=Role.IRO, first_name="X", email="not an email"
        )
    worker.refresh_from_db()
    assert worker.first_name == "Sam"
    assert worker.role == Role.SOCIAL_WORKER
    assert groups_of(worker) == before
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()
    assert Group.objects.filter(name=role_group_name(Role.SOCIAL_WORKER)).exists()


def test_the_admin_site_follows_the_council_administrator_role(council_admin, council, make_user):
    created = staff_member_create(
        actor=council_admin, username="second.admin", role=Role.ADMINISTRATOR, agency=council
    )
    assert created.is_staff
    manager = make_user(Role.MANAGER, is_staff=True, is_superuser=True)
    staff_user_update(actor=council_admin, user=manager, role=Role.IRO)
    manager.refresh_from_db()
    assert not manager.is_staff
    assert not manager.is_superuser
    staff_user_update(actor=council_admin, user=created, role=Role.MANAGER)
    created.refresh_from_db()
    assert not created.is_staff


def test_no_person_is_given_the_council_case_system_role(council_admin, council, make_user):
    """Role system is the council case system's service account, made with its API client on the
    API tokens page (ADR 0083): staff administration neither creates one nor turns a person into
    one, so no one can post to the feed as the case system."""
    with pytest.raises(ValidationError) as created:
        staff_member_create(
            actor=council_admin, username="not.a.system", role=Role.SYSTEM, agency=council
        )
    assert "role" in created.value.message_dict
    person = make_user(Role.SOCIAL_WORKER)
    with pytest.raises(ValidationError):
        staff_user_update(actor=council_admin, user=person, role=Role.SYSTEM)
    person.refresh_from_db()
    assert person.role == Role.SOCIAL_WORKER
    assert not AuditEvent.objects.filter(action__in=["user.create", "user.role_change"]).exists()
