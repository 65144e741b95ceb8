"""Writes for the child protection journey, as it happens: a section 47 enquiry, the initial
conference (a plan per child), review conferences (continue, step down to CIN, or end), core group
meetings, and a plan's end outside a conference.

Each service takes keyword-only arguments with `actor` first, runs in one transaction, locks the
children (or plans) it changes so two recordings cannot both pass the checks, keeps the DfE rules
(`cases.validation`: one open plan per child 8935, no overlapping plans 8940, an end after the
start 8840, reviews after the start 8841, no CIN plan alongside a CP plan 4001), refuses with a
`ValidationError` whose keys are the form's (and the feed API's) field names, and records an
audit event per record written. Siblings are recorded together: one call, a row per child, all
or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from cases.codes import CategoryOfAbuse
from cases.models import (
    Agency,
    CINEpisode,
    CINPlan,
    Conference,
    CoreGroupMeeting,
    CPPlan,
    DARiskFlag,
    Person,
    Section47Enquiry,
    StepDown,
    User,
)
from cases.roles import Role
from cases.services import episode_open
from cases.validation import (
    cin_plan_alongside_cp_breaches,
    cp_plan_breaches,
    is_weekend,
    review_date_breaches,
)

from . import timescales

#: Who records what (DOMAIN.md "Roles": social workers record plans, conferences and step-downs;
#: IROs record conference decisions). The council's case system sends all of it (the feed).
ENQUIRY_ROLES = frozenset({Role.SOCIAL_WORKER, Role.SYSTEM})
CONFERENCE_ROLES = frozenset({Role.SOCIAL_WORKER, Role.IRO, Role.SYSTEM})
CORE_GROUP_ROLES = frozenset({Role.SOCIAL_WORKER, Role.SYSTEM})
PLAN_END_ROLES = frozenset({Role.SOCIAL_WORKER, Role.IRO, Role.SYSTEM})

#: Review conference decisions (DOMAIN.md: continue, or end with a step-down to CIN).
REVIEW_DECISIONS = (
    Conference.Decision.CONTINUE_PLAN,
    Conference.Decision.STEP_DOWN,
    Conference.Decision.END_PLAN,
)
#: Reasons a plan ends outside a conference. A step-down is decided at a review conference.
END_REASONS_OUTSIDE_CONFERENCE = tuple(
    reason for reason in CPPlan.EndReason if reason != CPPlan.EndReason.STEP_DOWN_CIN
)


class Errors:
    """Collects messages per field, so one submission reports every child's problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def may_record(user: Any, roles: frozenset[str]) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in roles)


def _require(actor: User | None, roles: frozenset[str]) -> None:
    """`actor` None is a task or command run by the system itself."""
    if actor is not None and not may_record(actor, roles):
        raise PermissionDenied("Your role does not record this.")


def _name(child: Person) -> str:
    return str(child)


def _not_in_future(errors: Errors, field: str, day: dt.date, what: str) -> None:
    if day > timezone.localdate():
        errors.add(field, f"The {what} must be today or in the past.")


def _lock_children(children: Iterable[Person]) -> list[Person]:
    """The children, locked in id order (so two recordings for the same siblings cannot
    deadlock), and checked to be children. Raises on an empty list or an adult."""
    ids = sorted({child.pk for child in children})
    if not ids:
        raise ValidationError({"children": ["Select at least one child."]})
    locked = list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    adults = [person for person in locked if person.kind != Person.Kind.CHILD]
    if adults:
        names = ", ".join(_name(a) for a in adults)
        raise ValidationError({"children": [f"Only children have plans: {names} is an adult."]})
    return locked


def _open_episode(child: Person, on: dt.date) -> CINEpisode | None:
    """The child's CIN episode open on `on` (referred on or before it, not closed before it)."""
    return (
        CINEpisode.objects.filter(child=child, referral_date__lte=on)
        .exclude(closure_date__lt=on)
        .order_by("-referral_date")
        .first()
    )


def _pending_enquiry(child: Person, on: dt.date) -> Section47Enquiry | None:
    """The child's latest section 47 enquiry started on or before `on` still awaiting its ICPC."""
    return (
        Section47Enquiry.objects.filter(
            episode__child=child,
            start_date__lte=on,
            icpc_date__isnull=True,
            icpc_not_required=False,
        )
        .exclude(episode__closure_date__lt=on)
        .order_by("-start_date")
        .first()
    )


# --- Section 47 enquiry ----------------------------------------------------------------------
@transaction.atomic
def section47_start(
    *,
    actor: User | None,
    children: Sequence[Person],
    strategy_discussion_date: dt.date,
    referral_date: dt.date | None = None,
) -> list[Section47Enquiry]:
    """Record that a strategy discussion started section 47 enquiries for `children`.

    Each child's enquiry joins their open CIN episode; a child without one gets an episode opened
    on `referral_date` (required then). The ICPC target (census `InitialCPCtarget`) is set from
    the statutory timescale. Refuses a child already on a CP plan or with an enquiry still
    awaiting its conference.
    """
    _require(actor, ENQUIRY_ROLES)
    locked = _lock_children(children)
    errors = Errors()
    _not_in_future(errors, "strategy_discussion_date", strategy_discussion_date, "date")
    if referral_date is not None and referral_date > strategy_discussion_date:
        errors.add("referral_date", "The referral date must be on or before the discussion.")
    plans = [(child, _open_episode(child, strategy_discussion_date)) for child in locked]
    for child, episode in plans:
        if CPPlan.objects.filter(child=child, end_date__isnull=True).exists():
            errors.add("children", f"{_name(child)} is already on a child protection plan.")
        elif _pending_enquiry(child, strategy_discussion_date) is not None:
            errors.add(
                "children",
                f"{_name(child)} already has a section 47 enquiry awaiting its conference.",
            )
        if episode is None and referral_date is None:
            errors.add(
                "referral_date",
                f"Enter the referral date: {_name(child)} has no open child in need episode.",
            )
    errors.raise_if_any()
    target = timescales.icpc_due(strategy_discussion_date)
    enquiries = []
    for child, episode in plans:
        if episode is None:
            assert referral_date is not None  # checked above  # noqa: S101
            episode = episode_open(actor=actor, child=child, referral_date=referral_date)
        if Section47Enquiry.objects.filter(
            episode=episode, start_date=strategy_discussion_date
        ).exists():
            raise ValidationError(
                {
                    "strategy_discussion_date": [
                        f"An enquiry starting on this day is already recorded for {_name(child)}."
                    ]
                }
            )
        enquiry = Section47Enquiry.objects.create(
            episode=episode,
            start_date=strategy_discussion_date,
            strategy_discussion_date=strategy_discussion_date,
            icpc_target_date=target,
        )
        audit_record(
            actor=actor,
            action="section47.start",
            target=enquiry,
            details={
                "child": child.pk,
                "strategy_discussion_date": strategy_discussion_date.isoformat(),
                "icpc_target_date": target.isoformat(),
            },
        )
        enquiries.append(enquiry)
    return enquiries


# --- Initial child protection conference ------------------------------------------------------
@dataclass(frozen=True)
class InitialDecision:
    """What the initial conference decided for one child."""

    child: Person
    plan: bool
    category: str = ""
    da_at_planning: bool = False
    #: Census `NumberOfPreviousCPP`, when the caller knows it (the feed); else worked out.
    number_of_previous_cpp: int | None = None


def _previous_plan_count(child: Person, start: dt.date) -> int | None:
    """Earlier CP plans, as the census counts them: those we hold, or one more than the latest
    one's own count if that is higher. None when we hold none (a first plan, as far as we know)."""
    earlier = list(
        CPPlan.objects.filter(child=child, start_date__lt=start)
        .order_by("start_date")
        .values_list("number_of_previous_cpp", flat=True)
    )
    if not earlier:
        return None
    return max(len(earlier), (earlier[-1] or 0) + 1)


def _initial_decision_errors(
    errors: Errors, decision: InitialDecision, held_on: dt.date
) -> CINEpisode | None:
    child = decision.child
    if Conference.objects.filter(
        child=child, kind=Conference.Kind.INITIAL, held_on=held_on
    ).exists():
        errors.add(
            "held_on", f"An initial conference on this day is already recorded for {_name(child)}."
        )
    enquiry = _pending_enquiry(child, held_on)
    episode = enquiry.episode if enquiry else _open_episode(child, held_on)
    if episode is None:
        errors.add(
            "children",
            f"{_name(child)} has no open child in need episode: record the section 47 enquiry "
            "first.",
        )
    if not decision.plan:
        return episode
    if decision.category not in CategoryOfAbuse.values:
        errors.add("category", f"Select the category of abuse for {_name(child)}.")
    others = list(CPPlan.objects.filter(child=child).values_list("start_date", "end_date"))
    for breach in cp_plan_breaches((held_on, None), others):
        errors.add("held_on", f"{_name(child)}: {breach}")
    return episode


@transaction.atomic
def initial_conference_record(
    *,
    actor: User | None,
    held_on: dt.date,
    decisions: Sequence[InitialDecision],
    chair: User | None = None,
    notes: str = "",
) -> list[Conference]:
    """Record one initial conference for one or more siblings: a conference row per child and,
    where a plan was made, the child's CP plan starting that day (with domestic abuse recorded
    as a risk at planning, if it was). Completes each child's pending section 47 enquiry.
    """
    _require(actor, CONFERENCE_ROLES)
    by_child = {decision.child.pk: decision for decision in decisions}
    locked = _lock_children(decision.child for decision in decisions)
    errors = Errors()
    _not_in_future(errors, "held_on", held_on, "conference date")
    if is_weekend(held_on):
        errors.add(
            "held_on", "8875: an initial conference is held on a working day, not a weekend."
        )
    episodes = {
        child.pk: _initial_decision_errors(errors, _with_child(by_child[child.pk], child), held_on)
        for child in locked
    }
    errors.raise_if_any()
    conferences = []
    for child in locked:
        decision = _with_child(by_child[child.pk], child)
        episode = episodes[child.pk]
        assert episode is not None  # checked above  # noqa: S101
        plan = None
        if decision.plan:
            plan = _cp_plan_create(actor=actor, decision=decision, episode=episode, start=held_on)
        conference = Conference.objects.create(
            child=child,
            plan=plan,
            kind=Conference.Kind.INITIAL,
            held_on=held_on,
            decision=Conference.Decision.START_PLAN if plan else Conference.Decision.NO_PLAN,
            chair=chair,
            notes=notes,
        )
        Section47Enquiry.objects.filter(
            episode__child=child,
            start_date__lte=held_on,
            icpc_date__isnull=True,
            icpc_not_required=False,
        ).update(icpc_date=held_on)
        audit_record(
            actor=actor,
            action="conference.initial",
            target=conference,
            details={"child": child.pk, "decision": conference.decision, "plan": plan and plan.pk},
        )
        conferences.append(conference)
    return conferences


def _with_child(decision: InitialDecision, child: Person) -> InitialDecision:
    """The decision, for the locked (freshly read) child row."""
    return InitialDecision(
        child=child,
        plan=decision.plan,
        category=decision.category,
        da_at_planning=decision.da_at_planning,
        number_of_previous_cpp=decision.number_of_previous_cpp,
    )


def _cp_plan_create(
    *, actor: User | None, decision: InitialDecision, episode: CINEpisode, start: dt.date
) -> CPPlan:
    child = decision.child
    previous = decision.number_of_previous_cpp
    if previous is None:
        previous = _previous_plan_count(child, start)
    plan = CPPlan(
        child=child,
        episode=episode,
        start_date=start,
        initial_category=decision.category,
        latest_category=decision.category,
        number_of_previous_cpp=previous,
    )
    plan.full_clean()
    plan.save()
    if decision.da_at_planning:
        DARiskFlag.objects.create(
            plan=plan, recorded_on=start, at_planning=True, source=DARiskFlag.Source.CONFERENCE
        )
    audit_record(
        actor=actor,
        action="cp_plan.start",
        target=plan,
        details={
            "child": child.pk,
            "category": decision.category,
            "da_at_planning": decision.da_at_planning,
        },
    )
    return plan


# --- Review conference ------------------------------------------------------------------------
def _review_errors(
    errors: Errors,
    plan: CPPlan,
    *,
    held_on: dt.date,
    decision: str,
    planned_cin_start: dt.date | None,
) -> None:
    child = plan.child
    if plan.end_date is not None:
        errors.add("children", f"{_name(child)}'s plan has already ended.")
        return
    for breach in review_date_breaches(plan.start_date, [held_on]):
        errors.add("held_on", f"{_name(child)}: {breach}")
    if Conference.objects.filter(
        child=child, kind=Conference.Kind.REVIEW, held_on=held_on
    ).exists():
        errors.add(
            "held_on", f"A review conference on this day is already recorded for {_name(child)}."
        )
    if decision == Conference.Decision.STEP_DOWN:
        if hasattr(plan, "step_down"):
            errors.add("decision", f"A step-down is already recorded for {_name(child)}'s plan.")
        if planned_cin_start is None:
            errors.add("planned_cin_start", "Enter the date the child in need plan starts.")
        elif planned_cin_start < held_on:
            errors.add(
                "planned_cin_start",
                "The child in need plan starts on or after the day the conference ends the plan.",
            )
        elif (
            plan.episode.closure_date is not None and plan.episode.closure_date < planned_cin_start
        ):
            errors.add(
                "planned_cin_start",
                f"{_name(child)}'s child in need episode closed before this date.",
            )


@transaction.atomic
def review_conference_record(
    *,
    actor: User | None,
    held_on: dt.date,
    plans: Sequence[CPPlan],
    decision: str,
    planned_cin_start: dt.date | None = None,
    chair: User | None = None,
    notes: str = "",
) -> list[Conference]:
    """Record one review conference for one or more siblings' open plans.

    `decision`: the plan continues; or it ends that day with a step-down to CIN (a `StepDown`
    of source conference, and the child's CIN plan starting on `planned_cin_start`, which the
    nightly cohort rule reads); or it ends with no further action.
    """
    _require(actor, CONFERENCE_ROLES)
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": ["Select what the conference decided."]})
    ids = sorted({plan.pk for plan in plans})
    if not ids:
        raise ValidationError({"children": ["Select at least one child."]})
    locked = list(
        CPPlan.objects.select_for_update(of=("self",))
        .select_related("child", "episode", "step_down")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    errors = Errors()
    _not_in_future(errors, "held_on", held_on, "conference date")
    for plan in locked:
        _review_errors(
            errors, plan, held_on=held_on, decision=decision, planned_cin_start=planned_cin_start
        )
    errors.raise_if_any()
    conferences = []
    for plan in locked:
        conference = Conference.objects.create(
            child=plan.child,
            plan=plan,
            kind=Conference.Kind.REVIEW,
            held_on=held_on,
            decision=decision,
            chair=chair,
            notes=notes,
        )
        audit_record(
            actor=actor,
            action="conference.review",
            target=conference,
            details={"child": plan.child_id, "plan": plan.pk, "decision": decision},
        )
        if decision == Conference.Decision.STEP_DOWN:
            assert planned_cin_start is not None  # checked above  # noqa: S101
            _step_down(actor=actor, plan=plan, conference=conference, cin_start=planned_cin_start)
        elif decision == Conference.Decision.END_PLAN:
            _end(
                actor=actor, plan=plan, end_date=held_on, reason=CPPlan.EndReason.NO_FURTHER_ACTION
            )
        conferences.append(conference)
    return conferences


def _end(*, actor: User | None, plan: CPPlan, end_date: dt.date, reason: str) -> None:
    others = CPPlan.objects.filter(child_id=plan.child_id).exclude(pk=plan.pk)
    breaches = cp_plan_breaches(
        (plan.start_date, end_date), others.values_list("start_date", "end_date")
    )
    if breaches:
        raise ValidationError({"end_date": [str(breach) for breach in breaches]})
    plan.end_date = end_date
    plan.end_reason = reason
    plan.save(update_fields=["end_date", "end_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="cp_plan.end",
        target=plan,
        details={"end_date": end_date.isoformat(), "end_reason": reason},
    )


def _step_down(
    *, actor: User | None, plan: CPPlan, conference: Conference, cin_start: dt.date
) -> StepDown:
    _end(actor=actor, plan=plan, end_date=conference.held_on, reason=CPPlan.EndReason.STEP_DOWN_CIN)
    cp_periods = CPPlan.objects.filter(child_id=plan.child_id).values_list("start_date", "end_date")
    breaches = cin_plan_alongside_cp_breaches((cin_start, None), cp_periods)
    if breaches:
        raise ValidationError({"planned_cin_start": [str(breach) for breach in breaches]})
    cin_plan = CINPlan.objects.filter(episode=plan.episode, start_date=cin_start).first()
    if cin_plan is None:
        cin_plan = CINPlan.objects.create(episode=plan.episode, start_date=cin_start)
    step_down = StepDown.objects.create(
        plan=plan,
        decided_on=conference.held_on,
        planned_cin_start=cin_start,
        conference=conference,
        cin_plan=cin_plan,
        source=StepDown.Source.CONFERENCE,
    )
    audit_record(
        actor=actor,
        action="cp_plan.step_down",
        target=plan,
        details={
            "decided_on": conference.held_on.isoformat(),
            "planned_cin_start": cin_start.isoformat(),
            "conference": conference.pk,
        },
    )
    return step_down


# --- Core group meeting -----------------------------------------------------------------------
@transaction.atomic
def core_group_record(
    *,
    actor: User | None,
    held_on: dt.date,
    plans: Sequence[CPPlan],
    agencies: Iterable[Agency],
    notes: str = "",
) -> list[CoreGroupMeeting]:
    """Record one core group meeting for one or more siblings' plans, with the agencies that
    attended. The plan must be running on the day of the meeting."""
    _require(actor, CORE_GROUP_ROLES)
    ids = sorted({plan.pk for plan in plans})
    if not ids:
        raise ValidationError({"children": ["Select at least one child."]})
    attended = list(agencies)
    locked = list(
        CPPlan.objects.select_for_update(of=("self",))
        .select_related("child")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    errors = Errors()
    _not_in_future(errors, "held_on", held_on, "meeting date")
    if not attended:
        errors.add("agencies", "Select the agencies that attended.")
    for plan in locked:
        name = _name(plan.child)
        if held_on < plan.start_date or (plan.end_date is not None and held_on > plan.end_date):
            errors.add("held_on", f"{name}'s plan was not running on this day.")
        elif CoreGroupMeeting.objects.filter(plan=plan, held_on=held_on).exists():
            errors.add("held_on", f"A core group on this day is already recorded for {name}.")
    errors.raise_if_any()
    meetings = []
    for plan in locked:
        meeting = CoreGroupMeeting.objects.create(plan=plan, held_on=held_on, notes=notes)
        meeting.agencies.set(attended)
        audit_record(
            actor=actor,
            action="core_group.record",
            target=meeting,
            details={
                "child": plan.child_id,
                "plan": plan.pk,
                "agencies": sorted(agency.code for agency in attended),
            },
        )
        meetings.append(meeting)
    return meetings


# --- A plan's end outside a conference --------------------------------------------------------
@transaction.atomic
def cp_plan_end(*, actor: User | None, plan: CPPlan, end_date: dt.date, end_reason: str) -> CPPlan:
    """End `plan` on `end_date` for a reason other than a step-down (the child became looked
    after, moved out of the area): a step-down is decided at a review conference."""
    _require(actor, PLAN_END_ROLES)
    plan = CPPlan.objects.select_for_update(of=("self",)).select_related("child").get(pk=plan.pk)
    errors = Errors()
    if plan.end_date is not None:
        errors.add("end_date", "This child protection plan has already ended.")
    _not_in_future(errors, "end_date", end_date, "end date")
    if end_reason not in END_REASONS_OUTSIDE_CONFERENCE:
        errors.add(
            "end_reason",
            "Select why the plan ended (a step-down is recorded at the review conference).",
        )
    errors.raise_if_any()
    _end(actor=actor, plan=plan, end_date=end_date, reason=end_reason)
    return plan
