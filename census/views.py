"""Census import pages for managers: upload, progress (polled JSON), report, CSV download.

A signed-in user in another role gets 403, as on every council-only page; an import that does
not exist is 404 (ADR 0042). The report names children (LA child IDs), so reading it is an
audited read.
"""

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from audit.services import audit_read

from .forms import CensusUploadForm
from .selectors import (
    census_import_allowed,
    census_import_detail,
    census_import_issues,
    census_imports_visible,
    census_report_rows,
)
from .services import census_upload_store

PAGE_SIZE = 50


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not census_import_allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@manager_required
def upload_view(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = CensusUploadForm(request.POST if bound else None, request.FILES if bound else None)
    if bound and form.is_valid():
        job = census_upload_store(
            actor=request.user,
            uploads=form.cleaned_data["returns"],
            families=form.cleaned_data["families"],
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect("census:import_detail", pk=job.pk)
    recent = census_imports_visible(user=request.user)[:10]
    return render(request, "census/upload.html", {"form": form, "recent": recent})


@manager_required
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = census_import_detail(user=request.user, pk=pk)
    page = Paginator(census_import_issues(job=job), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(
        actor=request.user,
        targets=[job],
        action="census_import.view",
        details={"page": page.number, "la_child_ids": _child_ids(page.object_list)},
    )
    return render(
        request,
        "census/import_detail.html",
        {
            "job": job,
            "page": page,
            "status_url": reverse("census:import_status", args=[job.pk]),
            "rows_created": sorted((job.counts.get("rows_created") or {}).items()),
        },
    )


@require_GET
@manager_required
def import_status_view(request: HttpRequest, pk: int) -> JsonResponse:
    job = census_import_detail(user=request.user, pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "finished": job.finished,
            "children_total": job.children_total,
            "children_done": job.children_done,
            "percent": job.percent_done,
            "message": job.message,
        }
    )


@require_GET
@manager_required
def import_report_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = census_import_detail(user=request.user, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="census-import-{job.pk}-report.csv"'
    rows = census_report_rows(job=job)
    audit_read(
        actor=request.user,
        targets=[job],
        action="census_import.report",
        details={"la_child_ids": sorted({row[1] for row in rows[1:] if row[1]})},
    )
    csv.writer(response).writerows(rows)
    return response


def _child_ids(issues: Any) -> list[str]:
    return sorted({issue.la_child_id for issue in issues if issue.la_child_id})
