"""The cohort's part of the family page, registered with the case record's access policy
(`cases.access.register_family_panel`), so the family page shows it only to users who hold the
`cohort` section: council staff by role, a partner under an agreement covering the cohort."""

from typing import Any

from cases.access import STAFF, Access

from .models import CohortFlag
from .querysets import COHORT_PAGE_ROLES


def cohort_family_panel(*, user: Any, family_id: int, access: Access) -> dict[str, Any] | None:
    """The family's cohort flags, newest first (status, when flagged; the transition worker for
    those who hold the staff section, i.e. council staff); None when it has none. Council users
    who work the cohort get a link to each flag."""
    flags = list(
        CohortFlag.objects.visible_to(user)
        .filter(family_id=family_id)
        .select_related("worker")
        .order_by("-flagged_on", "-id")
    )
    if not flags:
        return None
    names_staff = access.sees(STAFF.code)
    return {
        "flags": [
            {
                "pk": flag.pk,
                "status": flag.status,
                "status_label": flag.get_status_display(),
                "flagged_on": flag.flagged_on,
                "worker": (str(flag.worker) if flag.worker else "") if names_staff else None,
            }
            for flag in flags
        ],
        "links": getattr(user, "role", None) in COHORT_PAGE_ROLES,
        "names_staff": names_staff,
    }
