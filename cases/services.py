"""Writes to the case record. Each service takes keyword-only arguments with `actor` first, runs in
one transaction, checks the current state, and records an audit event."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from audit.services import audit_record

from .models import (
    Agency,
    CINEpisode,
    DAIncident,
    Family,
    FamilyMembership,
    Person,
    Team,
    User,
)
from .roles import Role, role_group_name


@transaction.atomic
def agency_create(*, actor: User | None, name: str, code: str, kind: str) -> Agency:
    """Create an agency and the group that its object permissions are granted to."""
    group = Group.objects.create(name=f"agency:{code}")
    agency = Agency.objects.create(name=name, code=code, kind=kind, group=group)
    audit_record(actor=actor, action="agency.create", target=agency, details={"kind": kind})
    return agency


@transaction.atomic
def team_create(*, actor: User | None, agency: Agency, name: str) -> Team:
    group = Group.objects.create(name=f"team:{agency.code}:{name}")
    team = Team.objects.create(agency=agency, name=name, group=group)
    audit_record(actor=actor, action="team.create", target=team, details={"agency": agency.code})
    return team


def staff_role_agency_errors(*, role: str, agency: Agency) -> dict[str, str]:
    """The rule every account obeys, on creation and on every change: a partner agency user
    belongs to a partner agency; council roles to the council; an administrator to either (the
    council's, or a partner agency's own)."""
    if role not in Role.values:
        return {"role": "Select a role."}
    if role == Role.PARTNER and agency.kind == Agency.Kind.COUNCIL:
        return {"agency": "A partner agency user must belong to a partner agency."}
    if role not in (Role.PARTNER, Role.ADMINISTRATOR) and agency.kind != Agency.Kind.COUNCIL:
        return {"agency": "Council roles belong to the council."}
    return {}


def staff_team_errors(*, agency: Agency, teams: Iterable[Team]) -> dict[str, str]:
    """Teams are the agency's own: a caseload is never granted across agencies."""
    if any(team.agency_id != agency.pk for team in teams):
        return {"teams": "Choose teams of the user's own agency."}
    return {}


@transaction.atomic
def staff_user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role: str,
    agency: Agency,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    teams: Iterable[Team] = (),
    job_title: str = "",
) -> User:
    """Create a member of staff in their role, agency and teams (group memberships follow).

    A partner agency user must belong to a non-council agency; council roles to the council
    (`staff_role_agency_errors`); teams are the agency's. Who may create whom is the caller's
    check (`staff.services` for people, `sharing.services.api_client_create` for systems).
    """
    teams = list(teams)
    errors = {**staff_role_agency_errors(role=role, agency=agency)}
    errors.update(staff_team_errors(agency=agency, teams=teams))
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username,
        role=role,
        agency=agency,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role_group_name(role)), agency.group)
    user.groups.add(*(team.group for team in teams))
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        details={
            "role": role,
            "agency": agency.code,
            "teams": sorted(team.name for team in teams),
        },
    )
    return user


@transaction.atomic
def family_create(
    *,
    actor: User | None,
    reference: str,
    address: str = "",
    postcode: str = "",
    address_confidential: bool = False,
    team: Team | None = None,
) -> Family:
    """Create a family; with `team`, the family joins that team's caseload."""
    family = Family(
        reference=reference,
        address=address,
        postcode=postcode,
        address_confidential=address_confidential,
    )
    family.full_clean()
    family.save()
    audit_record(actor=actor, action="family.create", target=family)
    if team is not None:
        family_access_grant(actor=actor, family=family, group=team.group, reason="team caseload")
    return family


@transaction.atomic
def person_add_to_family(
    *, actor: User | None, family: Family, person: Person, abuse_role: str, relationship: str = ""
) -> FamilyMembership:
    if person.pk is None:
        person.full_clean()
        person.save()
        audit_record(actor=actor, action="person.create", target=person)
    membership = FamilyMembership(
        family=family, person=person, abuse_role=abuse_role, relationship=relationship
    )
    membership.full_clean()
    membership.save()
    audit_record(
        actor=actor,
        action="family.member_add",
        target=family,
        details={"person": person.pk, "abuse_role": abuse_role},
    )
    return membership


@transaction.atomic
def family_access_grant(*, actor: User | None, family: Family, group: Group, reason: str) -> None:
    """Let every member of `group` (a team, an agency) see `family`. Never granted to one user."""
    assign_perm("cases.view_family", group, family)
    audit_record(
        actor=actor,
        action="family.access_grant",
        target=family,
        details={"group": group.name, "reason": reason},
    )


@transaction.atomic
def family_access_revoke(*, actor: User | None, family: Family, group: Group, reason: str) -> None:
    remove_perm("cases.view_family", group, family)
    audit_record(
        actor=actor,
        action="family.access_revoke",
        target=family,
        details={"group": group.name, "reason": reason},
    )


@transaction.atomic
def person_access_grant(*, actor: User | None, person: Person, group: Group, reason: str) -> None:
    """Let every member of `group` see `person` (not their family): a person-level share."""
    assign_perm("cases.view_person", group, person)
    audit_record(
        actor=actor,
        action="person.access_grant",
        target=person,
        details={"group": group.name, "reason": reason},
    )


@transaction.atomic
def person_access_revoke(*, actor: User | None, person: Person, group: Group, reason: str) -> None:
    remove_perm("cases.view_person", group, person)
    audit_record(
        actor=actor,
        action="person.access_revoke",
        target=person,
        details={"group": group.name, "reason": reason},
    )


@transaction.atomic
def episode_open(
    *,
    actor: User | None,
    child: Person,
    referral_date: dt.date,
    referral_source: str = "",
    primary_need: str = "",
) -> CINEpisode:
    episode = CINEpisode(
        child=child,
        referral_date=referral_date,
        referral_source=referral_source,
        primary_need=primary_need,
    )
    episode.full_clean()
    episode.save()
    audit_record(actor=actor, action="episode.open", target=episode, details={"child": child.pk})
    return episode


# CP plans, conferences, core groups and step-downs are written by `protection.services`.


@transaction.atomic
def da_incident_record(
    *,
    actor: User,
    family: Family,
    occurred_on: dt.date,
    summary: str,
    people_involved: Iterable[Person],
    children_present: Iterable[Person] = (),
    police_reference: str = "",
    details: dict[str, Any] | None = None,
) -> DAIncident:
    """Record a DA incident notified by `actor`'s agency (the police) on `family`.

    Assumes the caller already checked `actor` may notify for this family. People involved and
    children present must be members of the family; children present must be children. `details`
    (the API token, the endpoint) goes into the audit event.
    """
    from django.utils import timezone

    agency = actor.agency
    if agency is None:
        raise ValidationError("Only an agency's account notifies incidents.")
    involved = list(people_involved)
    present = list(children_present)
    member_ids = set(
        FamilyMembership.objects.filter(family=family).values_list("person_id", flat=True)
    )
    errors: dict[str, str] = {}
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = "The incident date must be today or in the past."
    if not summary.strip():
        errors["summary"] = "Enter a summary of the incident."
    if not involved:
        errors["people_involved"] = "Name at least one person involved."
    elif any(p.pk not in member_ids for p in involved):
        errors["people_involved"] = "Everyone involved must be a member of the family."
    if any(p.pk not in member_ids or p.kind != Person.Kind.CHILD for p in present):
        errors["children_present"] = "Children present must be children in the family."
    if (
        police_reference
        and DAIncident.objects.filter(
            reported_by_agency=agency, police_reference=police_reference
        ).exists()
    ):
        errors["police_reference"] = "An incident with this police reference is already recorded."
    if errors:
        raise ValidationError(errors)
    incident = DAIncident.objects.create(
        family=family,
        occurred_on=occurred_on,
        summary=summary.strip(),
        police_reference=police_reference,
        reported_by_agency=agency,
        reported_by=actor,
    )
    incident.people_involved.set(involved)
    incident.children_present.set(present)
    audit_record(
        actor=actor,
        action="da_incident.record",
        target=incident,
        details={
            **(details or {}),
            "people_involved": [p.pk for p in involved],
            "children_present": [p.pk for p in present],
        },
    )
    return incident
