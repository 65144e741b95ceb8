"""Builders for the hand-made plan histories the reporting tests work out by hand."""

import datetime as dt
import importlib

import pytest

from cohort import services as cohort_services
from cohort.models import CohortFlag
from reporting.services import figures_build
from tests.cohort.conftest import build_case
from tests.factories import (
    AssessmentFactory,
    CINPlanFactory,
    CPPlanFactory,
    DARiskFlagFactory,
    EpisodeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    StepDownFactory,
)

D = dt.date


def child_in(family=None, **fields):
    child = PersonFactory(**fields)
    MembershipFactory(family=family or FamilyFactory(), person=child)
    return child


def plan(child, start, end=None, *, previous=None, da=None):
    """A CP plan in its own CIN episode (referred 10 days before). `previous`: the recorded
    NumberOfPreviousCPP; `da`: "flag" (a DA risk flag at planning), "factor" (3B on the
    assessment that led to it), "late_flag" (a flag recorded after the start) or
    "not_at_planning" (a flag marked as not at planning)."""
    episode = EpisodeFactory(child=child, referral_date=start - dt.timedelta(days=10))
    p = CPPlanFactory(
        episode=episode,
        child=child,
        start_date=start,
        end_date=end,
        number_of_previous_cpp=previous,
    )
    if da == "flag":
        DARiskFlagFactory(plan=p, recorded_on=start)
    elif da == "factor":
        AssessmentFactory(episode=episode, start_date=episode.referral_date, factor_codes=["3B"])
    elif da == "late_flag":
        DARiskFlagFactory(plan=p, recorded_on=start + dt.timedelta(days=19))
    elif da == "not_at_planning":
        DARiskFlagFactory(plan=p, recorded_on=start, at_planning=False)
    return p


def load_england_figures():
    """England's figures as the data migration loads them (a transactional test elsewhere in the
    run flushes the database, and with it the migration's rows)."""
    from django.apps import apps

    migration = importlib.import_module("reporting.migrations.0002_england_figures_2024_25")
    migration.load(apps, None)


@pytest.fixture
def england(db):
    load_england_figures()


@pytest.fixture
def build():
    """build(as_of) -> the figures built as at `as_of` (the nightly job, run now)."""

    def run(as_of=None):
        return figures_build(actor=None, as_of=as_of or D(2025, 6, 30))

    return run


def history_2024_25():
    """The hand-made history most tests use: the financial year 2024-25 (1 April 2024 to 31 March
    2025), the re-plan window 18 months. Intervals are [start, end): open on `start`, not on `end`.

    child A: 2021-01-10 -> 2021-09-10; 2022-06-01 -> 2022-09-15; 2024-04-01 (period's first day)
             -> open, NumberOfPreviousCPP 2, DA flag at planning. Three plans.
    child B: 2025-03-31 (period's last day) -> open, NumberOfPreviousCPP 1, no earlier plan here.
    child C: 2019-02-01 -> 2019-10-01; 2024-10-01 -> 2025-02-01, NumberOfPreviousCPP 3 (we hold 1);
             a DA flag recorded 19 days after the start (not at planning).
    child D: 2024-06-15 -> 2024-09-10, first plan (NumberOfPreviousCPP 0), factor 3B.
    child E: 2020-01-01 -> 2021-01-01; 2023-03-01 -> 2024-05-01; 2024-08-01 -> open (Number...
             not recorded). Three plans.
    child F: 2022-01-10 -> open.
    child G: 2015-01-01 -> 2016-01-01; 2024-12-01 -> open, NumberOfPreviousCPP 1, a DA flag
             marked as not at planning.
    child H: 2025-04-01 (the day after the period) -> open.
    child I: 2024-01-20 -> 2024-04-20 (exactly 3 months).
    child J: 2022-05-01 -> 2024-05-01 (exactly 2 years).
    """
    a, b, c, d, e, f, g, h, i, j = (child_in() for _ in range(10))
    plan(a, D(2021, 1, 10), D(2021, 9, 10), previous=0)
    plan(a, D(2022, 6, 1), D(2022, 9, 15), previous=1)
    plan(a, D(2024, 4, 1), previous=2, da="flag")
    plan(b, D(2025, 3, 31), previous=1)
    plan(c, D(2019, 2, 1), D(2019, 10, 1), previous=0)
    plan(c, D(2024, 10, 1), D(2025, 2, 1), previous=3, da="late_flag")
    plan(d, D(2024, 6, 15), D(2024, 9, 10), previous=0, da="factor")
    plan(e, D(2020, 1, 1), D(2021, 1, 1))
    plan(e, D(2023, 3, 1), D(2024, 5, 1))
    plan(e, D(2024, 8, 1))
    plan(f, D(2022, 1, 10))
    plan(g, D(2015, 1, 1), D(2016, 1, 1), previous=0)
    plan(g, D(2024, 12, 1), previous=1, da="not_at_planning")
    plan(h, D(2025, 4, 1))
    plan(i, D(2024, 1, 20), D(2024, 4, 20))
    plan(j, D(2022, 5, 1), D(2024, 5, 1))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h, "i": i, "j": j}


@pytest.fixture
def history(db):
    return history_2024_25()


def build_evaluation(iro, manager, worker):
    """Cohort families X and Y (allocated), a declined family T, and DA step-downs outside the
    cohort: Z (step-down recorded), W (census link: CIN plan 3 days after the end). Not in it:
    U (DA step-down before the cohort's first), V (no DA), S (CIN plan 10 days after the end)."""
    # Re-plans within the window with DA, ending 20, 25 and 22 May 2024 with a step-down.
    x = build_case(plan=(D(2023, 9, 1), D(2024, 5, 20)))
    y = build_case(plan=(D(2023, 9, 1), D(2024, 5, 25)), step_down_on=D(2024, 5, 25))
    t = build_case(plan=(D(2023, 9, 1), D(2024, 5, 22)), step_down_on=D(2024, 5, 22))
    cohort_services.cohort_run_execute(actor=None, as_of=D(2024, 6, 1))
    flags = {f.children.get().child_id: f for f in CohortFlag.objects.all()}
    for case in (x, y):
        flag = cohort_services.cohort_flag_accept(actor=iro, flag=flags[case.child_id])
        cohort_services.cohort_flag_allocate(actor=manager, flag=flag, worker=worker)
    cohort_services.cohort_flag_decline(actor=iro, flag=flags[t.child_id], reason="Moving away.")
    plan(x.child, D(2025, 1, 15))  # X: a new plan 240 days after stepping down
    z = child_in()
    z_plan = plan(z, D(2024, 1, 10), D(2024, 7, 1), da="flag")
    StepDownFactory(plan=z_plan, decided_on=D(2024, 7, 1))
    plan(z, D(2024, 10, 1))  # Z: a new plan 92 days after stepping down
    w = child_in()
    w_plan = plan(w, D(2024, 2, 1), D(2024, 8, 1))
    AssessmentFactory(episode=w_plan.episode, start_date=D(2024, 1, 25), factor_codes=["3A"])
    CINPlanFactory(episode=w_plan.episode, start_date=D(2024, 8, 4))
    u = child_in()
    StepDownFactory(
        plan=plan(u, D(2023, 5, 1), D(2023, 12, 1), da="flag"), decided_on=D(2023, 12, 1)
    )
    v = child_in()
    StepDownFactory(plan=plan(v, D(2024, 1, 1), D(2024, 8, 1)), decided_on=D(2024, 8, 1))
    s = child_in()
    s_plan = plan(s, D(2024, 1, 1), D(2024, 8, 1), da="flag")
    CINPlanFactory(episode=s_plan.episode, start_date=D(2024, 8, 11))
    family = {
        name: c.memberships.get().family_id
        for name, c in {"x": x.child, "y": y.child, "t": t.child, "z": z, "w": w}.items()
    }
    return family
