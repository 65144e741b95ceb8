"""What each role's home section shows. One builder per role returns that section's context; the
template is `home/sections/<role>.html`. Each count links to the list it counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cases import access
from cases.models import CPPlan, Family
from cases.roles import Role
from cohort.models import CohortFlag
from protection.selectors import (
    ALL_KINDS,
    CONFERENCE_KINDS,
    pending_counts,
    pending_grouped,
    pending_timescales,
)
from protection.timescales import Kind, Status

#: How many pending timescales a social worker's home lists before linking to the rest.
NEXT_ITEMS = 5


def _case_counts(user: Any) -> dict[str, Any]:
    """The families the user may see and the open plans among them, as the access policy allows
    (ADR 0040): a partner counts only plans of families shared with the plans section."""
    if not access.can_see_cases(user):
        return {}
    return {
        "families_count": Family.objects.visible_to(user).count(),
        "open_plans_count": CPPlan.objects.visible_to(user).filter(end_date__isnull=True).count(),
    }


def iro_section(user: Any, today: dt.date) -> dict[str, Any]:
    """Flags to review, upcoming conferences, overdue reviews and initial conferences. Each count
    is the number of rows its list shows (siblings due together are one conference)."""
    conferences = pending_grouped(
        pending_timescales(user=user, today=today, kinds=CONFERENCE_KINDS)
    )
    overdue = [c for c in conferences if c.timescale.status == Status.OVERDUE]
    return {
        **_case_counts(user),
        "flags_to_review": CohortFlag.objects.visible_to(user)
        .filter(status=CohortFlag.Status.FLAGGED)
        .count(),
        "conferences_due": sum(1 for c in conferences if c.timescale.status == Status.DUE),
        "reviews_overdue": sum(1 for c in overdue if c.timescale.kind == Kind.REVIEW),
        "icpcs_overdue": sum(1 for c in overdue if c.timescale.kind == Kind.ICPC),
    }


def social_worker_section(user: Any, today: dt.date) -> dict[str, Any]:
    """The caseload's statutory timescales: counts, and the next few to act on (siblings due the
    same thing on the same day together, as in the list the counts link to)."""
    pending = pending_grouped(pending_timescales(user=user, today=today, kinds=ALL_KINDS))
    return {
        **_case_counts(user),
        "timescale_counts": pending_counts(pending),
        "next_timescales": pending[:NEXT_ITEMS],
        "more_timescales": max(len(pending) - NEXT_ITEMS, 0),
        "pending_total": len(pending),
    }


def manager_section(user: Any, today: dt.date) -> dict[str, Any]:
    conferences = pending_grouped(
        pending_timescales(user=user, today=today, kinds=CONFERENCE_KINDS)
    )
    return {
        **_case_counts(user),
        "conference_counts": pending_counts(conferences),
    }


def case_section(user: Any, today: dt.date) -> dict[str, Any]:
    return _case_counts(user)


def no_case_section(user: Any, today: dt.date) -> dict[str, Any]:
    return {}


SECTIONS: dict[str, Callable[[Any, dt.date], dict[str, Any]]] = {
    Role.IRO: iro_section,
    Role.SOCIAL_WORKER: social_worker_section,
    Role.MANAGER: manager_section,
    Role.TRANSITION_WORKER: case_section,
    Role.PARTNER: case_section,
    Role.ADMINISTRATOR: no_case_section,
    Role.SYSTEM: no_case_section,
}
