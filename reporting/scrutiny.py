"""The one-page scrutiny pack: headline sentences in the committee's own words, as a PDF.

The sentences are built from the same selectors as the dashboard. The PDF is rendered from a
Django template by WeasyPrint (ADR 0094); its fonts and page come from the template's own CSS, so
it needs nothing from the network.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from . import selectors
from .dashboard import OBSERVATIONAL, SMALL, SUPPRESSED, Context, interval_text, number, percent
from .measures import DURATION_BANDS, TWO_YEARS_PLUS, ComparatorMeasure
from .models import ComparatorFigure


def _england(ctx: Context, measure: str) -> str:
    figure = ctx.comparators.get((measure, ComparatorFigure.Source.ENGLAND))
    return f" England {figure.year}: {figure.value}%." if figure else ""


def _neighbours(ctx: Context, measure: str) -> str:
    figure = ctx.comparators.get((measure, ComparatorFigure.Source.STATISTICAL_NEIGHBOURS))
    return f" Statistical neighbours {figure.year}: {figure.value}%." if figure else ""


def _comparators(ctx: Context, measure: str) -> str:
    return _england(ctx, measure) + _neighbours(ctx, measure)


def _small(n: int) -> str:
    return SUPPRESSED if 0 < n < SMALL else number(n)


def headlines(ctx: Context) -> list[str]:
    """The pack's sentences, e.g. "24.5% of plans that started in the financial year 2024-25 were
    a second or subsequent plan (30 of 112)." """
    period, flows = ctx.period, ctx.flows
    replans = selectors.replan_figures(period, flows, ctx.build)
    started = replans.plans_started
    lines = [
        f"{percent(replans.rate)} of plans that started in {period.label} were a second or "
        f"subsequent plan ({number(replans.second_or_subsequent)} of {number(started)})."
        + _comparators(ctx, ComparatorMeasure.REPLAN_RATE),
        f"{number(replans.within_24_months)} of the {number(started)} plans "
        f"({percent(replans.rate_within_24_months)}) started within 2 years of the child's "
        f"previous plan ending, and {number(replans.within_window)} "
        f"({percent(replans.rate_within_window)}) within {replans.window_months} months; for "
        f"{number(replans.previous_unknown)} re-plans we do not hold the previous plan.",
    ]
    counts = selectors.cp_counts(
        period, as_of=ctx.as_of, baseline=ctx.baseline, band_percent=ctx.band_percent
    )
    if counts.months:
        last, high, low = counts.months[-1], counts.highest, counts.lowest
        assert high is not None  # noqa: S101 - months is not empty
        assert low is not None  # noqa: S101
        lines.append(
            f"{number(last.children)} children were on a child protection plan at "
            f"{last.day:%-d %B %Y}. Over the period the month-end number ranged from "
            f"{number(low.children)} ({low.day:%B %Y}) to {number(high.children)} "
            f"({high.day:%B %Y}), within ±{counts.band_percent}% of "
            f"{number(counts.baseline or 0)} in {counts.within_band} of {len(counts.months)} "
            "months."
        )
    durations = selectors.durations(period, as_of=ctx.as_of, flows=flows)
    two_years = TWO_YEARS_PLUS.index
    lines.append(
        f"{percent(durations.open_2y_plus_share)} of plans open at {durations.at:%-d %B %Y} had "
        f"been open 2 years or more ({number(durations.open_bands[two_years])} of "
        f"{number(durations.open_total)})." + _comparators(ctx, ComparatorMeasure.OPEN_2Y_PLUS)
    )
    lines.append(
        f"{percent(durations.ended_2y_plus_share)} of plans that ended in the period had lasted "
        f"2 years or more ({number(durations.ended_bands[two_years])} of "
        f"{number(durations.ended_total)})." + _comparators(ctx, ComparatorMeasure.ENDED_BAND_4)
    )
    lines.append(
        f"Domestic abuse was recorded at planning for "
        f"{percent(selectors.share(flows.da_at_planning, started))} of the plans that started "
        f"({number(flows.da_at_planning)} of {number(started)}); "
        f"{number(flows.da_replans)} of those were repeat plans."
    )
    funnel = {stage: n for stage, _, n in selectors.cohort_funnel(period).stages}
    lines.append(
        f"{number(funnel['flagged'])} families were flagged for the transition cohort in the "
        f"period; {number(funnel['accepted'])} were accepted and {number(funnel['allocated'])} "
        "allocated a transition worker."
    )
    lines.extend(_outcome_lines(ctx))
    return lines


def _outcome_lines(ctx: Context) -> list[str]:
    groups = (ctx.build.outcome.get("groups") if ctx.build else None) or {}
    cohort, comparison = groups.get("cohort"), groups.get("comparison")
    if not cohort or not comparison or not cohort["families"]:
        return []

    def twelve(group: dict[str, Any]) -> dict[str, Any]:
        return next(s for s in group["shares"] if s["months"] == 12)

    mine, theirs = twelve(cohort), twelve(comparison)
    if mine["followed"] == 0:
        return []

    def described(item: dict[str, Any]) -> str:
        if 0 < item["replanned"] < SMALL or 0 < item["followed"] < SMALL:
            return f"{_small(item['replanned'])} of {_small(item['followed'])}"
        return (
            f"{number(item['replanned'])} of {number(item['followed'])}, {percent(item['share'])}"
            f" (95% interval {interval_text(item['lower'], item['upper'])})"
        )

    return [
        "Of cohort families followed for 12 months after stepping down, "
        f"{described(mine)} had a new child protection plan, against {described(theirs)} of other "
        f"families stepping down with domestic abuse. {OBSERVATIONAL}"
    ]


def band_rows(ctx: Context) -> tuple[Any, list[tuple[str, int, int]]]:
    """The day open plans are counted at, and each band's open and ended plans."""
    durations = selectors.durations(ctx.period, as_of=ctx.as_of, flows=ctx.flows)
    return durations.at, [
        (band.label, durations.open_bands[band.index], durations.ended_bands[band.index])
        for band in DURATION_BANDS
    ]


def render_pdf(ctx: Context, *, base_url: str) -> bytes:
    from weasyprint import HTML

    open_at, bands = band_rows(ctx)
    html = render_to_string(
        "reporting/scrutiny_pack.html",
        {
            "ctx": ctx,
            "headlines": headlines(ctx),
            "bands": bands,
            "open_at": open_at,
            "authority": settings.AUTHORITY_NAME,
        },
    )
    return bytes(HTML(string=html, base_url=base_url).write_pdf())
