"""`{% family_journey family %}`: the family record's child protection journey section (its
statutory timescales and the recording actions the user's role has). The family page includes it
with one line (`cases/includes/timescales.html`), so the family view itself stays unaware of it."""

from typing import Any

from django import template
from django.utils import timezone

from cases.roles import COUNCIL_CASE_ROLES

from .. import services
from ..selectors import family_timescales

register = template.Library()


@register.inclusion_tag("protection/includes/family_journey.html", takes_context=True)
def family_journey(context: dict[str, Any], family: Any) -> dict[str, Any]:
    user = context["request"].user
    if getattr(user, "role", None) not in COUNCIL_CASE_ROLES:
        # Partner agencies see plans only as their sharing scopes allow (the API's policy); the
        # journey and its dates are council case content.
        return {"shown": False}
    may = {
        "enquiry": services.may_record(user, services.ENQUIRY_ROLES),
        "conference": services.may_record(user, services.CONFERENCE_ROLES),
        "core_group": services.may_record(user, services.CORE_GROUP_ROLES),
        "plan_end": services.may_record(user, services.PLAN_END_ROLES),
    }
    return {
        "shown": True,
        "family": family,
        "children": family_timescales(user=user, family=family, today=timezone.localdate()),
        "may": may,
        "may_any": any(may.values()),
    }
