"""Reads of the managers' measures.

Period figures are sums over `DailyFigures` (built nightly, `services.figures_build`); month-end
counts and open plans by duration are the running totals on the latest day on or before each
date. The cohort funnel is read live from the cohort's own small tables. The drill-down lists
read the case record live through `visible_to(user)`, with the same SQL definitions as the build.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL

from cases.models import CPPlan, Family, FamilyMembership
from cohort.models import CohortFlag, CohortFlagEvent

from . import outcomes, sql
from .measures import DURATION_BANDS, TWO_YEARS_PLUS
from .models import ComparatorFigure, DailyFigures, FiguresBuild
from .periods import Period
from .vendor import positional


def share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def latest_build() -> FiguresBuild | None:
    """The figures the pages show: the latest successful build."""
    return (
        FiguresBuild.objects.filter(status=FiguresBuild.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


# --- Period figures -------------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodFlows:
    """Sums of the daily flows over a period."""

    plans_started: int = 0
    replans: int = 0
    replans_previous_known: int = 0
    replans_within_24_months: int = 0
    replans_within_window: int = 0
    da_at_planning: int = 0
    da_replans: int = 0
    plans_ended: int = 0
    ended_bands: tuple[int, ...] = (0, 0, 0, 0, 0)

    @property
    def replans_previous_unknown(self) -> int:
        return self.replans - self.replans_previous_known


def period_flows(period: Period) -> PeriodFlows:
    """Plans starting and ending in the period, classified (one aggregate query)."""
    columns = [*sql.FLOW_COLUMNS, *sql.ENDED_COLUMNS]
    sums = DailyFigures.objects.filter(day__gte=period.start, day__lte=period.end).aggregate(
        **{column: Sum(column) for column in columns}
    )
    values = {column: int(sums[column] or 0) for column in columns}
    bands = tuple(values.pop(f"ended_band_{band.index}") for band in DURATION_BANDS)
    return PeriodFlows(**values, ended_bands=bands)


def open_plans_at(days: list[dt.date]) -> dict[dt.date, tuple[int, ...]]:
    """Plans open at the end of each day, by duration band (one query: for each day the running
    totals on the latest day with figures on or before it)."""
    if not days:
        return {}
    table = DailyFigures._meta.db_table
    columns = ", ".join(sql.OPEN_COLUMNS)
    parts = [
        f"SELECT * FROM (SELECT %s AS asked, {columns} FROM {table} "
        f"WHERE day <= %s ORDER BY day DESC LIMIT 1) q{i}"
        for i in range(len(days))
    ]
    params: list[Any] = []
    for day in days:
        params += [day.isoformat(), day]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = {dt.date.fromisoformat(str(row[0])): tuple(row[1:]) for row in cursor.fetchall()}
    zero = tuple(0 for _ in DURATION_BANDS)
    return {day: tuple(int(n) for n in found.get(day, zero)) for day in days}


@dataclass(frozen=True)
class ReplanFigures:
    period: Period
    plans_started: int
    second_or_subsequent: int
    previous_known: int
    previous_unknown: int
    within_24_months: int
    within_window: int
    window_months: int

    @property
    def rate(self) -> float | None:
        return share(self.second_or_subsequent, self.plans_started)

    @property
    def rate_within_24_months(self) -> float | None:
        return share(self.within_24_months, self.plans_started)

    @property
    def rate_within_window(self) -> float | None:
        return share(self.within_window, self.plans_started)

    def as_dict(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "plans_started": self.plans_started,
            "second_or_subsequent": self.second_or_subsequent,
            "rate": rounded(self.rate),
            "within_24_months": self.within_24_months,
            "rate_within_24_months": rounded(self.rate_within_24_months),
            "within_window": self.within_window,
            "rate_within_window": rounded(self.rate_within_window),
            "window_months": self.window_months,
            "previous_plan_known": self.previous_known,
            "previous_plan_unknown": self.previous_unknown,
        }


def window_months(build: FiguresBuild | None = None) -> int:
    """The re-plan window the shown figures were built with (the setting, before any build)."""
    build = build or latest_build()
    parameters = build.parameters if build else {}
    return int(parameters.get("window_months", settings.REPLAN_WINDOW_MONTHS))


def replan_figures(
    period: Period, flows: PeriodFlows | None = None, build: FiguresBuild | None = None
) -> ReplanFigures:
    flows = flows or period_flows(period)
    window = window_months(build)
    return ReplanFigures(
        period=period,
        plans_started=flows.plans_started,
        second_or_subsequent=flows.replans,
        previous_known=flows.replans_previous_known,
        previous_unknown=flows.replans_previous_unknown,
        within_24_months=flows.replans_within_24_months,
        within_window=flows.replans_within_window,
        window_months=int(window),
    )


@dataclass(frozen=True)
class MonthEndCount:
    day: dt.date
    children: int
    outside_band: bool = False


@dataclass(frozen=True)
class CPCounts:
    """Children on a CP plan at each month end, against a baseline with a band of ±N%."""

    months: list[MonthEndCount]
    baseline: int | None
    band_percent: int

    @property
    def lower(self) -> float | None:
        return None if self.baseline is None else self.baseline * (1 - self.band_percent / 100)

    @property
    def upper(self) -> float | None:
        return None if self.baseline is None else self.baseline * (1 + self.band_percent / 100)

    @property
    def within_band(self) -> int:
        return sum(1 for month in self.months if not month.outside_band)

    @property
    def highest(self) -> MonthEndCount | None:
        return max(self.months, key=lambda m: m.children, default=None)

    @property
    def lowest(self) -> MonthEndCount | None:
        return min(self.months, key=lambda m: m.children, default=None)


def cp_counts(
    period: Period, *, as_of: dt.date, baseline: int | None = None, band_percent: int = 4
) -> CPCounts:
    """Month-end counts in the period (months ending after `as_of` are not known yet). A plan is
    open at a day's end when it started on or before it and has not ended by it: one open plan
    per child (DfE 8935), so plans open are children on a plan. Without a baseline, the mean of
    the period's month ends is the baseline."""
    days = period.month_ends(until=as_of)
    counts = {day: sum(bands) for day, bands in open_plans_at(days).items()}
    if baseline is None and counts:
        baseline = round(sum(counts.values()) / len(counts))
    lower = upper = None
    if baseline is not None:
        lower, upper = baseline * (1 - band_percent / 100), baseline * (1 + band_percent / 100)
    months = [
        MonthEndCount(
            day,
            counts[day],
            outside_band=lower is not None and not (lower <= counts[day] <= upper),  # type: ignore[operator]
        )
        for day in days
    ]
    return CPCounts(months=months, baseline=baseline, band_percent=band_percent)


@dataclass(frozen=True)
class Durations:
    """Open plans by duration band at `at`, and plans that ended in the period by duration."""

    at: dt.date
    open_bands: tuple[int, ...]
    ended_bands: tuple[int, ...]

    @property
    def open_total(self) -> int:
        return sum(self.open_bands)

    @property
    def ended_total(self) -> int:
        return sum(self.ended_bands)

    @property
    def open_2y_plus_share(self) -> float | None:
        return share(self.open_bands[TWO_YEARS_PLUS.index], self.open_total)

    @property
    def ended_2y_plus_share(self) -> float | None:
        return share(self.ended_bands[TWO_YEARS_PLUS.index], self.ended_total)

    def as_dict(self) -> dict[str, Any]:
        return {
            "open_at": self.at.isoformat(),
            "open": {band.short: self.open_bands[band.index] for band in DURATION_BANDS},
            "open_total": self.open_total,
            "open_2y_plus_share": _round(self.open_2y_plus_share),
            "ended": {band.short: self.ended_bands[band.index] for band in DURATION_BANDS},
            "ended_total": self.ended_total,
            "ended_2y_plus_share": _round(self.ended_2y_plus_share),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def durations(period: Period, *, as_of: dt.date, flows: PeriodFlows | None = None) -> Durations:
    flows = flows or period_flows(period)
    at = period.stock_day(as_of)
    return Durations(at=at, open_bands=open_plans_at([at])[at], ended_bands=flows.ended_bands)


# --- The cohort funnel (live: the cohort's tables are small) --------------------------------
FUNNEL_STAGES = (
    ("flagged", "Flagged"),
    ("accepted", "Accepted by an IRO"),
    ("declined", "Declined by an IRO"),
    ("allocated", "Allocated a transition worker"),
    ("active", "Work started"),
    ("closed", "Closed"),
)


@dataclass(frozen=True)
class Funnel:
    stages: list[tuple[str, str, int]]
    closed_by_outcome: list[tuple[str, str, int]] = field(default_factory=list)


def _flags_flagged_in(period: Period) -> QuerySet[CohortFlag]:
    return CohortFlag.objects.filter(flagged_on__gte=period.start, flagged_on__lte=period.end)


def funnel_flags(period: Period, stage: str) -> QuerySet[CohortFlag]:
    """Flags first flagged in the period that ever reached `stage` (or closed with an outcome,
    `closed:<outcome>`)."""
    flags = _flags_flagged_in(period)
    if stage == "flagged":
        return flags
    status, _, outcome = stage.partition(":")
    reached = CohortFlagEvent.objects.filter(flag=OuterRef("pk"), to_status=status)
    flags = flags.filter(Exists(reached))
    return flags.filter(outcome=outcome) if outcome else flags


def cohort_funnel(period: Period) -> Funnel:
    """How far the families flagged in the period got (each flag counted once per stage it ever
    reached, so a flag later closed still counts as accepted, allocated and active)."""
    reached = {
        status: Exists(CohortFlagEvent.objects.filter(flag=OuterRef("pk"), to_status=status))
        for status, _ in FUNNEL_STAGES[1:]
    }
    counts = _flags_flagged_in(period).aggregate(
        flagged=Count("pk"),
        **{status: Count("pk", filter=Q(condition)) for status, condition in reached.items()},
    )
    outcomes_found = dict(
        _flags_flagged_in(period)
        .filter(status=CohortFlag.Status.CLOSED)
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    return Funnel(
        stages=[(status, label, int(counts[status] or 0)) for status, label in FUNNEL_STAGES],
        closed_by_outcome=[
            (value, label, int(outcomes_found.get(value, 0)))
            for value, label in CohortFlag.Outcome.choices
        ],
    )


# --- Comparators ----------------------------------------------------------------------------
def comparator_figures() -> dict[tuple[str, str], ComparatorFigure]:
    """The latest year's figure for each (measure, source)."""
    latest: dict[tuple[str, str], ComparatorFigure] = {}
    for figure in ComparatorFigure.objects.order_by("measure", "source", "-year"):
        latest.setdefault((figure.measure, figure.source), figure)
    return latest


def comparator_list() -> QuerySet[ComparatorFigure]:
    return ComparatorFigure.objects.select_related("entered_by").order_by(
        "measure", "source", "-year"
    )


# --- Drill-down lists -------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanList:
    """Which plans a drill-down shows: `kind` in started/ended/open, a figure name, a band."""

    kind: str
    name: str = "started"
    band: int | None = None


def _params(period: Period, at: dt.date | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "window_months": window_months(),
    }
    if at is not None:
        params["at"] = at.isoformat()
    return params


def drilldown_plan_ids(
    *, user: Any, selection: PlanList, period: Period, at: dt.date | None = None
) -> list[int]:
    """Ids of the plans behind one figure that `user` may see, in start order: the same SQL
    definitions as the build, read live from `CPPlan.objects.visible_to(user)`.

    One evaluation: the list page counts and pages these ids, then loads one page of plans
    (`plans_by_ids`), instead of running the classification twice (count, then page).
    """
    vendor = connection.vendor
    if selection.kind == "started":
        ids = sql.started_ids_sql(vendor, selection.name)
    elif selection.kind == "ended":
        ids = sql.ended_ids_sql(vendor, selection.band)
    else:
        ids = sql.open_ids_sql(vendor, selection.band)
    query, ordered = positional(ids, _params(period, at))
    plans = (
        CPPlan.objects.visible_to(user)
        # Our own SQL (sql.py: table names and constants); every value is a parameter.
        .filter(pk__in=RawSQL(query, ordered))  # noqa: S611
        .order_by("start_date", "pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                # JIT compiles this one-off query for longer than it saves.
                cursor.execute("SET LOCAL jit = off")
        return list(plans)


def plans_by_ids(ids: list[int]) -> list[CPPlan]:
    """Plans with their child, the child's family and the previous plan's end, in `ids` order
    (ids from `drilldown_plan_ids`, already checked against what the user may see)."""
    previous_end = (
        CPPlan.objects.filter(child=OuterRef("child"), start_date__lt=OuterRef("start_date"))
        .order_by("-start_date")
        .values("end_date")[:1]
    )
    membership = FamilyMembership.objects.filter(person=OuterRef("child")).order_by("family_id")
    found = {
        plan.pk: plan
        for plan in CPPlan.objects.filter(pk__in=ids)
        .select_related("child")
        .annotate(
            previous_end=Subquery(previous_end),
            # Named apart from `family_id`: the audit trail takes every family of the child
            # (ADR 0043), not this first one, which only links the row.
            first_family_id=Subquery(membership.values("family_id")[:1]),
            family_reference=Subquery(membership.values("family__reference")[:1]),
        )
    }
    return [found[pk] for pk in ids if pk in found]


def families_by_id(*, user: Any, ids: list[int] | QuerySet) -> QuerySet[Family]:
    return Family.objects.visible_to(user).filter(pk__in=ids).order_by("reference")


def drilldown_funnel_families(*, user: Any, period: Period, stage: str) -> QuerySet[Family]:
    """Families whose flag (flagged in the period) reached `stage`, that `user` may see."""
    return families_by_id(user=user, ids=funnel_flags(period, stage).values("family_id")).annotate(
        children_count=Count("memberships", filter=Q(memberships__abuse_role="child"))
    )


def drilldown_outcome_families(*, user: Any, group: str, as_of: dt.date) -> QuerySet[Family]:
    """Families in one group of the outcome evaluation as at `as_of`, that `user` may see."""
    query = outcomes.family_ids_sql(connection.vendor)
    params = {"as_of": as_of.isoformat(), "link_days": settings.STEP_DOWN_LINK_DAYS, "grp": group}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        ids = [row[0] for row in cursor.fetchall()]
    return families_by_id(user=user, ids=ids).annotate(
        children_count=Count("memberships", filter=Q(memberships__abuse_role="child"))
    )
