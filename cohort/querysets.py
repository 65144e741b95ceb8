"""Who may see the cohort (ADR 0022). Built on `Family.objects.visible_to(user)`, so a flag is
never shown to someone who may not see its family, and an unseen flag is a 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from cases import access
from cases.models import Family
from cases.roles import Role

#: Roles that review the cohort as a whole (DOMAIN.md "Roles": IROs review cohort flags,
#: managers allocate). Transition and social workers see flags of families they can see.
COHORT_REVIEW_ROLES = frozenset({Role.IRO, Role.MANAGER})
#: Roles that use the cohort pages.
COHORT_PAGE_ROLES = COHORT_REVIEW_ROLES | {Role.TRANSITION_WORKER, Role.SOCIAL_WORKER}
#: Partner agency users reach flags only through the API, and only of families shared with their
#: agency under the "cohort" scope (the access policy's `section_condition`, ADR 0040).
COHORT_ROLES = COHORT_PAGE_ROLES | {Role.PARTNER}


def _role(user: Any) -> str | None:
    if not (user and user.is_authenticated and user.is_active):
        return None
    return getattr(user, "role", None)


class CohortFlagQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CohortFlagQuerySet:
        """Flags of families `user` may see, for the roles that work with the cohort, where they
        hold the `cohort` section (a partner: an agreement covering the cohort on the family)."""
        if _role(user) not in COHORT_ROLES:
            return self.none()
        in_section = access.section_condition(user, access.COHORT.code)
        if user.role == Role.MANAGER:
            return self.filter(in_section)
        return self.filter(family__in=Family.objects.visible_to(user)).filter(in_section)

    def current(self) -> CohortFlagQuerySet:
        return self.exclude(status__in=["declined", "closed"])


class CohortRunQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CohortRunQuerySet:
        """Runs (and through them near misses) are for the people who review the cohort."""
        if _role(user) not in COHORT_REVIEW_ROLES:
            return self.none()
        return self.all()
