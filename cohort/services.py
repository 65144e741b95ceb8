"""Writes for the transition cohort: the run (the rule applied and its flags recorded) and each
step of a flag's review lifecycle (DOMAIN.md: flagged -> accepted/declined -> allocated -> active
-> closed; a manager may reallocate an allocated or active flag). Every service takes
keyword-only arguments with `actor` first, runs in one transaction, checks the current state and
the actor's role, records a status event (who, when, why) and an audit event.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from audit.context import current_context
from audit.models import AuditEvent
from audit.services import audit_record
from cases.models import Family, User
from cases.roles import Role

from . import rules
from .models import (
    CohortDispute,
    CohortFlag,
    CohortFlagChild,
    CohortFlagEvent,
    CohortRun,
    CohortRunResult,
)

#: Key of the PostgreSQL advisory lock that keeps two runs from overlapping ("cohort" in ASCII).
RUN_LOCK_KEY = 0x636F686F7274

Status = CohortFlag.Status


# --- The run -----------------------------------------------------------------------------------
@contextlib.contextmanager
def _run_lock() -> Iterator[None]:
    """Serialise runs. On PostgreSQL a session advisory lock, held from before the run is
    recorded as running until it has finished (and released if the process dies, with its
    connection); SQLite already serialises writers on the whole database."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [RUN_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK_KEY])


#: How a run whose worker died is recorded (ADR 0053).
WORKER_LOST = "The worker running it stopped before it finished"


def _stale_runs_failed() -> None:
    """Runs still marked running while we hold the run lock: their process died mid-way (a
    worker killed). Record them as failed; the task delivered again is their retry."""
    for run in CohortRun.objects.filter(status=CohortRun.Status.RUNNING):
        run.status = CohortRun.Status.FAILED
        run.finished_at = timezone.now()
        run.error = f"{WORKER_LOST}; it was retried."
        run.save(update_fields=["status", "finished_at", "error"])
        audit_record(
            actor=None,
            action="cohort.run_failed",
            target=run,
            details={"as_of": run.as_of.isoformat(), "error": run.error},
        )


def _sql(statement: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def _scalar(statement: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def _tables() -> dict[str, str]:
    return {
        "result": CohortRunResult._meta.db_table,
        "flag": CohortFlag._meta.db_table,
        "child": CohortFlagChild._meta.db_table,
        "event": CohortFlagEvent._meta.db_table,
    }


def _record_results(run: CohortRun, parameters: rules.RuleParameters) -> None:
    """Insert the rule's rows for D straight into `CohortRunResult`: one statement, no rows
    travel through Python."""
    columns = ", ".join(rules.RESULT_COLUMNS)
    selected = ", ".join(f"r.{column}" for column in rules.RESULT_COLUMNS)
    params = {**rules.rule_params(run.as_of, parameters), "run_id": run.pk}
    with connection.cursor() as cursor:
        rules.session_settings(cursor)
    _sql(
        f"INSERT INTO {_tables()['result']} (run_id, {columns}) "
        f"SELECT %(run_id)s, {selected} FROM ({rules.rule_sql()}) r",
        params,
    )


def _record_flags(run: CohortRun, actor: User | None) -> None:
    """Turn this run's qualifying children into flags, set-based and idempotent:

    - a plan already on any flag is never flagged again (`CohortFlagChild.plan` is unique);
    - a family with a current flag gets the new child added to it (siblings share one flag);
    - otherwise the family gets a new flag.
    """
    t = _tables()
    now = timezone.now()
    params: dict[str, Any] = {
        "run_id": run.pk,
        "as_of": connection.ops.adapt_datefield_value(run.as_of),
        "now": connection.ops.adapt_datetimefield_value(now),
        "actor_id": actor.pk if actor else None,
        "qualifies": rules.QUALIFIES,
    }
    new_plan = (
        f"r.run_id = %(run_id)s AND r.outcome = %(qualifies)s "
        f"AND NOT EXISTS (SELECT 1 FROM {t['child']} fc WHERE fc.plan_id = r.plan_id)"
    )
    current = "f.status NOT IN ('declined', 'closed')"
    _sql(
        f"""INSERT INTO {t["flag"]} (family_id, status, flagged_on, first_run_id, created_at,
                updated_at, decline_reason, outcome)
            SELECT DISTINCT r.family_id, 'flagged', %(as_of)s, %(run_id)s, %(now)s, %(now)s, '', ''
            FROM {t["result"]} r
            WHERE {new_plan}
              AND NOT EXISTS (SELECT 1 FROM {t["flag"]} f
                               WHERE f.family_id = r.family_id AND {current})""",
        params,
    )
    # Existing current flags that gain a child: note it on their history before adding.
    _sql(
        f"""INSERT INTO {t["event"]} (flag_id, from_status, to_status, actor_id, run_id, at, note)
            SELECT DISTINCT f.id, f.status, f.status, CAST(%(actor_id)s AS BIGINT), %(run_id)s,
                   %(now)s, 'Another child in the family now qualifies.'
            FROM {t["result"]} r JOIN {t["flag"]} f ON f.family_id = r.family_id AND {current}
            WHERE {new_plan} AND f.first_run_id <> %(run_id)s""",
        params,
    )
    run.flags_updated = _sql(
        f"""UPDATE {t["flag"]} SET updated_at = %(now)s
            WHERE id IN (SELECT f.id FROM {t["result"]} r
                         JOIN {t["flag"]} f ON f.family_id = r.family_id AND {current}
                         WHERE {new_plan} AND f.first_run_id <> %(run_id)s)""",
        params,
    )
    _sql(
        f"""INSERT INTO {t["child"]} (flag_id, child_id, plan_id, result_id)
            SELECT f.id, r.child_id, r.plan_id, r.id
            FROM {t["result"]} r JOIN {t["flag"]} f ON f.family_id = r.family_id AND {current}
            WHERE {new_plan}""",
        params,
    )
    run.flags_created = _sql(
        f"""INSERT INTO {t["event"]} (flag_id, from_status, to_status, actor_id, run_id, at, note)
            SELECT f.id, '', 'flagged', CAST(%(actor_id)s AS BIGINT), %(run_id)s, %(now)s,
                   'Flagged: a child meets the transition cohort rule.'
            FROM {t["flag"]} f WHERE f.first_run_id = %(run_id)s""",
        params,
    )
    # Flags this run found again and left as they were.
    run.flags_unchanged = _scalar(
        f"""SELECT COUNT(DISTINCT fc.flag_id) FROM {t["result"]} r
            JOIN {t["child"]} fc ON fc.plan_id = r.plan_id
            JOIN {t["flag"]} f ON f.id = fc.flag_id
            WHERE r.run_id = %(run_id)s AND r.outcome = %(qualifies)s
              AND f.first_run_id <> %(run_id)s
              AND f.id NOT IN (SELECT e.flag_id FROM {t["event"]} e WHERE e.run_id = %(run_id)s)""",
        params,
    )


def _audit_flags_created(run: CohortRun, actor: User | None) -> None:
    """One audit event per new flag, with its family id (so a family's trail shows when it
    entered the cohort), written set-based like the flags themselves: the same row
    `audit_record` would write, for thousands of flags in one statement."""
    ctx = current_context()
    params = {
        "run_id": run.pk,
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "actor_id": actor.pk if actor else None,
        "actor_label": actor.get_username() if actor else "",
        "channel": ctx.channel,
        "ip": ctx.ip_address,
        "user_agent": ctx.user_agent,
        "path": ctx.path,
        "details": json.dumps({"run": run.pk}),
        "target_type": CohortFlag._meta.label_lower,
    }
    _sql(
        f"""INSERT INTO {AuditEvent._meta.db_table} (occurred_at, actor_id, actor_label, action,
                target_type, target_id, family_id, channel, ip_address, user_agent, path, details)
            SELECT %(now)s, CAST(%(actor_id)s AS BIGINT), %(actor_label)s, 'cohort_flag.create',
                   %(target_type)s, CAST(f.id AS TEXT), f.family_id, %(channel)s,
                   %(ip)s, %(user_agent)s, %(path)s, %(details)s
            FROM {CohortFlag._meta.db_table} f WHERE f.first_run_id = %(run_id)s""",
        params,
    )


def cohort_run_execute(
    *, actor: User | None, as_of: dt.date, parameters: rules.RuleParameters | None = None
) -> CohortRun:
    """Apply the cohort rule for `as_of` (D) and record the run, its results and its flags.

    Under an advisory lock, the run is first recorded as running (committed), then its work is
    one transaction: a failure leaves no partial results or flags (the run is recorded as failed
    and the error re-raised so the task retries); a worker killed mid-run leaves it running, and
    the next run (the task delivered again) records it as failed first (ADR 0053). A concurrent
    run waits and then finds nothing new. Running twice for the same D creates nothing.
    """
    parameters = parameters or rules.RuleParameters.from_settings()
    with _run_lock():
        _stale_runs_failed()
        lost = CohortRun.objects.filter(
            as_of=as_of, status=CohortRun.Status.FAILED, error__startswith=WORKER_LOST
        ).count()
        # Recorded as running (committed) before the work, so a worker killed mid-run leaves a
        # trace the next run turns into a failed run.
        run = CohortRun.objects.create(
            as_of=as_of,
            started_at=timezone.now(),
            rule_version=rules.RULE_VERSION,
            parameters=parameters.as_dict(),
            triggered_by=actor,
        )
        if lost > settings.COHORT_RUN_MAX_RETRIES:
            # A run that kills its worker each time is not tried for ever.
            _run_failure_record(
                actor=actor,
                run=run,
                error=RuntimeError(
                    f"Not run: the worker stopped during {lost} runs for this date already."
                ),
            )
            return run
        try:
            with transaction.atomic():
                _run_work(run, actor=actor, parameters=parameters)
                return run
        except Exception as exc:
            _run_failure_record(actor=actor, run=run, error=exc)
            raise


def _run_work(run: CohortRun, *, actor: User | None, parameters: rules.RuleParameters) -> None:
    params = rules.rule_params(run.as_of, parameters)
    run.children_evaluated = _scalar(rules.children_evaluated_sql(), params)
    _record_results(run, parameters)
    outcomes = dict(
        CohortRunResult.objects.filter(run=run)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    run.children_qualifying = outcomes.get(rules.QUALIFIES, 0)
    run.history_missing = outcomes.get(rules.HISTORY_MISSING, 0)
    _record_flags(run, actor)
    _audit_flags_created(run, actor)
    audit_record(
        actor=actor,
        action="cohort.run",
        target=run,
        details={
            "as_of": run.as_of.isoformat(),
            "rule_version": run.rule_version,
            "flags_created": run.flags_created,
            "flags_updated": run.flags_updated,
            "flags_unchanged": run.flags_unchanged,
        },
    )
    run.status = CohortRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()


def _run_failure_record(*, actor: User | None, run: CohortRun, error: Exception) -> None:
    """Record the run as failed (its own transaction: the run's work rolled back)."""
    with transaction.atomic():
        CohortRun.objects.filter(pk=run.pk).update(
            status=CohortRun.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
            children_evaluated=0,
            children_qualifying=0,
            history_missing=0,
            flags_created=0,
            flags_updated=0,
            flags_unchanged=0,
        )
        run.refresh_from_db()
        audit_record(
            actor=actor,
            action="cohort.run_failed",
            target=run,
            details={"as_of": run.as_of.isoformat(), "error": run.error},
        )


# --- The review lifecycle ----------------------------------------------------------------------
def _require_role(actor: Any, roles: set[str], doing: str) -> None:
    if getattr(actor, "role", None) not in roles:
        raise PermissionDenied(f"Only {' or '.join(sorted(roles))} users may {doing}.")


def _lock_flag(actor: Any, flag: CohortFlag) -> CohortFlag:
    """The flag, locked for update, if `actor` may see it (an unseen flag is refused)."""
    locked = CohortFlag.objects.visible_to(actor).select_for_update().filter(pk=flag.pk).first()
    if locked is None:
        raise PermissionDenied("You cannot see this cohort flag.")
    return locked


def _check_status(flag: CohortFlag, allowed: tuple[str, ...], doing: str) -> None:
    if flag.status not in allowed:
        raise ValidationError(f"A {flag.get_status_display().lower()} flag cannot be {doing}.")


def _change_status(
    *,
    actor: User,
    flag: CohortFlag,
    to_status: str,
    note: str,
    action: str,
    details: dict[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> CohortFlag:
    # `to_status` may equal the current status: a reallocation is an event without a transition.
    from_status = flag.status
    now = timezone.now()
    flag.status = to_status
    flag.updated_at = now
    flag.save(update_fields=["status", "updated_at", *fields])
    CohortFlagEvent.objects.create(
        flag=flag, from_status=from_status, to_status=to_status, actor=actor, at=now, note=note
    )
    audit_record(
        actor=actor,
        action=action,
        target=flag,
        details={"from": from_status, "to": to_status, "note": note, **(details or {})},
    )
    return flag


@transaction.atomic
def cohort_flag_accept(*, actor: User, flag: CohortFlag, note: str = "") -> CohortFlag:
    """An IRO agrees the family belongs in the cohort: flagged -> accepted."""
    _require_role(actor, {Role.IRO}, "accept a cohort flag")
    flag = _lock_flag(actor, flag)
    _check_status(flag, (Status.FLAGGED,), "accepted")
    return _change_status(
        actor=actor,
        flag=flag,
        to_status=Status.ACCEPTED,
        note=note.strip(),
        action="cohort_flag.accept",
    )


@transaction.atomic
def cohort_flag_decline(*, actor: User, flag: CohortFlag, reason: str) -> CohortFlag:
    """An IRO decides the family does not belong in the cohort: flagged -> declined. The reason
    is required and kept on the flag; the flag's children are never flagged again for the same
    plans."""
    _require_role(actor, {Role.IRO}, "decline a cohort flag")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the flag is declined."})
    flag = _lock_flag(actor, flag)
    _check_status(flag, (Status.FLAGGED,), "declined")
    flag.decline_reason = reason
    return _change_status(
        actor=actor,
        flag=flag,
        to_status=Status.DECLINED,
        note=reason,
        action="cohort_flag.decline",
        fields=("decline_reason",),
    )


@transaction.atomic
def cohort_flag_allocate(
    *, actor: User, flag: CohortFlag, worker: User, note: str = "", on: dt.date | None = None
) -> CohortFlag:
    """A manager names the transition worker: accepted -> allocated.

    Sets `Family.transition_worker` (so the worker can see the family) and the first risk review
    due date, `REVIEW_DUE_WEEKS` after allocation (DOMAIN.md "Risk reviews").
    """
    _require_role(actor, {Role.MANAGER}, "allocate a cohort flag")
    if worker.role != Role.TRANSITION_WORKER or not worker.is_active:
        raise ValidationError({"worker": "Choose an active transition worker."})
    flag = _lock_flag(actor, flag)
    _check_status(flag, (Status.ACCEPTED,), "allocated")
    allocated_on = on or timezone.localdate()
    flag.worker = worker
    flag.allocated_on = allocated_on
    flag.first_review_due = allocated_on + dt.timedelta(weeks=settings.REVIEW_DUE_WEEKS)
    Family.objects.filter(pk=flag.family_id).update(transition_worker=worker)
    return _change_status(
        actor=actor,
        flag=flag,
        to_status=Status.ALLOCATED,
        note=note.strip() or f"Allocated to {worker}.",
        action="cohort_flag.allocate",
        details={"worker": worker.pk, "first_review_due": flag.first_review_due.isoformat()},
        fields=("worker", "allocated_on", "first_review_due"),
    )


@transaction.atomic
def cohort_flag_reallocate(
    *, actor: User, flag: CohortFlag, worker: User, reason: str
) -> CohortFlag:
    """A manager moves the family to another transition worker (the worker leaves, is off sick,
    caseloads are balanced): allocated -> allocated or active -> active, with the reason.

    Moves `Family.transition_worker` too, so the new worker sees the family and the old one no
    longer does. `allocated_on` and `first_review_due` are kept: review deadlines belong to the
    child, not to the worker (ADR 0025).
    """
    _require_role(actor, {Role.MANAGER}, "reallocate a cohort flag")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the family is moving to another worker."})
    if worker.role != Role.TRANSITION_WORKER or not worker.is_active:
        raise ValidationError({"worker": "Choose an active transition worker."})
    flag = _lock_flag(actor, flag)
    _check_status(flag, (Status.ALLOCATED, Status.ACTIVE), "reallocated")
    if flag.worker_id == worker.pk:
        raise ValidationError({"worker": "Choose a different transition worker."})
    previous_id, previous = flag.worker_id, flag.worker
    flag.worker = worker
    Family.objects.filter(pk=flag.family_id).update(transition_worker=worker)
    return _change_status(
        actor=actor,
        flag=flag,
        to_status=flag.status,
        note=f"Reallocated from {previous} to {worker}: {reason}",
        action="cohort_flag.reallocate",
        details={"from_worker": previous_id, "worker": worker.pk},
        fields=("worker",),
    )


def _is_allocated_worker(actor: Any, flag: CohortFlag) -> bool:
    return bool(flag.worker_id and flag.worker_id == getattr(actor, "pk", None))


@transaction.atomic
def cohort_flag_activate(*, actor: User, flag: CohortFlag, note: str = "") -> CohortFlag:
    """The allocated worker (or a manager) starts work with the family: allocated -> active."""
    flag = _lock_flag(actor, flag)
    if actor.role != Role.MANAGER and not _is_allocated_worker(actor, flag):
        raise PermissionDenied("Only the allocated transition worker or a manager may do this.")
    _check_status(flag, (Status.ALLOCATED,), "made active")
    return _change_status(
        actor=actor,
        flag=flag,
        to_status=Status.ACTIVE,
        note=note.strip(),
        action="cohort_flag.activate",
    )


@transaction.atomic
def cohort_flag_close(*, actor: User, flag: CohortFlag, outcome: str, note: str = "") -> CohortFlag:
    """The work with the family ends with an outcome: active -> closed."""
    if outcome not in CohortFlag.Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome."})
    flag = _lock_flag(actor, flag)
    if actor.role != Role.MANAGER and not _is_allocated_worker(actor, flag):
        raise PermissionDenied("Only the allocated transition worker or a manager may do this.")
    _check_status(flag, (Status.ACTIVE,), "closed")
    flag.outcome = outcome
    return _change_status(
        actor=actor,
        flag=flag,
        to_status=Status.CLOSED,
        note=note.strip(),
        action="cohort_flag.close",
        details={"outcome": outcome},
        fields=("outcome",),
    )


@transaction.atomic
def cohort_dispute_raise(*, actor: User, flag: CohortFlag, note: str) -> CohortDispute:
    """An IRO challenges a flag (the data, the rule's reading of it). Does not change its status."""
    _require_role(actor, {Role.IRO}, "challenge a cohort flag")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Enter your challenge."})
    flag = _lock_flag(actor, flag)
    _check_status(flag, tuple(s for s in Status.values if s != Status.CLOSED), "challenged")
    dispute = CohortDispute.objects.create(
        flag=flag, raised_by=actor, raised_at=timezone.now(), note=note
    )
    audit_record(
        actor=actor,
        action="cohort_flag.dispute_raise",
        target=flag,
        details={"dispute": dispute.pk, "note": note},
    )
    return dispute


@transaction.atomic
def cohort_dispute_answer(*, actor: User, dispute: CohortDispute, answer: str) -> CohortDispute:
    """A manager answers an IRO's challenge (once)."""
    _require_role(actor, {Role.MANAGER}, "answer a challenge")
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": "Enter your answer."})
    dispute = CohortDispute.objects.select_for_update().get(pk=dispute.pk)
    _lock_flag(actor, dispute.flag)
    if dispute.answered_at is not None:
        raise ValidationError("This challenge has already been answered.")
    dispute.answer = answer
    dispute.answered_by = actor
    dispute.answered_at = timezone.now()
    dispute.save(update_fields=["answer", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        action="cohort_flag.dispute_answer",
        target=dispute.flag,
        details={"dispute": dispute.pk, "answer": answer},
    )
    return dispute
