"""Reads for staff administration: the accounts an administrator administers (ADR 0044)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from cases.models import Agency, Team, User

from .services import is_administrator, is_council_administrator

STAFF_SORTS = {"name": ("last_name", "first_name", "id"), "username": ("username", "id")}


def agencies_administered(*, actor: Any) -> QuerySet[Agency]:
    """Agencies whose accounts `actor` administers: all (council), or their own."""
    if is_council_administrator(actor):
        return Agency.objects.order_by("name")
    if is_administrator(actor):
        return Agency.objects.filter(pk=actor.agency_id)
    return Agency.objects.none()


def staff_list(
    *,
    actor: Any,
    search: str = "",
    agency: Agency | None = None,
    role: str = "",
    status: str = "",
) -> QuerySet[User]:
    """Accounts `actor` administers, filtered; with agency, teams and API client loaded."""
    users = User.objects.filter(agency__in=agencies_administered(actor=actor))
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    if agency is not None:
        users = users.filter(agency=agency)
    if role:
        users = users.filter(role=role)
    if status in {"active", "deactivated"}:
        users = users.filter(is_active=status == "active")
    return users.select_related("agency", "api_client").order_by(*STAFF_SORTS["name"])


def staff_detail(*, actor: Any, pk: int) -> User:
    """One account `actor` administers, or 404 (exactly as for a missing one)."""
    user = staff_list(actor=actor).filter(pk=pk).first()
    if user is None:
        raise Http404("No such account.")
    return user


def staff_teams(*, user: User) -> list[Team]:
    return list(Team.objects.filter(group__user=user).order_by("name"))


def teams_for(*, agency: Agency | None) -> QuerySet[Team]:
    return Team.objects.filter(agency=agency).order_by("name") if agency else Team.objects.none()
