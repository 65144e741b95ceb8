"""The statutory timescales (DOMAIN.md "Statutory timescales") across weekends, Christmas and
Easter bank holidays and month ends. Every expected date below was counted by hand on a calendar;
the comments show the count."""

import datetime as dt

import pytest

from protection import timescales
from protection.timescales import Kind, Status, Timescale

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("strategy", "due"),
    [
        # Weekends only: Tue 3 Sep is day 1; three full weeks (15) end on Mon 23 Sep.
        ("2024-09-02", "2024-09-23"),
        # A Friday discussion: the following Monday is day 1, so day 15 is a Friday.
        ("2024-09-06", "2024-09-27"),
        # Christmas 2024: 25, 26 Dec and 1 Jan skipped (day 6 Tue 24 Dec, day 7 Fri 27 Dec).
        ("2024-12-16", "2025-01-09"),
        # Christmas 2026: Boxing Day is a Saturday, so Mon 28 Dec is the substitute holiday.
        ("2026-12-17", "2027-01-12"),
        # Easter 2025: Good Friday 18 Apr and Easter Monday 21 Apr skipped.
        ("2025-04-07", "2025-04-30"),
        # From the last day of a month into the next.
        ("2025-01-31", "2025-02-21"),
    ],
)
def test_icpc_within_15_working_days_of_the_strategy_discussion(strategy, due):
    assert timescales.icpc_due(D(strategy)) == D(due)


@pytest.mark.parametrize(
    ("icpc", "due"),
    [
        ("2024-09-04", "2024-09-18"),  # weekends only
        # Christmas: Mon 23 (1), Tue 24 (2), Fri 27 (3), Mon 30, Tue 31, Thu 2 Jan ... Wed 8 (10).
        ("2024-12-20", "2025-01-08"),
        # Easter and the early May bank holiday: Tue 22 Apr is day 1, Mon 5 May skipped.
        ("2025-04-17", "2025-05-06"),
    ],
)
def test_first_core_group_within_10_working_days_of_the_icpc(icpc, due):
    assert timescales.first_core_group_due(D(icpc)) == D(due)


@pytest.mark.parametrize(
    ("referral", "due"),
    [
        # Christmas and New Year: 45 working days from Mon 2 Dec 2024 is Thu 6 Feb 2025.
        ("2024-12-02", "2025-02-06"),
        # Easter, early May and spring bank holidays (4 skipped): Mon 9 Jun 2025.
        ("2025-04-01", "2025-06-09"),
    ],
)
def test_assessment_within_45_working_days_of_referral(referral, due):
    assert timescales.assessment_due(D(referral)) == D(due)


@pytest.mark.parametrize(
    ("icpc", "due"),
    [
        ("2024-11-29", "2025-02-28"),  # 29 Nov + 3 months; no 29 Feb in 2025 anyway
        ("2023-11-30", "2024-02-29"),  # month end into a leap February
        ("2023-10-31", "2024-01-31"),  # 31st to 31st
        # 15 Mar 2026 is a Sunday: the conference must be held by Friday 13 March.
        ("2025-12-15", "2026-03-13"),
        # 25 Dec 2025 is Christmas Day: by Wednesday 24 December.
        ("2025-09-25", "2025-12-24"),
        # 28 Dec 2026 is the substitute Boxing Day; 25-27 are not working days: Thursday 24th.
        ("2026-09-28", "2026-12-24"),
    ],
)
def test_first_review_within_3_months_of_the_icpc(icpc, due):
    assert timescales.review_due(icpc=D(icpc), last_review=None) == D(due)


@pytest.mark.parametrize(
    ("last_review", "due"),
    [
        ("2024-10-18", "2025-04-17"),  # 18 Apr 2025 is Good Friday: Thursday before
        ("2024-10-21", "2025-04-17"),  # 21 Apr 2025 is Easter Monday: back over the weekend too
        ("2023-08-31", "2024-02-29"),  # month end into a leap February
        ("2025-03-31", "2025-09-30"),  # 31 March + 6 months = 30 September
    ],
)
def test_later_reviews_no_more_than_6_months_apart(last_review, due):
    # The ICPC no longer matters once a review has been held.
    assert timescales.review_due(icpc=D("2020-01-06"), last_review=D(last_review)) == D(due)


def test_working_days_exclude_weekends_and_english_bank_holidays():
    assert timescales.is_working_day(D("2025-04-17"))
    for day in ("2025-04-18", "2025-04-21", "2025-12-25", "2025-12-26", "2026-12-28"):
        assert not timescales.is_working_day(D(day)), day
    assert not timescales.is_working_day(D("2025-04-19"))  # a Saturday
    # Scottish and Northern Irish holidays are not English ones.
    assert timescales.is_working_day(D("2025-01-02"))  # 2 January: Scotland only
    assert timescales.is_working_day(D("2025-03-17"))  # St Patrick's Day: Northern Ireland only
    assert timescales.working_days_between(D("2024-12-20"), D("2025-01-08")) == 10
    assert timescales.working_days_between(D("2025-01-08"), D("2024-12-20")) == -10


def test_status_due_overdue_met_late():
    due = D("2025-01-09")
    assert Timescale(Kind.ICPC, due, today=D("2025-01-09")).status == Status.DUE
    assert Timescale(Kind.ICPC, due, today=D("2025-01-10")).status == Status.OVERDUE
    assert Timescale(Kind.ICPC, due, today=D("2025-02-01"), done_on=due).status == Status.MET
    late = Timescale(Kind.ICPC, due, today=D("2025-02-01"), done_on=D("2025-01-10"))
    assert late.status == Status.LATE
    assert Timescale(Kind.ICPC, due, today=D("2025-01-06")).working_days_left == 3
    assert Timescale(Kind.ICPC, due, today=D("2025-01-13")).days_overdue == 4


def test_a_plan_s_timescales_follow_its_reviews():
    items = timescales.plan_timescales(
        start=D("2024-09-04"),
        end=None,
        reviews=[D("2024-12-10")],
        first_core_group=D("2024-09-20"),
        today=D("2025-07-01"),
    )
    core_group, first_review, second_review = items
    assert (core_group.kind, core_group.due, core_group.status) == (
        Kind.CORE_GROUP,
        D("2024-09-18"),
        Status.LATE,  # held on the 20th, two days after the tenth working day
    )
    assert (first_review.due, first_review.status, first_review.number) == (
        D("2024-12-04"),
        Status.LATE,
        1,
    )
    # The second review is due 6 months after the first one was actually held.
    assert (second_review.due, second_review.status, second_review.number) == (
        D("2025-06-10"),
        Status.OVERDUE,
        2,
    )


def test_an_ended_plan_has_no_review_pending_and_a_reviewed_plan_no_core_group_pending():
    items = timescales.plan_timescales(
        start=D("2024-09-04"),
        end=D("2024-12-10"),
        reviews=[D("2024-12-10")],
        first_core_group=None,
        today=D("2025-07-01"),
    )
    assert [(t.kind, t.status) for t in items] == [(Kind.REVIEW, Status.LATE)]


def test_bank_holidays_come_from_the_package_without_a_network():
    # The package ships its calendars; years far ahead work offline too.
    assert timescales.is_bank_holiday(D("2040-12-25"))
    assert timescales.is_bank_holiday(D("2040-03-30"))  # Good Friday 2040
