"""Each measure on the hand-made history of `conftest.history_2024_25`, worked out by hand."""

import datetime as dt

import pytest

from reporting import selectors
from reporting.models import DailyFigures, FiguresBuild
from reporting.periods import Period

from .conftest import D, child_in, plan

YEAR = Period.financial_year(2024)  # 1 April 2024 to 31 March 2025

pytestmark = pytest.mark.django_db


def test_replan_rate_and_within_windows(history, build):
    build()
    figures = selectors.replan_figures(YEAR)
    # Started in the year: A3 (1 Apr, the first day), D (15 Jun), E3 (1 Aug), C2 (1 Oct),
    # G2 (1 Dec), B (31 Mar, the last day) = 6. Not: F (2022), H (1 Apr 2025, the day after).
    assert figures.plans_started == 6
    # Second or subsequent, ever: A3 (two earlier plans here), B (NumberOfPreviousCPP 1, none
    # here), C2 (one earlier here), E3 (two earlier here), G2 (one earlier here) = 5. Not D.
    assert figures.second_or_subsequent == 5
    assert figures.rate == pytest.approx(5 / 6)
    # Previous plan known: A3 (holds 2, recorded 2), E3 (holds 2, not recorded), G2 (holds 1,
    # recorded 1) = 3. Unknown: B (none held), C2 (recorded 3, holds 1) = 2.
    assert figures.previous_known == 3
    assert figures.previous_unknown == 2
    # Within 24 months of the previous end: A3 (15 Sep 2022 + 24m = 15 Sep 2024 >= 1 Apr 2024),
    # E3 (1 May 2024 + 24m). Not G2 (1 Jan 2016 + 24m = 2018), nor the two unknowns = 2.
    assert figures.within_24_months == 2
    # Within the 18-month window: E3 only (A3: 15 Sep 2022 + 18m = 15 Mar 2024 < 1 Apr 2024).
    assert figures.window_months == 18
    assert figures.within_window == 1
    assert figures.as_dict() == {
        "from": "2024-04-01",
        "to": "2025-03-31",
        "plans_started": 6,
        "second_or_subsequent": 5,
        "rate": 0.8333,
        "within_24_months": 2,
        "rate_within_24_months": 0.3333,
        "within_window": 1,
        "rate_within_window": 0.1667,
        "window_months": 18,
        "previous_plan_known": 3,
        "previous_plan_unknown": 2,
    }


def test_the_periods_first_and_last_days_are_inside_it(history, build):
    build()
    first = selectors.replan_figures(Period.custom(D(2024, 4, 1), D(2024, 4, 1)))
    # Only A3 starts on 1 April 2024: a re-plan, previous known, within 24 months.
    assert (first.plans_started, first.second_or_subsequent, first.within_24_months) == (1, 1, 1)
    last = selectors.replan_figures(Period.custom(D(2025, 3, 31), D(2025, 3, 31)))
    # Only B starts on 31 March 2025: a re-plan by NumberOfPreviousCPP with no earlier plan here,
    # so its previous plan is unknown and it is within no window.
    assert (last.plans_started, last.second_or_subsequent, last.previous_unknown) == (1, 1, 1)
    assert (last.within_24_months, last.within_window) == (0, 0)
    outside = selectors.replan_figures(Period.custom(D(2025, 4, 1), D(2025, 4, 30)))
    # H (1 April 2025) is a first plan.
    assert (outside.plans_started, outside.second_or_subsequent) == (1, 0)


def test_window_setting_is_read_at_build_time(history, build, settings):
    settings.REPLAN_WINDOW_MONTHS = 24
    build()
    figures = selectors.replan_figures(YEAR)
    # With a 24-month window the window measure equals the 2-year one: A3 and E3.
    assert (figures.window_months, figures.within_window) == (24, 2)


def test_da_at_planning(history, build):
    build()
    flows = selectors.period_flows(YEAR)
    # DA at planning: A3 (flag on its start day), D (factor 3B on the assessment before it) = 2.
    # Not C2 (flag recorded 19 days after the start), not G2 (flag marked not at planning).
    assert flows.da_at_planning == 2
    # Of those, re-plans (repeat CP where DA was recorded at planning): A3 = 1.
    assert flows.da_replans == 1


def test_children_on_a_plan_at_each_month_end(history, build):
    build()
    counts = selectors.cp_counts(YEAR, as_of=D(2025, 6, 30))
    # Open at a day's end: started on or before it, not ended by it.
    # Apr: A3, E2 (ends 1 May), F, J (ends 1 May) = 4 (I ended 20 Apr); May: A3, F = 2;
    # Jun, Jul: A3, D, F = 3; Aug: + E3 = 4; Sep: A3, E3, F = 3 (D ended 10 Sep);
    # Oct, Nov: + C2 = 4; Dec, Jan: + G2 = 5; Feb: C2 ended 1 Feb = 4; Mar: + B (31 Mar) = 5.
    assert [m.children for m in counts.months] == [4, 2, 3, 3, 4, 3, 4, 4, 5, 5, 4, 5]
    assert (counts.months[0].day, counts.months[-1].day) == (D(2024, 4, 30), D(2025, 3, 31))
    # No baseline chosen: the mean, 46 / 12 = 3.83, rounds to 4.
    assert counts.baseline == 4
    banded = selectors.cp_counts(YEAR, as_of=D(2025, 6, 30), baseline=4, band_percent=25)
    # 4 +/- 25% is 3 to 5: only May (2) falls outside.
    assert [m.day for m in banded.months if m.outside_band] == [D(2024, 5, 31)]
    assert banded.within_band == 11


def test_month_ends_after_the_figures_date_are_not_shown(history, build):
    build(as_of=D(2024, 12, 15))
    counts = selectors.cp_counts(YEAR, as_of=D(2024, 12, 15))
    assert counts.months[-1].day == D(2024, 11, 30)


def test_open_and_ended_plans_by_duration(history, build):
    build()
    durations = selectors.durations(YEAR, as_of=D(2025, 6, 30))
    assert durations.at == D(2025, 3, 31)
    # Open at 31 March 2025: B (started that day: 3 months or less), G2 (1 Dec 2024: + 3 months
    # and a day = 2 Mar 2025, so over 3 months), A3 (1 Apr 2024: + 6m + 1 day = 2 Oct 2024, and
    # + 12m + 1 day = 2 Apr 2025 is still to come: over 6 months), E3 (1 Aug 2024: over 6
    # months), F (10 Jan 2022: 2 years or more).
    assert durations.open_bands == (1, 1, 2, 0, 1)
    assert durations.open_2y_plus_share == pytest.approx(1 / 5)
    # Ended in the year: I (20 Jan -> 20 Apr 2024: exactly 3 months, so 3 months or less),
    # D (15 Jun -> 10 Sep 2024: under 3 months), C2 (1 Oct 2024 -> 1 Feb 2025: over 3 months),
    # E2 (1 Mar 2023 -> 1 May 2024: over 1 year), J (1 May 2022 -> 1 May 2024: exactly 2 years,
    # so 2 years or more).
    assert durations.ended_bands == (2, 1, 0, 1, 1)
    assert durations.ended_2y_plus_share == pytest.approx(1 / 5)


def test_a_plan_is_open_on_its_first_day_and_not_on_its_last(db, build):
    child = child_in()
    plan(child, D(2024, 1, 31), D(2024, 2, 29))
    build()
    opened = selectors.open_plans_at([D(2024, 1, 30), D(2024, 1, 31), D(2024, 2, 28)])
    ended = selectors.open_plans_at([D(2024, 2, 29)])
    assert [sum(opened[d]) for d in opened] == [0, 1, 1]
    assert sum(ended[D(2024, 2, 29)]) == 0


def test_a_child_with_three_plans_counts_each_plan_once(db, build):
    child = child_in()
    # 1st: 2023-01-05 -> 2023-03-01; 2nd 2023-06-01 -> 2023-09-01; 3rd 2024-01-10 -> open.
    plan(child, D(2023, 1, 5), D(2023, 3, 1))
    plan(child, D(2023, 6, 1), D(2023, 9, 1))
    plan(child, D(2024, 1, 10))
    build()
    figures = selectors.replan_figures(Period.custom(D(2023, 1, 1), D(2024, 12, 31)))
    # Three starts; the 2nd and 3rd are re-plans, each within 24 and 18 months of the one before.
    assert figures.plans_started == 3
    assert figures.second_or_subsequent == 2
    assert (figures.within_24_months, figures.within_window) == (2, 2)


def test_build_is_idempotent_and_recorded(history, build):
    first = build()
    rows = list(DailyFigures.objects.order_by("day").values())
    second = build()
    assert list(DailyFigures.objects.order_by("day").values()) == rows
    assert first.status == second.status == FiguresBuild.Status.SUCCEEDED
    assert second.days == len(rows) > 0
    assert selectors.latest_build() == second
    from audit.models import AuditEvent

    events = AuditEvent.objects.filter(action="reporting.figures_build")
    assert events.count() == 2
    assert events.first().details["build"] == second.pk


def test_an_empty_record_gives_zeros_not_errors(db, build):
    build()
    figures = selectors.replan_figures(YEAR)
    assert (figures.plans_started, figures.rate) == (0, None)
    assert selectors.durations(YEAR, as_of=dt.date(2025, 6, 30)).open_2y_plus_share is None
