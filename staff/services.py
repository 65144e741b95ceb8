"""Staff administration: creating, changing, deactivating and reactivating accounts (ADR 0044).

Keyword-only, `actor` first, one transaction, current state checked, audit event recorded.
Who administers whom:

- a **council administrator** (role administrator in the council) administers every account;
- an **agency administrator** (role administrator in a partner agency) administers the accounts
  of their own agency only: its partner users, its other administrators and (on the API token
  page) its systems;
- nobody changes their own role or agency, or deactivates themselves;
- every account obeys the role/agency rule of `cases.services.staff_role_agency_errors`.

Role and agency changes are audit events naming the old and new values; a changed role or agency
revokes the user's API tokens (they were issued for the old one). Deactivation ends the user's
browser sessions and revokes their tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from cases.models import Agency, Team, User
from cases.roles import Role, role_group_name
from cases.services import staff_role_agency_errors, staff_team_errors, staff_user_create
from sharing.services import api_tokens_revoke_for_user

#: Roles an agency administrator may give: their agency has no council roles.
AGENCY_ADMIN_ROLES = frozenset({Role.PARTNER, Role.ADMINISTRATOR})


def is_administrator(user: Any) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and getattr(user, "role", None) == Role.ADMINISTRATOR
        and user.agency_id is not None
    )


def is_council_administrator(user: Any) -> bool:
    return is_administrator(user) and user.agency.kind == Agency.Kind.COUNCIL


def administers_agency(actor: Any, agency: Agency) -> bool:
    """May `actor` create or hold accounts in `agency`?"""
    if not is_administrator(actor):
        return False
    return is_council_administrator(actor) or actor.agency_id == agency.pk


def administers(actor: Any, user: User) -> bool:
    """May `actor` see and change `user`'s account?"""
    return user.agency is not None and administers_agency(actor, user.agency)


#: Roles no person's account is given here: the council case system's service account (ADR
#: 0083) is made with its API client on the API tokens page, so no one can impersonate it.
SERVICE_ROLES = frozenset({Role.SYSTEM})


def roles_given_by(actor: Any) -> list[str]:
    """The roles `actor` may give, in `Role` order."""
    if is_council_administrator(actor):
        return [role for role in Role.values if role not in SERVICE_ROLES]
    if is_administrator(actor):
        return [role for role in Role.values if role in AGENCY_ADMIN_ROLES]
    return []


def opens_admin_site(*, role: str, agency: Agency) -> bool:
    """The read-only admin (configuration, audit log) is the council administrator's (ADR 0045):
    Django's `is_staff` follows the role, never set by hand."""
    return role == Role.ADMINISTRATOR and agency.kind == Agency.Kind.COUNCIL


def _check_role(actor: User, role: str) -> None:
    if role not in roles_given_by(actor):
        raise ValidationError({"role": "You cannot give this role."})


def _validated_password(password: str | None, user: User | None = None) -> None:
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error


@transaction.atomic
def staff_member_create(
    *,
    actor: User,
    username: str,
    role: str,
    agency: Agency,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    teams: Iterable[Team] = (),
    password: str | None = None,
) -> User:
    """Create an account in `agency`, for an administrator of that agency (or the council).

    `password` is a first password for the person to change (validated like every password);
    without one the account cannot sign in until it is set.
    """
    if not administers_agency(actor, agency):
        raise PermissionDenied("You cannot create accounts in this agency.")
    _check_role(actor, role)
    _validated_password(password)
    user = staff_user_create(
        actor=actor,
        username=username.strip(),
        password=password or None,
        role=role,
        agency=agency,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        teams=list(teams),
        job_title=job_title.strip(),
    )
    if opens_admin_site(role=role, agency=agency):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def _is_api_client_account(user: User) -> bool:
    return hasattr(user, "api_client")


def _set_groups(user: User, *, role: str, agency: Agency, teams: list[Team]) -> None:
    """The user's groups are their role's, their agency's and their teams': nothing else."""
    groups = [Group.objects.get(name=role_group_name(role)), agency.group]
    user.groups.set([*groups, *(team.group for team in teams)])


def _team_names(teams: Iterable[Team]) -> list[str]:
    return sorted(team.name for team in teams)


@transaction.atomic
def staff_user_update(
    *,
    actor: User,
    user: User,
    role: str | None = None,
    agency: Agency | None = None,
    teams: Iterable[Team] | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    job_title: str | None = None,
) -> User:
    """Change an account. An argument left as None is unchanged.

    A user never changes their own role or agency. A changed role or agency is an audit event
    with the old and new values, and revokes the user's API tokens; team changes say which teams
    were added and removed (teams decide caseloads, so they are access changes too).
    """
    user = User.objects.select_for_update(of=("self",)).select_related("agency").get(pk=user.pk)
    if not administers(actor, user) or user.agency is None:
        raise PermissionDenied("You cannot change this account.")
    old_agency: Agency = user.agency
    new_role = user.role if role is None else role
    new_agency: Agency = old_agency if agency is None else agency
    role_changes = new_role != user.role
    agency_changes = new_agency.pk != user.agency_id
    if (role_changes or agency_changes) and user.pk == actor.pk:
        raise PermissionDenied("You cannot change your own role or agency.")
    if (role_changes or agency_changes) and _is_api_client_account(user):
        raise ValidationError("An API client's account keeps its role and agency.")
    if agency_changes and not administers_agency(actor, new_agency):
        raise PermissionDenied("You cannot move accounts to this agency.")
    if role_changes:
        _check_role(actor, new_role)
    old_teams = list(Team.objects.filter(group__user=user).order_by("name"))
    new_teams = old_teams if teams is None else list(teams)
    if agency_changes and teams is None:
        new_teams = []  # a caseload never follows someone to another agency
    errors = {**staff_role_agency_errors(role=new_role, agency=new_agency)}
    errors.update(staff_team_errors(agency=new_agency, teams=new_teams))
    if errors:
        raise ValidationError(errors)

    old = {"role": user.role, "agency": old_agency.code}
    changed: dict[str, dict[str, str]] = {}
    for name, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("email", email),
        ("job_title", job_title),
    ):
        if value is not None and value.strip() != getattr(user, name):
            changed[name] = {"old": getattr(user, name), "new": value.strip()}
            setattr(user, name, value.strip())
    user.role = new_role
    user.agency = new_agency
    if role_changes or agency_changes:
        # Django's flags follow the role: no one keeps the admin site or superuser powers from
        # a role they no longer hold.
        user.is_staff = opens_admin_site(role=new_role, agency=new_agency)
        user.is_superuser = user.is_superuser and user.is_staff
    user.full_clean(exclude=["password"])
    user.save()
    _set_groups(user, role=new_role, agency=new_agency, teams=new_teams)

    if changed:
        audit_record(actor=actor, action="user.update", target=user, details=changed)
    if role_changes:
        audit_record(
            actor=actor,
            action="user.role_change",
            target=user,
            details={"old": old["role"], "new": new_role},
        )
    if agency_changes:
        audit_record(
            actor=actor,
            action="user.agency_change",
            target=user,
            details={"old": old["agency"], "new": new_agency.code},
        )
    added = sorted({t.name for t in new_teams} - {t.name for t in old_teams})
    removed = sorted({t.name for t in old_teams} - {t.name for t in new_teams})
    if added or removed:
        audit_record(
            actor=actor,
            action="user.teams_change",
            target=user,
            details={"added": added, "removed": removed, "teams": _team_names(new_teams)},
        )
    if role_changes or agency_changes:
        api_tokens_revoke_for_user(actor=actor, user=user, reason="role or agency changed")
    return user


def _end_sessions(user: User) -> int:
    """Delete the user's browser sessions (database sessions: decoded to find theirs). Inactive
    users are refused on their next request anyway; this ends them now."""
    now = timezone.now()
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def staff_user_deactivate(*, actor: User, user: User, reason: str) -> User:
    """Deactivate an account now: it cannot sign in, its browser sessions end and its API tokens
    are revoked. The account and everything it did stay on record."""
    user = User.objects.select_for_update(of=("self",)).select_related("agency").get(pk=user.pk)
    if not administers(actor, user):
        raise PermissionDenied("You cannot change this account.")
    if user.pk == actor.pk:
        raise PermissionDenied("You cannot deactivate your own account.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the account is deactivated."})
    if not user.is_active:
        raise ValidationError("This account is already deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions = _end_sessions(user)
    tokens = api_tokens_revoke_for_user(actor=actor, user=user, reason="account deactivated")
    audit_record(
        actor=actor,
        action="user.deactivate",
        target=user,
        details={"reason": reason.strip(), "sessions_ended": sessions, "tokens_revoked": tokens},
    )
    return user


@transaction.atomic
def staff_user_reactivate(*, actor: User, user: User) -> User:
    """Let a deactivated account sign in again (its revoked tokens stay revoked)."""
    user = User.objects.select_for_update(of=("self",)).select_related("agency").get(pk=user.pk)
    if not administers(actor, user):
        raise PermissionDenied("You cannot change this account.")
    if user.is_active:
        raise ValidationError("This account is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.reactivate", target=user)
    return user
