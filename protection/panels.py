"""The child protection journey's part of the family page: each child's statutory timescales
and the recording actions the user's role has.

It is registered with the case record's access policy (`cases.access.register_family_panel`,
ADR 0040) under a section of its own, `cp_journey`, which council case roles hold and no sharing
agreement can cover: the journey, its dates and who records what are council case content, so a
partner agency never sees it, whatever its agreements share (the API sends none of it either).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cases.access import Access, FamilyPanel, Section, register, register_family_panel

from . import services
from .selectors import family_timescales

JOURNEY = register(
    Section(
        "cp_journey",
        "Child protection journey",
        "Section 47 enquiries, conferences, core groups and plan ends, with the statutory "
        "timescales they run to (council staff only).",
        shareable=False,
    )
)


def family_journey_panel(*, user: Any, family_id: int, access: Access) -> dict[str, Any]:
    """The panel's context: each child's timescales (children the user may see), and which
    recording pages the user's role may open."""
    may = {
        "enquiry": services.may_record(user, services.ENQUIRY_ROLES),
        "conference": services.may_record(user, services.CONFERENCE_ROLES),
        "core_group": services.may_record(user, services.CORE_GROUP_ROLES),
        "plan_end": services.may_record(user, services.PLAN_END_ROLES),
    }
    return {
        "family_id": family_id,
        "children": family_timescales(user=user, family_id=family_id, today=timezone.localdate()),
        "may": may,
        "may_any": any(may.values()),
    }


def register_panels() -> None:
    register_family_panel(
        FamilyPanel(
            section=JOURNEY.code,
            template="protection/includes/family_panel.html",
            load=family_journey_panel,
            order=20,
        )
    )
