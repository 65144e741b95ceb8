"""The outcome evaluation: Kaplan-Meier and Wilson intervals against cases worked by hand, who is
in each group, and the cohort funnel."""

import math

import pytest

from cases.roles import Role
from reporting import outcomes, selectors
from reporting.periods import Period

from .conftest import D, build_evaluation

Z = 1.959963984540054  # the 97.5% point of the standard normal


def loglog_interval(survival: float, greenwood: float) -> tuple[float, float]:
    """The exponential Greenwood ("log-log") 95% interval of S, written out by hand:
    exp(-exp(log(-log S) +/- z * sqrt(V))), V = greenwood / (log S)^2."""
    spread = Z * math.sqrt(greenwood / math.log(survival) ** 2)
    centre = math.log(-math.log(survival))
    return math.exp(-math.exp(centre + spread)), math.exp(-math.exp(centre - spread))


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


# Five families, followed to 1 January 2025 (days from step-down; E = new plan, C = censored):
#   F1 stepped down 1 Jan 2024, new plan 10 Feb 2024:  40 days, E
#   F2 stepped down 1 Jan 2024, new plan 20 May 2024: 140 days, E
#   F3 stepped down 1 Sep 2024, none:                  122 days, C
#   F4 stepped down 1 Jan 2024, new plan 19 Aug 2024: 231 days, E
#   F5 stepped down 1 Jan 2024, none:                  366 days, C
AS_OF = D(2025, 1, 1)
ROWS = [
    (D(2024, 1, 1), D(2024, 2, 10)),
    (D(2024, 1, 1), D(2024, 5, 20)),
    (D(2024, 9, 1), None),
    (D(2024, 1, 1), D(2024, 8, 19)),
    (D(2024, 1, 1), None),
]


def test_kaplan_meier_against_a_case_worked_by_hand():
    curve = {point["months"]: point for point in outcomes.kaplan_meier(ROWS, AS_OF)}
    # Day 40: 5 at risk, 1 event: S = 4/5 = 0.8. Day 122: F3 censored (3 left at risk).
    # Day 140: 3 at risk, 1 event: S = 0.8 * 2/3 = 0.5333. Day 231: 2 at risk, 1 event:
    # S = 0.5333 * 1/2 = 0.2667. Day 366: F5 censored.
    # Months on the grid are 365.25 / 12 = 30.44 days: 3 months = day 91.3, 6 = 182.6,
    # 9 = 273.9, 12 = 365.25.
    assert [curve[m]["replanned"] for m in (0, 3, 6, 9, 12)] == pytest.approx(
        [0, 1 - 0.8, 1 - 0.8 * 2 / 3, 1 - 0.8 * 2 / 3 / 2, 1 - 0.8 * 2 / 3 / 2]
    )
    # At 15 months nobody is left at risk: no estimate is given.
    assert curve[15]["replanned"] is None
    # At risk (followed at least that long, without a new plan before): 5, 4 (122, 140, 231,
    # 366), 2 (231, 366), 1 (366), 1 (366 >= 365.25), 0.
    assert [curve[m]["at_risk"] for m in (0, 3, 6, 9, 12, 15)] == [5, 4, 2, 1, 1, 0]
    assert [curve[m]["replanned_by"] for m in (0, 3, 6, 9)] == [0, 1, 2, 3]
    # Greenwood's sum d / (n (n - d)): 1/(5*4) = 0.05 after day 40; + 1/(3*2) after day 140.
    low, high = loglog_interval(0.8, 1 / 20)
    assert (curve[3]["lower"], curve[3]["upper"]) == pytest.approx((1 - high, 1 - low))
    low, high = loglog_interval(0.8 * 2 / 3, 1 / 20 + 1 / 6)
    assert (curve[6]["lower"], curve[6]["upper"]) == pytest.approx((1 - high, 1 - low))
    assert curve[0]["lower"] == curve[0]["upper"] == 0
    # At 9 months: + 1/(2*1) after day 231.
    low, high = loglog_interval(0.8 * 2 / 3 / 2, 1 / 20 + 1 / 6 + 1 / 2)
    assert (curve[9]["lower"], curve[9]["upper"]) == pytest.approx((1 - high, 1 - low))


def test_kaplan_meier_where_the_interval_is_undefined():
    # One family, re-planned on day 30: S drops to 0, where the log-log interval is undefined.
    curve = outcomes.kaplan_meier([(D(2024, 1, 1), D(2024, 1, 31))], AS_OF)
    assert curve[0]["replanned"] == 0
    assert curve[3]["at_risk"] == 0
    assert curve[3]["replanned"] is None
    # Everyone censored: nobody re-planned, S stays 1.
    curve = outcomes.kaplan_meier([(D(2024, 11, 1), None), (D(2024, 6, 1), None)], AS_OF)
    assert [p["replanned"] for p in curve[:3]] == [0, 0, 0]


def test_shares_within_6_12_18_months_with_wilson_intervals():
    shares = {item["months"]: item for item in outcomes.shares(ROWS, AS_OF)}
    # 6 months: F1, F2 within; F4 (19 Aug > 1 Jul) and F5 followed without; F3 (followed 4
    # months) not counted -> 2 of 4.
    # 12 months: F1, F2, F4 within; F5 followed exactly 12 months (1 Jan 2025) -> 3 of 4.
    # 18 months: F1, F2, F4 within; F5 and F3 not followed 18 months -> 3 of 3.
    assert [(shares[m]["replanned"], shares[m]["followed"]) for m in (6, 12, 18)] == [
        (2, 4),
        (3, 4),
        (3, 3),
    ]
    assert shares[12]["share"] == 0.75
    # Wilson 95% for 3 of 4, by hand: 0.3006 to 0.9544.
    assert (shares[12]["lower"], shares[12]["upper"]) == pytest.approx(wilson_by_hand(3, 4))
    assert shares[12]["lower"] == pytest.approx(0.3006, abs=1e-4)
    assert (shares[18]["lower"], shares[18]["upper"]) == pytest.approx(wilson_by_hand(3, 3))


def test_nobody_followed_gives_no_share_rather_than_an_error():
    shares = outcomes.shares([(D(2024, 12, 1), None)], AS_OF)
    assert shares[0]["followed"] == 0
    assert shares[0]["share"] is None
    assert shares[0]["lower"] is None
    assert outcomes.kaplan_meier([], AS_OF) == []


@pytest.fixture
def evaluation(db, make_user):
    return build_evaluation(
        make_user(Role.IRO), make_user(Role.MANAGER), make_user(Role.TRANSITION_WORKER)
    )


def test_groups_hold_the_right_families_and_step_down_dates(evaluation):
    rows = outcomes.subjects(as_of=D(2025, 6, 30), link_days=7)
    found = {(grp, family): (step_down, next_plan) for grp, family, step_down, next_plan in rows}
    f = evaluation
    assert found == {
        ("cohort", f["x"]): (D(2024, 5, 20), D(2025, 1, 15)),
        ("cohort", f["y"]): (D(2024, 5, 25), None),
        # Declined: outside the cohort, so in the comparison (its plan had DA and stepped down).
        ("comparison", f["t"]): (D(2024, 5, 22), None),
        ("comparison", f["z"]): (D(2024, 7, 1), D(2024, 10, 1)),
        ("comparison", f["w"]): (D(2024, 8, 1), None),
    }


def test_evaluation_is_stored_with_the_build(evaluation, build):
    result = build(as_of=D(2025, 6, 30)).outcome
    assert result["since"] == "2024-05-20"
    cohort, comparison = result["groups"]["cohort"], result["groups"]["comparison"]
    assert (cohort["families"], cohort["replanned"]) == (2, 1)
    assert (comparison["families"], comparison["replanned"]) == (3, 1)
    # 12 months: cohort X (new plan within 12 months of 20 May 2024? 15 Jan 2025: yes) and Y
    # (followed to 25 May 2025) -> 1 of 2. Comparison: Z yes; T (22 May 2025) and W (1 Aug 2025:
    # not followed 12 months by 30 June 2025) -> 1 of 2.
    twelve = {
        g: next(s for s in result["groups"][g]["shares"] if s["months"] == 12)
        for g in ("cohort", "comparison")
    }
    assert (twelve["cohort"]["replanned"], twelve["cohort"]["followed"]) == (1, 2)
    assert (twelve["comparison"]["replanned"], twelve["comparison"]["followed"]) == (1, 2)


def test_cohort_funnel_counts_every_stage_reached(evaluation):
    funnel = selectors.cohort_funnel(Period.financial_year(2024))
    stages = {stage: n for stage, _, n in funnel.stages}
    # Flagged on 1 June 2024: X, Y, T; X and Y accepted and allocated; T declined.
    assert stages == {
        "flagged": 3,
        "accepted": 2,
        "declined": 1,
        "allocated": 2,
        "active": 0,
        "closed": 0,
    }
    assert selectors.cohort_funnel(Period.financial_year(2023)).stages[0][2] == 0


def test_outcome_page_and_suppressed_export(client, make_user, evaluation, build):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    build(as_of=D(2025, 6, 30))
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("reporting:outcomes"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "observational comparison, not a trial" in body
    assert 'data-testid="table-outcome-curves"' in body
    export = client.get(reverse("reporting:outcome_export", args=["outcome-shares", "xlsx"]))
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    # Every count here is below 5: shown as "fewer than 5", and so are the shares built on them.
    assert rows[1][2:] == ("fewer than 5",) * 5
    drill = client.get(reverse("reporting:families"), {"group": "cohort"})
    assert {f.pk for f in drill.context["page"].object_list} == {evaluation["x"], evaluation["y"]}
