"""The one place that writes the audit log: services call `audit_record`, views `audit_read`."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .context import current_context
from .models import AuditEvent


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_label": ""}
    return {"actor": actor, "actor_label": actor.get_username()}


def _target_fields(target: models.Model | None) -> dict[str, Any]:
    if target is None:
        return {"target_type": "", "target_id": "", "family_id": None}
    return {
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "family_id": _family_id_of(target),
    }


def _family_id_of(target: models.Model) -> int | None:
    """The family a record belongs to, when it says so, so a family's whole history is one query."""
    if target._meta.label_lower == "cases.family":
        return int(target.pk)
    family_id = getattr(target, "family_id", None)
    return int(family_id) if family_id is not None else None


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event: who (`actor`), did what (`action`), to which record, from where.

    Call inside the service's transaction, so the event and the change commit or roll back together.
    """
    ctx = current_context()
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        **_target_fields(target),
        action=action,
        channel=ctx.channel,
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        path=ctx.path,
        details=dict(details or {}),
    )


def audit_read(
    *,
    actor: Any,
    targets: Iterable[models.Model],
    action: str = "read",
    details: Mapping[str, Any] | None = None,
) -> int:
    """Record that `actor` saw these records (a page, an API response). One row per record."""
    ctx = current_context()
    common = {
        **_actor_fields(actor),
        "action": action,
        "channel": ctx.channel,
        "ip_address": ctx.ip_address,
        "user_agent": ctx.user_agent,
        "path": ctx.path,
        "details": dict(details or {}),
    }
    events = [AuditEvent(**common, **_target_fields(target)) for target in targets]
    AuditEvent.objects.bulk_create(events)
    return len(events)
