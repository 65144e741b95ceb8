"""Request bodies the API tests share."""

from typing import Any

from django.utils import timezone


def notification(household: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A police DA incident notification about the `household` fixture's family."""
    return {
        "family": household["family"].pk,
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "Officers attended; child present.",
        "people_involved": [household["mother"].pk],
        "children_present": [household["child"].pk],
        **changes,
    }
