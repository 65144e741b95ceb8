"""Reads of the cohort. Each starts from `visible_to(user)`, then loads what the page shows in a
fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from cases.models import CPPlan, FamilyGroupObjectPermission, Team

from .models import (
    CohortDispute,
    CohortFlag,
    CohortFlagChild,
    CohortFlagEvent,
    CohortRun,
    CohortRunResult,
)

FLAG_SORTS = {
    "-flagged": ("-flagged_on", "-id"),
    "flagged": ("flagged_on", "id"),
    "family": ("family__reference", "id"),
    "status": ("status", "-flagged_on", "-id"),
}


@dataclass(frozen=True)
class FlagFilters:
    status: str = ""
    flagged_since: dt.date | None = None
    team: Team | None = None
    worker_id: int | None = None
    sort: str = "-flagged"


def _filtered(user: Any, filters: FlagFilters, *, with_status: bool = True) -> QuerySet[CohortFlag]:
    flags = CohortFlag.objects.visible_to(user)
    if with_status and filters.status:
        flags = flags.filter(status=filters.status)
    if filters.flagged_since:
        flags = flags.filter(flagged_on__gte=filters.flagged_since)
    if filters.team is not None:
        flags = flags.filter(
            Exists(
                FamilyGroupObjectPermission.objects.filter(
                    content_object=OuterRef("family"), group=filters.team.group_id
                )
            )
        )
    if filters.worker_id:
        flags = flags.filter(worker_id=filters.worker_id)
    return flags


def cohort_flag_list(*, user: Any, filters: FlagFilters) -> QuerySet[CohortFlag]:
    """Flags the user may see, filtered and sorted, with their family, worker and children."""
    children = CohortFlagChild.objects.select_related("child", "result").order_by("child_id")
    return (
        _filtered(user, filters)
        .select_related("family", "worker")
        .prefetch_related(Prefetch("children", queryset=children))
        .annotate(open_disputes=Count("disputes", filter=Q(disputes__answered_at__isnull=True)))
        .order_by(*FLAG_SORTS.get(filters.sort, FLAG_SORTS["-flagged"]))
    )


def cohort_status_counts(*, user: Any, filters: FlagFilters) -> dict[str, int]:
    """How many visible flags are in each status, under every filter but the status one."""
    counts = dict(
        _filtered(user, filters, with_status=False)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in CohortFlag.Status.values}


def cohort_flag_detail(*, user: Any, pk: int) -> CohortFlag:
    """One flag the user may see (404 otherwise), with the why of each child, a timeline of each
    child's CP plans, the status history and the challenges."""
    plans = CPPlan.objects.select_related("step_down").order_by("start_date")
    children = CohortFlagChild.objects.select_related(
        "child", "plan", "result__run", "result__da_flag", "result__previous_plan"
    ).prefetch_related(
        Prefetch("child__cp_plans", queryset=plans),
        "result__da_assessment__factors",
    )
    queryset = (
        CohortFlag.objects.visible_to(user)
        .select_related("family", "worker", "first_run")
        .prefetch_related(
            Prefetch("children", queryset=children.order_by("child_id")),
            Prefetch("events", queryset=CohortFlagEvent.objects.select_related("actor")),
            Prefetch(
                "disputes",
                queryset=CohortDispute.objects.select_related("raised_by", "answered_by"),
            ),
        )
    )
    return get_object_or_404(queryset, pk=pk)


def cohort_flag_for_update(*, user: Any, pk: int) -> CohortFlag:
    """A flag the user may see, for a form that changes it (404 otherwise)."""
    return get_object_or_404(CohortFlag.objects.visible_to(user).select_related("family"), pk=pk)


def cohort_run_list(*, user: Any) -> QuerySet[CohortRun]:
    return CohortRun.objects.visible_to(user).order_by("-started_at", "-id")


def cohort_run_detail(*, user: Any, pk: int) -> tuple[CohortRun, QuerySet[CohortRunResult]]:
    """A run and the children it picked out that were not flagged (near misses)."""
    run = get_object_or_404(cohort_run_list(user=user), pk=pk)
    near_misses = (
        run.results.exclude(outcome=CohortRunResult.Outcome.QUALIFIES)
        .select_related("child", "family")
        .order_by("child__la_child_id")
    )
    return run, near_misses


# --- CSV -----------------------------------------------------------------------------------------
EXPORT_HEADER = (
    "la_child_id",
    "family_reference",
    "cp_plan_start",
    "cp_plan_end",
    "previous_cp_plan_end",
    "da_evidence",
    "da_evidence_date",
    "months_on_plan",
    "step_down_decided_on",
    "step_down_date",
    "flagged_on",
    "status",
    "transition_worker",
)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _export_row(result: CohortRunResult, flag: CohortFlag | None) -> list[str]:
    if result.da_flag_id:
        evidence, evidence_date = (
            f"DA risk flag ({result.da_flag_source})",
            result.da_flag_recorded_on,
        )
    else:
        evidence, evidence_date = "assessment factor", result.da_assessment_start
    return [
        result.child.la_child_id or "",
        result.family.reference if result.family else "",
        _iso(result.plan_start),
        _iso(result.plan_end),
        _iso(result.previous_plan_end),
        evidence,
        _iso(evidence_date),
        str(result.months_on_plan),
        _iso(result.step_down_decided_on),
        _iso(result.step_down_date),
        _iso(flag.flagged_on) if flag else "",
        flag.status if flag else "",
        str(flag.worker) if flag and flag.worker else "",
    ]


def cohort_export_rows(flags: QuerySet[CohortFlag]) -> Iterator[list[str]]:
    """One row per child named on the given flags (use a selector's visible queryset)."""
    children = (
        CohortFlagChild.objects.filter(flag__in=flags)
        .select_related("flag__worker", "result__run", "result__child", "result__family")
        .order_by("flag__family__reference", "result__child__la_child_id")
    )
    for child in children.iterator(chunk_size=2000):
        yield _export_row(child.result, child.flag)


def cohort_export_rows_as_of(as_of: dt.date) -> Iterator[list[str]]:
    """One row per child qualifying in the latest successful run for `as_of`, with the status of
    the flag that names them (command line: whole-authority export)."""
    run = (
        CohortRun.objects.filter(as_of=as_of, status=CohortRun.Status.SUCCEEDED)
        .order_by("-started_at", "-id")
        .first()
    )
    if run is None:
        return
    flag_children = {
        fc.plan_id: fc.flag
        for fc in CohortFlagChild.objects.filter(
            plan__in=run.results.values("plan")
        ).select_related("flag__worker")
    }
    results = (
        run.results.filter(outcome=CohortRunResult.Outcome.QUALIFIES)
        .select_related("run", "child", "family")
        .order_by("family__reference", "child__la_child_id")
    )
    for result in results.iterator(chunk_size=2000):
        yield _export_row(result, flag_children.get(result.plan_id))


def csv_write(out: Any, rows: Iterable[list[str]]) -> None:
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(rows)
