"""The daily feed's writes: pick up census files from the drop folder and hand each to the census
import (its public service, `census.services.census_upload_store`, which queues the import job);
and apply plan, conference and step-down events from the council's case system through the
CP-journey services, so each applies once (natural keys: the same event again changes nothing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.services import audit_record
from cases.models import Agency, Conference, CoreGroupMeeting, CPPlan, Person, Section47Enquiry
from census.services import census_upload_store
from protection import services as journey
from protection.services import InitialDecision

from .models import FeedDropFile

logger = logging.getLogger(__name__)

#: One drop-folder scan at a time (PostgreSQL advisory lock).
DROP_LOCK_ID = 0x46454544  # "FEED"
PROCESSED = "processed"


class FeedConflict(Exception):
    """The event names something already recorded differently (a 409, never overwritten)."""


# --- The drop folder ---------------------------------------------------------------------------
def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _ready_files(folder: Path, settle_seconds: int, now: float) -> list[Path]:
    """Census files in `folder` (not its subfolders) untouched for `settle_seconds`, oldest first:
    a file still being copied in is left for the next scan."""
    files = [
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() == ".xml"
        and now - path.stat().st_mtime >= settle_seconds
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _move_aside(path: Path, folder: Path) -> None:
    done = folder / PROCESSED
    done.mkdir(exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    shutil.move(str(path), str(done / f"{stamp}-{path.name}"))


def feed_drop_folder_scan(
    *, actor: Any, folder: str | Path, settle_seconds: int = 60
) -> list[FeedDropFile]:
    """Queue a census import for each new XML file in `folder`, then move the file to
    `folder/processed/`. A file seen before (same content) is moved aside without importing.
    A `families.csv` in the folder (LA child ID to family reference) goes with every import.

    Returns the files queued now. Safe to run twice at once: one scan waits for the other.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"The feed drop folder {root} does not exist.")
    families = root / "families.csv"
    queued: list[FeedDropFile] = []
    with _scan_lock():
        now = timezone.now().timestamp()
        for path in _ready_files(root, settle_seconds, now):
            digest = _digest(path)
            if FeedDropFile.objects.filter(digest=digest).exists():
                logger.info("Feed: %s was imported before; moved aside.", path.name)
                _move_aside(path, root)
                continue
            queued.append(_queue(actor=actor, path=path, digest=digest, families=families))
            _move_aside(path, root)
    return queued


def _queue(*, actor: Any, path: Path, digest: str, families: Path) -> FeedDropFile:
    with transaction.atomic():
        with path.open("rb") as handle:
            mapping = families.open("rb") if families.is_file() else None
            try:
                job = census_upload_store(
                    actor=actor,
                    uploads=[File(handle, name=path.name)],
                    families=File(mapping, name=families.name) if mapping else None,
                    dry_run=False,
                )
            finally:
                if mapping:
                    mapping.close()
        dropped = FeedDropFile.objects.create(
            digest=digest, name=path.name, size=path.stat().st_size, census_import=job
        )
        audit_record(
            actor=actor,
            action="feed.drop_file",
            target=dropped,
            details={"name": path.name, "digest": digest, "census_import": job.pk},
        )
    return dropped


@contextlib.contextmanager
def _scan_lock() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield  # SQLite (`make run`): one worker, one scan at a time anyway
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [DROP_LOCK_ID])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [DROP_LOCK_ID])


# --- Events from the case system -----------------------------------------------------------------
@dataclass
class FeedResult:
    """What an event changed: the children it was applied to now, and those already applied."""

    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "applied" if self.applied else "unchanged"

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "applied": self.applied, "unchanged": self.unchanged}


def children_by_id(la_child_ids: Sequence[str], field: str = "children") -> dict[str, Person]:
    """The children with these LA child IDs, across the authority (the council's own system
    names them); raises a field error naming any we do not hold."""
    ids = list(dict.fromkeys(la_child_ids))
    found = {p.la_child_id: p for p in Person.objects.filter(la_child_id__in=ids)}
    unknown = [child_id for child_id in ids if child_id not in found]
    if unknown:
        raise ValidationError(
            {
                field: [
                    f"No child with LA child ID {', '.join(unknown)}: send the census with the "
                    "child first."
                ]
            }
        )
    return {child_id: found[child_id] for child_id in ids}  # type: ignore[misc]


def _apply(
    *,
    actor: Any,
    event: str,
    pending: Callable[[], list[str]],
    write: Callable[[list[str]], object],
    all_ids: list[str],
) -> FeedResult:
    """Write the children not yet applied; if a concurrent identical event wins the race (the
    service then refuses a duplicate), answer as if it was applied before."""
    todo = pending()
    result = FeedResult(
        applied=todo, unchanged=[child_id for child_id in all_ids if child_id not in todo]
    )
    if todo:
        try:
            with transaction.atomic():
                write(todo)
        except (ValidationError, IntegrityError):
            if pending():
                raise
            result = FeedResult(applied=[], unchanged=all_ids)
    audit_record(actor=actor, action="feed.event", details={"event": event, **result.as_dict()})
    return result


@transaction.atomic
def feed_section47(
    *,
    actor: Any,
    children: Sequence[str],
    strategy_discussion_date: dt.date,
    referral_date: dt.date | None = None,
) -> FeedResult:
    """A strategy discussion started section 47 enquiries (key: child and start date)."""
    people = children_by_id(children)

    def pending() -> list[str]:
        return [
            child_id
            for child_id, person in people.items()
            if not Section47Enquiry.objects.filter(
                episode__child=person, start_date=strategy_discussion_date
            ).exists()
        ]

    return _apply(
        actor=actor,
        event="section47",
        pending=pending,
        all_ids=list(people),
        write=lambda todo: journey.section47_start(
            actor=actor,
            children=[people[c] for c in todo],
            strategy_discussion_date=strategy_discussion_date,
            referral_date=referral_date,
        ),
    )


@dataclass(frozen=True)
class ChildDecision:
    la_child_id: str
    plan: bool
    category: str = ""
    da_at_planning: bool = False
    number_of_previous_cpp: int | None = None


@transaction.atomic
def feed_initial_conference(
    *, actor: Any, held_on: dt.date, decisions: Sequence[ChildDecision]
) -> FeedResult:
    """An initial conference for one or more siblings (key: child and date). A child already
    recorded with another decision that day is a conflict."""
    people = children_by_id([d.la_child_id for d in decisions])
    by_child = {d.la_child_id: d for d in decisions}

    def pending() -> list[str]:
        todo = []
        for child_id, person in people.items():
            held = Conference.objects.filter(
                child=person, kind=Conference.Kind.INITIAL, held_on=held_on
            ).first()
            if held is None:
                todo.append(child_id)
            elif (held.decision == Conference.Decision.START_PLAN) != by_child[child_id].plan:
                raise FeedConflict(
                    f"An initial conference on {held_on} is already recorded for {child_id} "
                    f"with another decision ({held.get_decision_display()})."
                )
        return todo

    return _apply(
        actor=actor,
        event="initial_conference",
        pending=pending,
        all_ids=list(people),
        write=lambda todo: journey.initial_conference_record(
            actor=actor,
            held_on=held_on,
            decisions=[
                InitialDecision(
                    child=people[c],
                    plan=by_child[c].plan,
                    category=by_child[c].category,
                    da_at_planning=by_child[c].da_at_planning,
                    number_of_previous_cpp=by_child[c].number_of_previous_cpp,
                )
                for c in todo
            ],
        ),
    )


def _plan_open_on(person: Person, day: dt.date) -> CPPlan:
    plan = (
        CPPlan.objects.filter(child=person, start_date__lte=day, end_date__isnull=True)
        .order_by("-start_date")
        .first()
    )
    if plan is None:
        raise ValidationError(
            {"children": [f"{person.la_child_id} has no open child protection plan."]}
        )
    return plan


@transaction.atomic
def feed_review_conference(
    *,
    actor: Any,
    held_on: dt.date,
    children: Sequence[str],
    decision: str,
    planned_cin_start: dt.date | None = None,
) -> FeedResult:
    """A review conference for siblings' open plans: continue, step down to CIN (the plan ends
    that day, the CIN plan starts on `planned_cin_start`), or end (key: child and date)."""
    people = children_by_id(children)

    def pending() -> list[str]:
        todo = []
        for child_id, person in people.items():
            held = Conference.objects.filter(
                child=person, kind=Conference.Kind.REVIEW, held_on=held_on
            ).first()
            if held is None:
                todo.append(child_id)
            elif held.decision != decision:
                raise FeedConflict(
                    f"A review conference on {held_on} is already recorded for {child_id} "
                    f"with another decision ({held.get_decision_display()})."
                )
        return todo

    return _apply(
        actor=actor,
        event="review_conference",
        pending=pending,
        all_ids=list(people),
        write=lambda todo: journey.review_conference_record(
            actor=actor,
            held_on=held_on,
            plans=[_plan_open_on(people[c], held_on) for c in todo],
            decision=decision,
            planned_cin_start=planned_cin_start,
        ),
    )


@transaction.atomic
def feed_core_group(
    *, actor: Any, held_on: dt.date, children: Sequence[str], agencies: Sequence[str]
) -> FeedResult:
    """A core group meeting about siblings' plans, with the agencies (codes) that attended
    (key: the plan running that day, and the date)."""
    people = children_by_id(children)
    found = {a.code: a for a in Agency.objects.filter(code__in=agencies)}
    unknown = sorted(set(agencies) - set(found))
    if unknown:
        raise ValidationError({"agencies": [f"Unknown agency code: {', '.join(unknown)}."]})
    plans: dict[str, CPPlan] = {}
    for child_id, person in people.items():
        plan = (
            CPPlan.objects.filter(child=person, start_date__lte=held_on)
            .exclude(end_date__lt=held_on)
            .order_by("-start_date")
            .first()
        )
        if plan is None:
            raise ValidationError(
                {"children": [f"{child_id} had no child protection plan running on {held_on}."]}
            )
        plans[child_id] = plan

    def pending() -> list[str]:
        return [
            c
            for c, plan in plans.items()
            if not CoreGroupMeeting.objects.filter(plan=plan, held_on=held_on).exists()
        ]

    return _apply(
        actor=actor,
        event="core_group",
        pending=pending,
        all_ids=list(people),
        write=lambda todo: journey.core_group_record(
            actor=actor,
            held_on=held_on,
            plans=[plans[c] for c in todo],
            agencies=list(found.values()),
        ),
    )


@transaction.atomic
def feed_plan_end(
    *, actor: Any, child: str, plan_start_date: dt.date, end_date: dt.date, end_reason: str
) -> FeedResult:
    """A CP plan ended for a reason other than a step-down (key: child and plan start)."""
    person = children_by_id([child], field="child")[child]
    plan = CPPlan.objects.filter(child=person, start_date=plan_start_date).first()
    if plan is None:
        raise ValidationError(
            {"plan_start_date": [f"{child} has no child protection plan starting on this day."]}
        )

    def pending() -> list[str]:
        current = CPPlan.objects.get(pk=plan.pk)
        if current.end_date is None:
            return [child]
        if (current.end_date, current.end_reason) != (end_date, end_reason):
            raise FeedConflict(
                f"{child}'s plan from {plan_start_date} already ended on {current.end_date} "
                f"({current.get_end_reason_display() or 'no reason'})."
            )
        return []

    return _apply(
        actor=actor,
        event="plan_end",
        pending=pending,
        all_ids=[child],
        write=lambda todo: journey.cp_plan_end(
            actor=actor, plan=plan, end_date=end_date, end_reason=end_reason
        ),
    )
