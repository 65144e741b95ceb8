"""Chainable QuerySets. `visible_to(user)` is the one answer to "may this user see this record";
every list, detail page and API endpoint starts from it (DOMAIN.md "Roles", ADR 0004)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from .roles import Role

if TYPE_CHECKING:
    from .models import Family


def _can_see_cases(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role != Role.ADMINISTRATOR)


class FamilyQuerySet(models.QuerySet["Family"]):
    def visible_to(self, user: Any) -> FamilyQuerySet:
        """Families `user` may see.

        - manager: every family in the authority;
        - IRO: every family with a child who has or had a CP plan (the cohort is a subset);
        - transition worker: families allocated to them;
        - anyone: families granted to one of their groups (a team's caseload, an agency's shares);
        - administrator: none (configuration, not case content).
        """
        from .models import CPPlan, FamilyGroupObjectPermission

        if not _can_see_cases(user):
            return self.none()
        if user.role == Role.MANAGER:
            return self.all()
        granted = Exists(
            FamilyGroupObjectPermission.objects.filter(
                content_object=OuterRef("pk"),
                group__in=user.groups.all(),
                permission__codename="view_family",
            )
        )
        condition = Q(granted)
        if user.role == Role.IRO:
            condition |= Q(
                Exists(CPPlan.objects.filter(child__memberships__family=OuterRef("pk")))
            )
        if user.role == Role.TRANSITION_WORKER:
            condition |= Q(transition_worker=user)
        return self.filter(condition)


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> PersonQuerySet:
        """People who belong to a family `user` may see."""
        from .models import Family, FamilyMembership

        if not _can_see_cases(user):
            return self.none()
        if user.role == Role.MANAGER:
            return self.all()
        return self.filter(
            Exists(
                FamilyMembership.objects.filter(
                    person=OuterRef("pk"), family__in=Family.objects.visible_to(user)
                )
            )
        )

    def children(self) -> PersonQuerySet:
        return self.filter(kind="child")


class CPPlanQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CPPlanQuerySet:
        """CP plans of children `user` may see."""
        from .models import Person

        if not _can_see_cases(user):
            return self.none()
        if user.role == Role.MANAGER:
            return self.all()
        return self.filter(child__in=Person.objects.visible_to(user))

    def open_on(self, day: Any) -> CPPlanQuerySet:
        """Plans open on `day`: started on or before it and not ended before it."""
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
