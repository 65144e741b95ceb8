"""Managers' reports: the dashboard, its drill-down lists, exports, the scrutiny pack, the outcome
evaluation and comparator figures. Manager-only (403 for anyone else signed in); the lists behind
a figure start from `visible_to(user)`, and every export is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import audit_read
from cases.roles import Role
from cases.selectors import families_of_people
from config.exports import Table, csv_response, xlsx_response
from config.forms import form_add_service_errors

from . import dashboard, scrutiny, selectors, services, tasks
from .forms import ComparatorForm, PeriodForm
from .measures import DURATION_BANDS
from .models import ComparatorFigure
from .outcomes import GROUPS
from .periods import Period

PAGE_SIZE = 50
FORMATS = ("csv", "xlsx")


def _require_manager(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.MANAGER:
        raise PermissionDenied


def _context(request: HttpRequest) -> tuple[PeriodForm, dashboard.Context]:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today)
    build = selectors.latest_build()
    baseline, band = form.baseline_and_band()
    ctx = dashboard.Context(
        period=form.get_period(),
        as_of=build.as_of if build else today,
        build=build,
        baseline=baseline,
        band_percent=band,
        comparators=selectors.comparator_figures(),
    )
    return form, ctx


def _query(request: HttpRequest, *drop: str) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form, ctx = _context(request)
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "ctx": ctx,
            "tables": dashboard.build_tables(ctx) if ctx.build else [],
            "query": _query(request),
            "chosen": form.chosen_kind(),
            "download_url": f"{reverse('reporting:dashboard')}download/",
        },
    )


@login_required
def dashboard_export_view(request: HttpRequest, key: str, file_format: str) -> HttpResponse:
    """One dashboard table as CSV or XLSX, or every table (`key` "dashboard") as one XLSX."""
    _require_manager(request)
    if file_format not in FORMATS:
        raise Http404
    _, ctx = _context(request)
    if ctx.build is None:
        raise Http404("No figures have been built yet.")
    tables = dashboard.build_tables(ctx)
    chosen = tables if key == "dashboard" else [t for t in tables if t.key == key]
    if not chosen or (len(chosen) > 1 and file_format == "csv"):
        raise Http404
    exports = [table.export() for table in chosen]
    services.report_export_record(
        actor=request.user,
        report=f"dashboard/{key}",
        file_format=file_format,
        details={**ctx.period.query(), "build": ctx.build.pk, "tables": [t.key for t in chosen]},
    )
    stem = f"{key}-{ctx.period.start:%Y-%m-%d}-to-{ctx.period.end:%Y-%m-%d}"
    if file_format == "csv":
        return csv_response(exports[0], filename=f"{stem}.csv")
    return xlsx_response(exports, filename=f"{stem}.xlsx")


@login_required
def scrutiny_pack_view(request: HttpRequest) -> HttpResponse:
    """The one-page scrutiny pack (PDF) for the chosen period."""
    _require_manager(request)
    _, ctx = _context(request)
    if ctx.build is None:
        raise Http404("No figures have been built yet.")
    pdf = scrutiny.render_pdf(ctx, base_url=request.build_absolute_uri("/"))
    services.report_export_record(
        actor=request.user,
        report="scrutiny-pack",
        file_format="pdf",
        details={**ctx.period.query(), "build": ctx.build.pk},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    stem = f"scrutiny-pack-{ctx.period.start:%Y-%m-%d}-to-{ctx.period.end:%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def refresh_view(request: HttpRequest) -> HttpResponse:
    """Queue a rebuild of the figures now (after a census import, say)."""
    _require_manager(request)
    tasks.figures_build_nightly.delay_on_commit(None, request.user.pk)
    messages.success(request, "The figures are being rebuilt. Reload this page in a minute.")
    return redirect(f"{reverse('reporting:dashboard')}?{_query(request)}")


# --- Drill-down lists -------------------------------------------------------------------------
PLAN_LISTS: dict[str, tuple[str, str]] = {
    "started": ("started", "Plans that started"),
    "replans": ("started", "Second or subsequent plans"),
    "replans_within_24_months": ("started", "Re-plans within 2 years of the previous plan"),
    "replans_within_window": ("started", "Re-plans within the cohort window"),
    "replans_previous_unknown": ("started", "Re-plans whose previous plan we do not hold"),
    "da_at_planning": ("started", "Plans with domestic abuse recorded at planning"),
    "da_replans": ("started", "Repeat plans with domestic abuse recorded at planning"),
    "ended": ("ended", "Plans that ended"),
    "open": ("open", "Plans open"),
}


def _iso(value: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError as error:
        raise ValidationError(f"The link's {name} date is not a date.") from error


def _plan_list_request(request: HttpRequest) -> dict[str, Any]:
    """The drill-down named by the query string; ValidationError when the link is malformed."""
    name = request.GET.get("list", "")
    if name not in PLAN_LISTS:
        raise ValidationError("The link does not name a list.")
    kind, title = PLAN_LISTS[name]
    band_text = request.GET.get("band")
    band = None
    if band_text not in (None, ""):
        # ASCII digits only: str.isdigit() also says yes to "²", which int() refuses.
        if not (band_text.isascii() and band_text.isdigit()) or int(band_text) >= len(
            DURATION_BANDS
        ):
            raise ValidationError("The link's duration band is not one we know.")
        band = int(band_text)
    at = _iso(request.GET.get("at"), "day") if kind == "open" else None
    start, end = _iso(request.GET.get("from"), "start"), _iso(request.GET.get("to"), "end")
    if end < start:
        raise ValidationError("The link's period ends before it starts.")
    period = Period.custom(start, end)
    if band is not None:
        title = f"{title}: {DURATION_BANDS[band].label.lower()}"
    if kind == "open":
        assert at is not None  # noqa: S101 - set above for this kind
        title = f"{title} at {at:%-d %B %Y}"
    else:
        title = f"{title} between {start:%-d %B %Y} and {end:%-d %B %Y}"
    return {
        "selection": selectors.PlanList(kind=kind, name=name, band=band),
        "period": period,
        "at": at,
        "title": title,
    }


def _bad_link(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return render(request, "reporting/bad_link.html", {"errors": error.messages}, status=400)


def _plan_rows(plans: Any) -> list[list[Any]]:
    return [
        [
            plan.child.la_child_id or "",
            str(plan.child),
            plan.family_reference or "",
            plan.start_date,
            plan.end_date,
            plan.previous_end,
            plan.number_of_previous_cpp,
        ]
        for plan in plans
    ]


PLAN_HEADER = [
    "LA child ID",
    "Child",
    "Family",
    "Plan started",
    "Plan ended",
    "Previous plan ended",
    "NumberOfPreviousCPP (recorded)",
]


@login_required
def plans_view(request: HttpRequest) -> HttpResponse:
    """The plans behind a figure (manager-only; from `CPPlan.objects.visible_to(user)`)."""
    _require_manager(request)
    try:
        chosen = _plan_list_request(request)
    except ValidationError as error:
        return _bad_link(request, error)
    ids = selectors.drilldown_plan_ids(
        user=request.user, selection=chosen["selection"], period=chosen["period"], at=chosen["at"]
    )
    file_format = request.GET.get("format")
    if file_format in FORMATS:
        rows = [plan for chunk in _chunks(ids) for plan in selectors.plans_by_ids(chunk)]
        _audit_plans(request, rows, "reporting.plans_export")
        services.report_export_record(
            actor=request.user,
            report=f"plans/{chosen['selection'].name}",
            file_format=file_format,
            details={**request.GET.dict(), "rows": len(rows)},
        )
        table = Table(chosen["title"], PLAN_HEADER, _plan_rows(rows))
        stem = f"plans-{chosen['selection'].name}"
        if file_format == "csv":
            return csv_response(table, filename=f"{stem}.csv")
        return xlsx_response([table], filename=f"{stem}.xlsx")
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    plans = selectors.plans_by_ids(list(page.object_list))
    _audit_plans(request, plans, "reporting.plans_list")
    query = _query(request, "page", "format")
    return render(
        request,
        "reporting/plan_list.html",
        {**chosen, "page": page, "plans": plans, "query": query, "query_prefix": f"{query}&"},
    )


def _audit_plans(request: HttpRequest, plans: list[Any], action: str) -> None:
    """A plan read is in the trail of each of its child's families (ADR 0043)."""
    by_child = families_of_people(person_ids=[plan.child_id for plan in plans])
    audit_read(
        actor=request.user,
        targets=plans,
        action=action,
        families={plan.pk: by_child.get(plan.child_id, []) for plan in plans},
    )


def _chunks(ids: list[int], size: int = 2000) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


FAMILY_LISTS = dict(selectors.FUNNEL_STAGES)


@login_required
def families_view(request: HttpRequest) -> HttpResponse:
    """The families behind a cohort funnel stage or an outcome group (manager-only)."""
    _require_manager(request)
    stage, group = request.GET.get("stage"), request.GET.get("group")
    try:
        if group is not None:
            if group not in GROUPS:
                raise ValidationError("The link does not name a group.")
            build = selectors.latest_build()
            as_of = build.as_of if build else timezone.localdate()
            families = selectors.drilldown_outcome_families(
                user=request.user, group=group, as_of=as_of
            )
            title = f"{GROUPS[group]}: families in the outcome evaluation at {as_of:%-d %B %Y}"
        else:
            status, _, outcome = (stage or "").partition(":")
            if status not in FAMILY_LISTS or (outcome and status != "closed"):
                raise ValidationError("The link does not name a stage.")
            start = _iso(request.GET.get("from"), "start")
            end = _iso(request.GET.get("to"), "end")
            if end < start:
                raise ValidationError("The link's period ends before it starts.")
            families = selectors.drilldown_funnel_families(
                user=request.user, period=Period.custom(start, end), stage=stage or ""
            )
            label = FAMILY_LISTS[status] + (f" ({outcome.replace('_', ' ')})" if outcome else "")
            title = (
                f"Families flagged between {start:%-d %B %Y} and {end:%-d %B %Y}: {label.lower()}"
            )
    except ValidationError as error:
        return _bad_link(request, error)
    page = Paginator(families, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(actor=request.user, targets=page.object_list, action="reporting.families_list")
    query = _query(request, "page")
    return render(
        request,
        "reporting/family_list.html",
        {"title": title, "page": page, "query": query, "query_prefix": f"{query}&"},
    )


# --- Outcome evaluation -------------------------------------------------------------------------
def _outcome_tables(request: HttpRequest) -> tuple[Any, list[dashboard.ReportTable]]:
    build = selectors.latest_build()

    def link(group: str) -> str:
        return f"{reverse('reporting:families')}?group={group}"

    return build, dashboard.outcome_tables(build, link)


@login_required
def outcome_view(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    build, tables = _outcome_tables(request)
    outcome = build.outcome if build else {}
    return render(
        request,
        "reporting/outcome.html",
        {
            "build": build,
            "outcome": outcome,
            "groups": (outcome.get("groups") or {}).values(),
            "tables": tables,
            "observational": dashboard.OBSERVATIONAL,
            "outcome_download_url": f"{reverse('reporting:outcomes')}download/",
        },
    )


@login_required
def outcome_export_view(request: HttpRequest, key: str, file_format: str) -> HttpResponse:
    """The outcome tables as CSV/XLSX, with counts of 1 to 4 shown as "fewer than 5"."""
    _require_manager(request)
    build, tables = _outcome_tables(request)
    chosen = tables if key == "outcome" else [t for t in tables if t.key == key]
    if file_format not in FORMATS or not chosen or (len(chosen) > 1 and file_format == "csv"):
        raise Http404
    services.report_export_record(
        actor=request.user,
        report=f"outcome/{key}",
        file_format=file_format,
        details={"build": build.pk if build else None, "suppressed_below": dashboard.SMALL},
    )
    exports = [table.export() for table in chosen]
    if file_format == "csv":
        return csv_response(exports[0], filename=f"{key}.csv")
    return xlsx_response(exports, filename=f"{key}.xlsx")


# --- Comparator figures -------------------------------------------------------------------------
@login_required
def comparators_view(request: HttpRequest) -> HttpResponse:
    """England's and statistical neighbours' figures; a manager adds or corrects one here."""
    _require_manager(request)
    form = ComparatorForm(request.POST or None, initial={"source": "neighbours"})
    if request.method == "POST" and form.is_valid():
        try:
            services.comparator_figure_save(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "The figure was saved.")
            return redirect("reporting:comparators")
    return render(
        request,
        "reporting/comparators.html",
        {"form": form, "figures": selectors.comparator_list()},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def comparator_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    figure = get_object_or_404(ComparatorFigure, pk=pk)
    services.comparator_figure_delete(actor=request.user, figure=figure)
    messages.success(request, "The figure was removed.")
    return redirect("reporting:comparators")
