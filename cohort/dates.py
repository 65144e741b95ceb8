"""The cohort rule's date arithmetic, stated once (DOMAIN.md "The transition cohort").

Python code (the services, the pages, the reference implementation in the tests) calls the
functions here; the SQL rule in `rules.py` calls `add_months_sql`, whose PostgreSQL form
(`date + make_interval(months => n)`) clamps to the end of the month exactly as `relativedelta`
does, and whose SQLite form calls `add_months` itself (registered on each SQLite connection).
The property test checks the two agree.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta

#: Name of the SQL function registered on SQLite connections (see `apps.py`).
SQLITE_ADD_MONTHS = "cohort_add_months"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole calendar months; 31 Jan + 1 month = 28 (or 29) Feb."""
    return day + relativedelta(months=months)


def replan_within_window(*, start: dt.date, previous_end: dt.date, window_months: int) -> bool:
    """Criterion 1: `P.start <= previous.end + relativedelta(months=window)`."""
    return start <= add_months(previous_end, window_months)


def end_on(day: dt.date, end: dt.date | None) -> dt.date | None:
    """A plan's end as known on `day`: an end after `day` was not known then (open on `day`)."""
    return end if end is not None and end <= day else None


def min_plan_reached(
    *, start: dt.date, end: dt.date | None, as_of: dt.date, min_months: int
) -> bool:
    """Criterion 3: `P.start + relativedelta(months=min) <= min(D, P.end or D)`."""
    known_end = end_on(as_of, end)
    return add_months(start, min_months) <= (known_end or as_of)


def grace_start(as_of: dt.date, grace_days: int) -> dt.date:
    """Criterion 4: an ended plan counts when `D - grace <= P.end <= D`."""
    return as_of - dt.timedelta(days=grace_days)


def full_months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from `start` to `end` (the "months on plan" shown in the why)."""
    delta = relativedelta(end, start)
    return delta.years * 12 + delta.months


def add_months_sql(vendor: str, column: str, months_param: str) -> str:
    """SQL for `column + months` with `relativedelta` semantics, on PostgreSQL or SQLite."""
    if vendor == "postgresql":
        return f"({column} + make_interval(months => {months_param}))::date"
    if vendor == "sqlite":
        return f"{SQLITE_ADD_MONTHS}({column}, {months_param})"
    raise NotImplementedError(f"The cohort rule has no date arithmetic for {vendor}.")


def sqlite_add_months(day: str | None, months: int | None) -> str | None:
    """The SQLite function: ISO date text in, ISO date text out (SQLite stores dates as text)."""
    if day is None or months is None:
        return None
    return add_months(dt.date.fromisoformat(day), int(months)).isoformat()
