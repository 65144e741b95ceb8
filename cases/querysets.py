"""Chainable QuerySets. `visible_to(user)` is the one answer to "may this user see this record";
every list, detail page and API endpoint starts from it (DOMAIN.md "Roles", ADR 0004). Records
that belong to a section of the family (plans, incidents) are visible only where the user holds
that section too (`cases.access`, ADR 0040)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery

from . import access
from .roles import Role

if TYPE_CHECKING:
    from .models import Family  # noqa: F401 (named in a string below)


def _can_see_cases(user: Any) -> bool:
    return access.can_see_cases(user)


def _group_ids(user: Any) -> list[int]:
    """The user's group ids, read once per user object (as Django's ModelBackend caches
    permissions on it). As literals they let PostgreSQL estimate the grants of *these* groups: an
    agency with few shares is then served from its grants by index, instead of by walking every
    family in id order (239 ms down to ~1 ms for an agency with none, at 100,000 families)."""
    cached: list[int] | None = getattr(user, "_visibility_group_ids", None)
    if cached is None:
        cached = list(user.groups.values_list("pk", flat=True))
        user._visibility_group_ids = cached
    return cached


def _group_grant(
    permission_model: Any, codename: str, user: Any, subject: str, ref: str = "pk"
) -> Q:
    """A guardian grant of `codename` on the outer row to one of `user`'s groups.

    For a partner agency user, a grant that came from sharing agreements counts only while one of
    them is in force today: expiry is enforced at read time, before the nightly task removes the
    grant (ADR 0031). A grant made without any agreement (a team caseload) is not dated. The
    agreements are the sharing app's; it supplies the condition (`access.ShareProvider`).
    """
    from django.contrib.auth.models import Permission

    # The permission as a scalar subquery, not a join: PostgreSQL then estimates the grants from
    # the permission table's own statistics (a join on auth_permission made it guess ~1% of the
    # real rows and sort every granted family before paging).
    permission = Permission.objects.filter(
        codename=codename, content_type__app_label="cases"
    ).values("pk")[:1]
    grants = permission_model.objects.filter(
        content_object=OuterRef(ref),
        group_id__in=_group_ids(user),
        permission=Subquery(permission),
    )
    if access.is_partner(user):
        # Checked inside the grant's EXISTS, so only granted rows are probed (by index), never
        # every agreement the agency holds.
        grants = grants.filter(access.share_provider().grant_in_force(user=user, subject=subject))
    return Q(Exists(grants))


def _family_condition(user: Any, ref: str = "pk", prefix: str = "") -> Q:
    """The family rules below as a condition on the row whose family id is `ref` (`"pk"` on a
    family; `"family_id"` with `prefix="family__"` on a membership or incident), so related rows
    test their own family with correlated, indexed probes instead of materialising every visible
    family in a hashed `IN` (which at 100,000 families cost hundreds of milliseconds)."""
    from .models import CPPlan, FamilyGroupObjectPermission

    condition = _group_grant(FamilyGroupObjectPermission, "view_family", user, "family", ref=ref)
    if user.role == Role.IRO:
        condition |= Q(Exists(CPPlan.objects.filter(child__memberships__family=OuterRef(ref))))
    if user.role == Role.TRANSITION_WORKER:
        condition |= Q(**{f"{prefix}transition_worker": user})
    return condition


class FamilyQuerySet(models.QuerySet["Family"]):
    def visible_to(self, user: Any) -> FamilyQuerySet:
        """Families `user` may see.

        - manager: every family in the authority;
        - IRO: every family with a child who has or had a CP plan (the cohort is a subset);
        - transition worker: families allocated to them;
        - anyone: families granted to one of their groups (a team's caseload, an agency's shares);
        - administrator: none (configuration, not case content).
        """
        if not _can_see_cases(user):
            return self.none()
        if user.role == Role.MANAGER:
            return self.all()
        return self.filter(_family_condition(user))


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> PersonQuerySet:
        """People who belong to a family `user` may see, or who were shared with one of their
        groups on their own (a person-level sharing agreement)."""
        from .models import FamilyMembership, PersonGroupObjectPermission

        if not _can_see_cases(user):
            return self.none()
        if user.role == Role.MANAGER:
            return self.all()
        in_visible_family = Exists(
            FamilyMembership.objects.filter(person=OuterRef("pk")).filter(
                _family_condition(user, ref="family_id", prefix="family__")
            )
        )
        return self.filter(
            Q(in_visible_family)
            | _group_grant(PersonGroupObjectPermission, "view_person", user, "person")
        )

    def children(self) -> PersonQuerySet:
        return self.filter(kind="child")


class CPPlanQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CPPlanQuerySet:
        """CP plans of children `user` may see, where they hold the `plans` section (a partner:
        an agreement covering plans on the child or one of the child's families)."""
        from .models import Person

        if not _can_see_cases(user):
            return self.none()
        in_section = access.section_condition(
            user, access.PLANS.code, family_ref=None, person_ref="child"
        )
        if user.role == Role.MANAGER:
            return self.filter(in_section)
        return self.filter(
            Exists(Person.objects.visible_to(user).filter(pk=OuterRef("child_id"))), in_section
        )

    def open_on(self, day: Any) -> CPPlanQuerySet:
        """Plans open on `day`: started on or before it and not ended before it."""
        return self.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=day)
        )


class DAIncidentQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> DAIncidentQuerySet:
        """Incidents recorded on families `user` may see, where they hold the `incidents`
        section (a partner: an agreement covering incidents on the family)."""
        if not _can_see_cases(user):
            return self.none()
        in_section = access.section_condition(user, access.INCIDENTS.code)
        if user.role == Role.MANAGER:
            return self.filter(in_section)
        return self.filter(_family_condition(user, ref="family_id", prefix="family__"), in_section)
