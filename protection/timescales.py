"""Statutory timescales (DOMAIN.md "Statutory timescales", Working Together to Safeguard
Children), stated once. Every page, list and the API asks these functions; nothing else counts
working days or adds months to a conference date.

- ICPC within 15 working days of the strategy discussion at which section 47 enquiries started.
- First review conference within 3 months of the ICPC, then no more than 6 months apart.
- First core group within 10 working days of the ICPC.
- Assessment completed within 45 working days of referral.

Working days exclude Saturdays, Sundays and English bank holidays (the maintained `holidays`
package, which ships its calendars: nothing is fetched at run time). "Within N working days of
day X" counts the working days after X: the due date is the Nth of them (ADR 0080). "Within N
months" adds calendar months as `relativedelta` does (30 November + 3 months = 28/29 February);
conferences are held on working days (DfE rule 8875), so a due date that falls on a weekend or
bank holiday moves back to the working day before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

ICPC_WORKING_DAYS = 15
FIRST_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 6
FIRST_CORE_GROUP_WORKING_DAYS = 10
ASSESSMENT_WORKING_DAYS = 45


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: dt.date) -> bool:
    """An English bank holiday (substitute days included: 28 December 2026 is one)."""
    return day in _bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`th working day after `day` (`day` itself is never counted)."""
    if count < 1:
        raise ValueError("count is at least 1")
    while count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    days = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        days += is_working_day(day)
    return days


def months_later(day: dt.date, months: int) -> dt.date:
    """`day` plus calendar months, moved back to a working day (a conference's latest day)."""
    return working_day_on_or_before(day + relativedelta(months=months))


# --- The four timescales --------------------------------------------------------------------
def icpc_due(strategy_discussion: dt.date) -> dt.date:
    """The last day for the initial child protection conference."""
    return add_working_days(strategy_discussion, ICPC_WORKING_DAYS)


def review_due(*, icpc: dt.date, last_review: dt.date | None) -> dt.date:
    """The last day for the next review conference: 3 months after the ICPC for the first,
    6 months after the previous review for each later one."""
    if last_review is None:
        return months_later(icpc, FIRST_REVIEW_MONTHS)
    return months_later(last_review, LATER_REVIEW_MONTHS)


def first_core_group_due(icpc: dt.date) -> dt.date:
    return add_working_days(icpc, FIRST_CORE_GROUP_WORKING_DAYS)


def assessment_due(referral: dt.date) -> dt.date:
    return add_working_days(referral, ASSESSMENT_WORKING_DAYS)


# --- Where a timescale stands on a day --------------------------------------------------------
class Kind(StrEnum):
    ICPC = "icpc"
    REVIEW = "review"
    CORE_GROUP = "core_group"
    ASSESSMENT = "assessment"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.ICPC: "Initial child protection conference",
    Kind.REVIEW: "Review conference",
    Kind.CORE_GROUP: "First core group meeting",
    Kind.ASSESSMENT: "Assessment completed",
}


class Status(StrEnum):
    DUE = "due"  # not yet done, due date today or later
    OVERDUE = "overdue"  # not done, due date passed
    MET = "met"  # done on or before the due date
    LATE = "late"  # done after the due date


STATUS_LABELS = {
    Status.DUE: "Due",
    Status.OVERDUE: "Overdue",
    Status.MET: "On time",
    Status.LATE: "Late",
}


@dataclass(frozen=True)
class Timescale:
    """One statutory timescale for one child: what, by when, and whether (and when) it was met."""

    kind: Kind
    due: dt.date
    today: dt.date
    done_on: dt.date | None = None
    #: A review's number (1 for the first); 0 for the other kinds.
    number: int = 0

    @property
    def status(self) -> Status:
        if self.done_on is not None:
            return Status.MET if self.done_on <= self.due else Status.LATE
        return Status.DUE if self.due >= self.today else Status.OVERDUE

    @property
    def is_pending(self) -> bool:
        return self.done_on is None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def label(self) -> str:
        if self.kind == Kind.REVIEW:
            return "First review conference" if self.number == 1 else "Review conference"
        return self.kind.label

    @property
    def working_days_left(self) -> int:
        """Working days from today to the due date (negative once overdue)."""
        return working_days_between(self.today, self.due)

    @property
    def days_overdue(self) -> int:
        return max((self.today - self.due).days, 0)


# --- A child's journey as timescales (pure: the selectors feed them rows) --------------------
def enquiry_timescale(
    *, strategy_discussion: dt.date, icpc_held: dt.date | None, today: dt.date
) -> Timescale:
    return Timescale(Kind.ICPC, icpc_due(strategy_discussion), today, icpc_held)


def assessment_timescale(
    *, referral: dt.date, completed: dt.date | None, today: dt.date
) -> Timescale:
    return Timescale(Kind.ASSESSMENT, assessment_due(referral), today, completed)


def plan_timescales(
    *,
    start: dt.date,
    end: dt.date | None,
    reviews: list[dt.date],
    first_core_group: dt.date | None,
    today: dt.date,
) -> list[Timescale]:
    """The first core group and every review conference of one CP plan (started at its ICPC on
    `start`): those held, met or late, and, while the plan is open, the next one due.

    The first core group counts as pending only until the first review: a plan recorded before
    core groups were (a census import) is not reported as missing one for ever (ADR 0080).
    """
    held = sorted(reviews)
    items = []
    core_group_due = first_core_group_due(start)
    if first_core_group is not None:
        items.append(Timescale(Kind.CORE_GROUP, core_group_due, today, first_core_group))
    elif end is None and not held:
        items.append(Timescale(Kind.CORE_GROUP, core_group_due, today))
    previous: dt.date | None = None
    for number, day in enumerate(held, start=1):
        due = review_due(icpc=start, last_review=previous)
        items.append(Timescale(Kind.REVIEW, due, today, day, number=number))
        previous = day
    if end is None:
        due = review_due(icpc=start, last_review=previous)
        items.append(Timescale(Kind.REVIEW, due, today, number=len(held) + 1))
    return items
