"""The one place that writes the audit log: services call `audit_record`, views `audit_read`."""

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

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
    families: Mapping[Any, Sequence[int]] | None = None,
) -> int:
    """Record that `actor` saw these records (a page, an API response). One row per record.

    A record that carries no `family_id` of its own (a person, a plan) is put in its families'
    trails by `families` (`{pk: [family ids]}`): one row per record and family, so a family's
    history shows every read of its members and their plans (ADR 0043).

    Every list page and API response calls this, so it writes one multi-row INSERT with
    parameters instead of building model instances (ADR 0003): a 50-row page costs one statement.
    """
    ctx = current_context()
    actor_fields = _actor_fields(actor)
    common = (
        connection.ops.adapt_datetimefield_value(timezone.now()),
        actor_fields["actor"].pk if actor_fields["actor"] is not None else None,
        actor_fields["actor_label"],
        action,
        ctx.channel,
        ctx.ip_address,
        ctx.user_agent,
        ctx.path,
        json.dumps(dict(details or {}), cls=DjangoJSONEncoder),
    )
    columns = [
        (fields["target_type"], fields["target_id"], family_id)
        for target in targets
        for fields in [_target_fields(target)]
        for family_id in _families_of(target, fields["family_id"], families)
    ]
    if columns:
        _insert_read_rows(common, columns)
    return len(columns)


def _families_of(
    target: models.Model, own: int | None, families: Mapping[Any, Sequence[int]] | None
) -> Sequence[int | None]:
    if own is not None or families is None:
        return [own]
    return list(families.get(target.pk, ())) or [None]


_READ_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "channel",
    "ip_address",
    "user_agent",
    "path",
    "details",
    "target_type",
    "target_id",
    "family_id",
)
_READ_ROWS_PER_STATEMENT = 500  # well under SQLite's parameter limit


def _insert_read_rows(common: tuple[Any, ...], targets: list[tuple[Any, ...]]) -> None:
    """One INSERT for the page. On PostgreSQL the per-record columns travel as three arrays
    (`unnest`), so a 50-row page is 12 parameters, not 600: about half the time of a VALUES
    list (ADR 0039). SQLite gets a VALUES list, in chunks under its parameter limit."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in _READ_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types, ids, families = (list(column) for column in zip(*targets, strict=True))
            cursor.execute(
                # Table and column names come from the model; every value is a parameter.
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                f"SELECT {', '.join(['%s'] * len(common))}, t.type, t.id, t.family "
                "FROM unnest(%s::varchar[], %s::varchar[], %s::bigint[]) AS t(type, id, family)",
                [*common, types, ids, families],
            )
            return
        row_sql = "(" + ", ".join(["%s"] * len(_READ_COLUMNS)) + ")"
        for start in range(0, len(targets), _READ_ROWS_PER_STATEMENT):
            chunk = [
                (*common, *target) for target in targets[start : start + _READ_ROWS_PER_STATEMENT]
            ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))}",  # noqa: S608
                [value for row in chunk for value in row],
            )
