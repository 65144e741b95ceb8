"""The dashboard as tables: what the page, the CSV/XLSX exports and the scrutiny pack all show.

Each section is a function `(context) -> ReportTable` listed in `SECTIONS`; a table carries its
raw values (for exports and charts), the text shown, the drill-down link behind each number and,
where it helps, a chart drawn from the same table. To add a measure: write a selector, write a
section function here, add it to `SECTIONS` (and, if it has one, a `ComparatorMeasure`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from config.exports import Table

from . import selectors
from .measures import DURATION_BANDS, TWO_YEARS_PLUS, ComparatorMeasure
from .models import ComparatorFigure, FiguresBuild
from .periods import Period

SMALL = 5  # counts below this (but above 0) are shown as "fewer than 5" in suppressed exports
SUPPRESSED = "fewer than 5"
NONE = "\u2013"  # an en dash: no figure


def percent(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def number(value: int) -> str:
    return f"{value:,}"


@dataclass
class Cell:
    value: Any
    text: str = ""
    link: str = ""
    #: A count (or a share of counts) that exports suppress when small.
    count: bool = False
    numeric: bool = True

    def __post_init__(self) -> None:
        if not self.text:
            self.text = "" if self.value is None else str(self.value)


def text(value: str) -> Cell:
    return Cell(value, value, numeric=False)


def count(value: int, link: str = "") -> Cell:
    return Cell(value, number(value), link=link, count=True)


def share_cell(value: float | None) -> Cell:
    return Cell(None if value is None else round(value * 100, 1), percent(value))


@dataclass
class Chart:
    kind: str  # "line" or "bar"
    #: Columns (0-based) drawn as series; the first column labels the points.
    series: list[int]
    dashed: list[int] = field(default_factory=list)
    y_label: str = ""
    #: The last row is a total, not a point of the chart.
    skip_last: bool = False


@dataclass
class ReportTable:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)
    chart: Chart | None = None
    empty: str = ""
    #: Exports show counts of 1 to 4 (and shares built on them) as "fewer than 5".
    suppress_small: bool = False

    def export(self, *, suppress: bool | None = None) -> Table:
        suppress = self.suppress_small if suppress is None else suppress
        return Table(
            self.title, self.columns, [self._export_row(row, suppress) for row in self.rows]
        )

    @staticmethod
    def _export_row(row: list[Cell], suppress: bool) -> list[Any]:
        small = suppress and any(
            c.count and isinstance(c.value, int) and 0 < c.value < SMALL for c in row
        )
        values = []
        for cell in row:
            if small and cell.numeric and cell.value is not None:
                values.append(SUPPRESSED)
            else:
                values.append(cell.value)
        return values


@dataclass
class Context:
    """What every section reads: the period, the figures' date, the comparators, links."""

    period: Period
    as_of: dt.date
    build: FiguresBuild | None
    baseline: int | None = None
    band_percent: int = 4
    comparators: dict[tuple[str, str], ComparatorFigure] = field(default_factory=dict)
    _flows: selectors.PeriodFlows | None = None

    @property
    def flows(self) -> selectors.PeriodFlows:
        if self._flows is None:
            self._flows = selectors.period_flows(self.period)
        return self._flows

    def plans_link(self, name: str, **extra: Any) -> str:
        query = {
            "list": name,
            **self.period.query(),
            **{k: v for k, v in extra.items() if v is not None},
        }
        return f"{reverse('reporting:plans')}?{urlencode(query)}"

    def families_link(self, **query: Any) -> str:
        return f"{reverse('reporting:families')}?{urlencode({**self.period.query(), **query})}"

    def comparator(self, measure: str, source: str) -> Cell:
        figure = self.comparators.get((measure, source))
        if figure is None:
            return Cell(None, NONE, numeric=False)
        shown = (
            f"{figure.value:,.0f}"
            if measure == ComparatorMeasure.CHILDREN_ON_PLAN
            else f"{figure.value}%"
        )
        return Cell(float(figure.value), f"{shown} ({figure.year})")

    def comparator_cells(self, measure: str | None) -> list[Cell]:
        if measure is None:
            return [Cell(None, NONE, numeric=False), Cell(None, NONE, numeric=False)]
        return [
            self.comparator(measure, ComparatorFigure.Source.ENGLAND),
            self.comparator(measure, ComparatorFigure.Source.STATISTICAL_NEIGHBOURS),
        ]


COMPARATOR_COLUMNS = ["England", "Statistical neighbours"]


def replans_table(ctx: Context) -> ReportTable:
    figures = selectors.replan_figures(ctx.period, ctx.flows, ctx.build)
    started = figures.plans_started

    def row(label: str, name: str, n: int, measure: str | None) -> list[Cell]:
        return [
            text(label),
            count(n, ctx.plans_link(name)),
            share_cell(selectors.share(n, started)),
            *ctx.comparator_cells(measure),
        ]

    return ReportTable(
        key="re-plans",
        title="Re-plans",
        columns=[
            "Plans that started in the period",
            "Plans",
            "Share of plans started",
            *COMPARATOR_COLUMNS,
        ],
        rows=[
            [
                text("All plans that started"),
                count(started, ctx.plans_link("started")),
                Cell(None, NONE, numeric=False),
                Cell(None, NONE, numeric=False),
                Cell(None, NONE, numeric=False),
            ],
            row(
                "Second or subsequent plan (ever)",
                "replans",
                figures.second_or_subsequent,
                ComparatorMeasure.REPLAN_RATE,
            ),
            row(
                "Within 2 years of the previous plan's end",
                "replans_within_24_months",
                figures.within_24_months,
                ComparatorMeasure.REPLAN_WITHIN_24_MONTHS,
            ),
            row(
                f"Within {figures.window_months} months of the previous plan's end "
                "(the cohort window)",
                "replans_within_window",
                figures.within_window,
                None,
            ),
            row(
                "Re-plans whose previous plan we do not hold",
                "replans_previous_unknown",
                figures.previous_unknown,
                None,
            ),
        ],
        notes=[
            "A plan is a second or subsequent plan when the child has an earlier plan in our "
            "records or the census's NumberOfPreviousCPP is above 0.",
            '"Within" counts only re-plans whose previous plan we hold: where '
            "NumberOfPreviousCPP is more than the earlier plans we hold, the most recent earlier "
            "plan may be missing, so those re-plans are counted in the last row instead.",
        ],
    )


MEAN_BASELINE = " (no baseline chosen: the mean of these month ends)"


def cp_counts_table(ctx: Context) -> ReportTable:
    counts = selectors.cp_counts(
        ctx.period, as_of=ctx.as_of, baseline=ctx.baseline, band_percent=ctx.band_percent
    )
    lower, upper = counts.lower, counts.upper
    rows = [
        [
            Cell(month.day, f"{month.day:%-d %b %Y}", numeric=False),
            count(month.children, ctx.plans_link("open", at=month.day.isoformat())),
            Cell(counts.baseline, number(counts.baseline or 0)),
            Cell(
                round(lower, 1) if lower is not None else None,
                f"{lower:,.1f}" if lower is not None else NONE,
            ),
            Cell(
                round(upper, 1) if upper is not None else None,
                f"{upper:,.1f}" if upper is not None else NONE,
            ),
            text("Outside" if month.outside_band else "Within"),
        ]
        for month in counts.months
    ]
    england = ctx.comparator(ComparatorMeasure.CHILDREN_ON_PLAN, ComparatorFigure.Source.ENGLAND)
    notes = [
        f"Baseline {number(counts.baseline or 0)} with a band of ±{counts.band_percent}%"
        f"{'' if ctx.baseline is not None else MEAN_BASELINE}; "
        f"{counts.within_band} of {len(counts.months)} month ends within the band.",
    ]
    if england.value is not None:
        notes.append(f"England: {england.text} children on a plan at 31 March.")
    return ReportTable(
        key="children-on-a-plan",
        title="Children on a CP plan at each month end",
        columns=[
            "Month end",
            "Children on a plan",
            "Baseline",
            f"Baseline \u2212{counts.band_percent}%",
            f"Baseline +{counts.band_percent}%",
            "Against the band",
        ],
        rows=rows,
        notes=notes,
        chart=Chart("line", series=[1, 2, 3, 4], dashed=[3, 4], y_label="Children"),
        empty="No month ends in this period have figures yet.",
    )


def _band_rows(
    ctx: Context, bands: tuple[int, ...], link: Callable[[int], str], measures: dict[int, str]
) -> list[list[Cell]]:
    total = sum(bands)
    rows = [
        [
            text(band.label),
            count(bands[band.index], link(band.index)),
            share_cell(selectors.share(bands[band.index], total)),
            *ctx.comparator_cells(measures.get(band.index)),
        ]
        for band in DURATION_BANDS
    ]
    rows.append(
        [
            text("All"),
            count(total, link(-1)),
            share_cell(1.0 if total else None),
            *ctx.comparator_cells(None),
        ]
    )
    return rows


def open_durations_table(ctx: Context) -> ReportTable:
    at = ctx.period.stock_day(ctx.as_of)
    bands = selectors.open_plans_at([at])[at]

    def link(band: int) -> str:
        return ctx.plans_link("open", at=at.isoformat(), band=band if band >= 0 else None)

    return ReportTable(
        key="open-plans-by-duration",
        title=f"Open plans at {at:%-d %B %Y} by how long they had been open",
        columns=["Time on the plan", "Plans", "Share", *COMPARATOR_COLUMNS],
        rows=_band_rows(ctx, bands, link, {TWO_YEARS_PLUS.index: ComparatorMeasure.OPEN_2Y_PLUS}),
        chart=Chart("bar", series=[2], y_label="Share of open plans (%)", skip_last=True),
    )


def ended_durations_table(ctx: Context) -> ReportTable:
    def link(band: int) -> str:
        return ctx.plans_link("ended", band=band if band >= 0 else None)

    measures = {band.index: f"ended_band_{band.index}" for band in DURATION_BANDS}
    return ReportTable(
        key="ended-plans-by-duration",
        title="Plans that ended in the period, by how long they lasted",
        columns=["Time on the plan", "Plans", "Share", *COMPARATOR_COLUMNS],
        rows=_band_rows(ctx, ctx.flows.ended_bands, link, measures),
        chart=Chart("bar", series=[2, 3], y_label="Share of ended plans (%)", skip_last=True),
    )


def da_table(ctx: Context) -> ReportTable:
    flows = ctx.flows
    return ReportTable(
        key="domestic-abuse",
        title="Domestic abuse recorded at planning",
        columns=["Plans that started in the period", "Plans", "Share", *COMPARATOR_COLUMNS],
        rows=[
            [
                text("DA recorded at planning (of all plans started)"),
                count(flows.da_at_planning, ctx.plans_link("da_at_planning")),
                share_cell(selectors.share(flows.da_at_planning, flows.plans_started)),
                *ctx.comparator_cells(ComparatorMeasure.DA_AT_PLANNING),
            ],
            [
                text("Repeat plans where DA was recorded (of plans with DA at planning)"),
                count(flows.da_replans, ctx.plans_link("da_replans")),
                share_cell(selectors.share(flows.da_replans, flows.da_at_planning)),
                *ctx.comparator_cells(ComparatorMeasure.DA_REPLAN_RATE),
            ],
        ],
        notes=[
            "DA at planning: a DA risk flag recorded when the plan was made, or factor 3A, 3B or "
            "3C on the assessment that led to it (as the cohort rule reads it)."
        ],
    )


def funnel_table(ctx: Context) -> ReportTable:
    funnel = selectors.cohort_funnel(ctx.period)
    flagged = funnel.stages[0][2]
    rows = [
        [
            text(label),
            count(n, ctx.families_link(stage=stage)),
            share_cell(selectors.share(n, flagged)),
        ]
        for stage, label, n in funnel.stages
    ]
    rows += [
        [
            text(f"Closed: {label.lower()}"),
            count(n, ctx.families_link(stage=f"closed:{value}")),
            share_cell(selectors.share(n, flagged)),
        ]
        for value, label, n in funnel.closed_by_outcome
    ]
    return ReportTable(
        key="cohort-funnel",
        title="Transition cohort: families flagged in the period",
        columns=["Stage reached", "Families", "Share of families flagged"],
        rows=rows,
        notes=[
            "A family is counted at every stage it has reached, so a closed family also counts "
            "as accepted, allocated and started."
        ],
        chart=Chart("bar", series=[1], y_label="Families"),
    )


def outcome_summary_table(ctx: Context) -> ReportTable:
    outcome = ctx.build.outcome if ctx.build else {}
    rows = []
    for key, group in (outcome.get("groups") or {}).items():
        twelve = next((s for s in group["shares"] if s["months"] == 12), None)
        if twelve is None:
            continue
        rows.append(
            [
                text(group["label"]),
                count(group["families"], ctx.families_link(group=key)),
                count(twelve["followed"]),
                count(twelve["replanned"]),
                share_cell(twelve["share"]),
                text(interval_text(twelve["lower"], twelve["upper"])),
            ]
        )
    return ReportTable(
        key="cohort-outcome",
        title="New CP plan within 12 months of stepping down with domestic abuse",
        columns=[
            "Families",
            "In the evaluation",
            "Followed 12 months",
            "New plan within 12 months",
            "Share",
            "95% interval (Wilson)",
        ],
        rows=rows,
        notes=[OBSERVATIONAL],
        suppress_small=True,
        empty="No family has been through the evaluation yet.",
    )


OBSERVATIONAL = (
    "This is an observational comparison, not a trial: families were not allocated to the "
    "transition worker at random, so a difference between the groups may come from how they "
    "differ rather than from the work."
)


def interval_text(lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return NONE
    return f"{lower * 100:.1f}% to {upper * 100:.1f}%"


SECTIONS: list[Callable[[Context], ReportTable]] = [
    replans_table,
    cp_counts_table,
    open_durations_table,
    ended_durations_table,
    da_table,
    funnel_table,
    outcome_summary_table,
]


def build_tables(ctx: Context) -> list[ReportTable]:
    return [section(ctx) for section in SECTIONS]


# --- The outcome evaluation page ------------------------------------------------------------
def outcome_tables(
    build: FiguresBuild | None, families_link: Callable[[str], str]
) -> list[ReportTable]:
    """The Kaplan-Meier curves (with numbers at risk) and the 6/12/18-month shares, both groups
    side by side; counts of 1 to 4 are suppressed in exports."""
    groups = (build.outcome.get("groups") if build else None) or {}
    cohort, comparison = groups.get("cohort"), groups.get("comparison")
    if not cohort or not comparison:
        return []
    curve_rows = []
    for mine, theirs in zip(cohort["curve"] or [], comparison["curve"] or [], strict=False):
        curve_rows.append(
            [
                Cell(mine["months"], str(mine["months"])),
                count(mine["at_risk"]),
                share_cell(mine["replanned"]),
                share_cell(mine["lower"]),
                share_cell(mine["upper"]),
                count(theirs["at_risk"]),
                share_cell(theirs["replanned"]),
                share_cell(theirs["lower"]),
                share_cell(theirs["upper"]),
            ]
        )
    curve = ReportTable(
        key="outcome-curves",
        title="Share with a new CP plan by months since step-down (Kaplan-Meier)",
        columns=[
            "Months since step-down",
            "Cohort: families at risk",
            "Cohort: share with a new plan",
            "Cohort: 95% lower",
            "Cohort: 95% upper",
            "Comparison: families at risk",
            "Comparison: share with a new plan",
            "Comparison: 95% lower",
            "Comparison: 95% upper",
        ],
        rows=curve_rows,
        chart=Chart(
            "line",
            series=[2, 3, 4, 6, 7, 8],
            dashed=[3, 4, 7, 8],
            y_label="Share with a new plan (%)",
        ),
        notes=[
            "Families at risk: still followed and without a new plan at that time. A month here is "
            "365.25 / 12 days. The interval is pointwise (exponential Greenwood).",
            OBSERVATIONAL,
        ],
        suppress_small=True,
        empty="Both groups need at least one family stepped down before curves can be drawn.",
    )
    share_rows = []
    for key, group in (("cohort", cohort), ("comparison", comparison)):
        for item in group["shares"]:
            share_rows.append(
                [
                    Cell(group["label"], group["label"], link=families_link(key), numeric=False),
                    Cell(item["months"], f"{item['months']} months"),
                    count(item["followed"]),
                    count(item["replanned"]),
                    share_cell(item["share"]),
                    share_cell(item["lower"]),
                    share_cell(item["upper"]),
                ]
            )
    shares = ReportTable(
        key="outcome-shares",
        title="New CP plan within 6, 12 and 18 months of step-down",
        columns=[
            "Families",
            "Within",
            "Followed that long",
            "With a new plan",
            "Share",
            "95% lower (Wilson)",
            "95% upper (Wilson)",
        ],
        rows=share_rows,
        notes=[
            "Only families followed for the whole time (or with a new plan sooner) are counted: a "
            "family that stepped down 4 months ago is in the 6-month share only if it already has "
            "a new plan.",
            OBSERVATIONAL,
        ],
        suppress_small=True,
    )
    return [curve, shares]
