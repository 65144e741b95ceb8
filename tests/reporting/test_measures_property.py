"""Property: the set-based build and a plain-Python reference agree on every plan history.

The reference is written from DOMAIN.md "Measures" and ADR 0091 alone: a loop over each child's
plans in start order, with `relativedelta` month arithmetic.
"""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import CINEpisode, CPPlan, FamilyMembership
from cohort import dates
from reporting import selectors
from reporting.measures import band_of
from reporting.periods import Period
from reporting.services import figures_build
from tests.factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

# Days crowd around month ends and February so the month arithmetic's clamping is exercised.
ANCHORS = [dt.date(2022, 1, 31), dt.date(2023, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 8, 31)]
some_day = st.one_of(
    st.builds(
        lambda anchor, shift: anchor + dt.timedelta(days=shift),
        st.sampled_from(ANCHORS),
        st.integers(-3, 3),
    ),
    st.dates(dt.date(2020, 1, 1), dt.date(2025, 12, 31)),
)


@st.composite
def child_plans(draw):
    """One child's plans: non-overlapping, each ended but perhaps the last."""
    start = draw(st.dates(dt.date(2019, 1, 1), dt.date(2024, 6, 1)))
    plans = []
    for index in range(draw(st.integers(0, 3))):
        length = draw(st.sampled_from([1, 30, 89, 90, 91, 92, 182, 184, 365, 366, 730, 731, 800]))
        end = start + dt.timedelta(days=length)
        last = index == 2
        if last and draw(st.booleans()):
            end = None
        plans.append((start, end, draw(st.sampled_from([None, 0, 1, 2, 3]))))
        if end is None:
            break
        start = end + dt.timedelta(days=draw(st.sampled_from([0, 1, 200, 540, 548, 549, 731, 900])))
    return plans


def reference(histories, period, at, window):
    """What the measures should be, child by child, plan by plan."""
    started = dict.fromkeys(["plans_started", "replans", "known", "within_24", "within_window"], 0)
    ended = [0] * 5
    open_at = [0] * 5
    for plans in histories:
        for earlier, (start, end, recorded) in enumerate(plans):
            recorded = recorded or 0
            if period.start <= start <= period.end:
                started["plans_started"] += 1
                started["replans"] += earlier > 0 or recorded > 0
                known = earlier > 0 and earlier >= recorded
                started["known"] += known
                if known:
                    previous_end = plans[earlier - 1][1]
                    started["within_24"] += start <= dates.add_months(previous_end, 24)
                    started["within_window"] += start <= dates.add_months(previous_end, window)
            if end is not None and period.start <= end <= period.end:
                ended[band_of(start, end).index] += 1
            if start <= at and (end is None or at < end):
                open_at[band_of(start, at).index] += 1
    return started, tuple(ended), tuple(open_at)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    histories=st.lists(child_plans(), min_size=1, max_size=5),
    bounds=st.tuples(some_day, some_day).map(sorted),
    at=some_day,
    window=st.sampled_from([18, 6, 24]),
)
def test_build_agrees_with_the_reference(histories, bounds, at, window, settings):
    settings.REPLAN_WINDOW_MONTHS = window
    period = Period.custom(*bounds)
    with transaction.atomic():
        for plans in histories:
            child = PersonFactory()
            FamilyMembership.objects.create(
                family=FamilyFactory(), person=child, abuse_role="child"
            )
            for start, end, recorded in plans:
                episode = CINEpisode.objects.create(child=child, referral_date=start)
                CPPlan.objects.create(
                    child=child,
                    episode=episode,
                    start_date=start,
                    end_date=end,
                    number_of_previous_cpp=recorded,
                    initial_category="EMO",
                )
        figures_build(actor=None, as_of=dt.date(2026, 1, 1))
        flows = selectors.period_flows(period)
        found = (
            {
                "plans_started": flows.plans_started,
                "replans": flows.replans,
                "known": flows.replans_previous_known,
                "within_24": flows.replans_within_24_months,
                "within_window": flows.replans_within_window,
            },
            flows.ended_bands,
            selectors.open_plans_at([at])[at],
        )
        transaction.set_rollback(True)
    assert found == reference(histories, period, at, window)
