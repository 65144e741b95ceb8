"""Census pages for managers: upload, progress (polled JSON), report, CSV download, and the
data quality page (held-back elements to correct and re-apply, or dismiss).

A signed-in user in another role gets 403, as on every council-only page; an import that does
not exist is 404 (ADR 0042). The report names children (LA child IDs), so reading it is an
audited read.
"""

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from audit.services import audit_read
from config.forms import form_add_service_errors

from .forms import CensusUploadForm, DismissForm, correction_form_for
from .models import CensusHeldBack
from .selectors import (
    census_held_back_detail,
    census_held_back_list,
    census_import_allowed,
    census_import_detail,
    census_import_issues,
    census_imports_visible,
    census_report_rows,
)
from .services import (
    census_held_back_apply,
    census_held_back_dismiss,
    census_import_interrupted,
    census_import_retry,
    census_upload_store,
)

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
            "files": job.files.order_by("position"),
            "interrupted": census_import_interrupted(job),
            "page": page,
            "status_url": reverse("census:import_status", args=[job.pk]),
            "rows_created": sorted((job.counts.get("rows_created") or {}).items()),
        },
    )


@require_POST
@manager_required
def import_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = census_import_detail(user=request.user, pk=pk)
    try:
        census_import_retry(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("census:import_detail", pk=job.pk)


@manager_required
def held_back_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CensusHeldBack.Status.OPEN)
    if status not in CensusHeldBack.Status.values and status != "all":
        status = CensusHeldBack.Status.OPEN
    held = census_held_back_list(user=request.user, status="" if status == "all" else status)
    page = Paginator(held, PAGE_SIZE).get_page(request.GET.get("page"))
    # The list names children by LA child ID: an audited read, like the import report (ADR 0043).
    audit_read(
        actor=request.user,
        targets=page.object_list,
        action="census_held_back.list",
        details={"la_child_ids": _child_ids(page.object_list)},
    )
    return render(
        request,
        "census/held_back_list.html",
        {"page": page, "status": status, "statuses": CensusHeldBack.Status.choices},
    )


@manager_required
def held_back_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = census_held_back_detail(user=request.user, pk=pk)
    audit_read(
        actor=request.user,
        targets=[item],
        action="census_held_back.view",
        details={"la_child_ids": _child_ids([item])},
    )
    form = correction_form_for(item, data=request.POST if request.method == "POST" else None)
    dismiss = DismissForm(request.POST if "dismiss" in request.POST else None)
    if request.method == "POST" and item.status == CensusHeldBack.Status.OPEN:
        if "dismiss" in request.POST:
            form = correction_form_for(item)
            if dismiss.is_valid():
                census_held_back_dismiss(
                    actor=request.user, item=item, reason=dismiss.cleaned_data["reason"]
                )
                messages.success(request, "Dismissed: it stays out of the case record.")
                return redirect("census:held_back_list")
        elif form.is_valid():
            try:
                census_held_back_apply(actor=request.user, item=item, values=form.values())
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, "Corrected and applied to the case record.")
                return redirect("census:held_back_list")
    return render(
        request, "census/held_back_detail.html", {"item": item, "form": form, "dismiss": dismiss}
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


def _child_ids(rows: Any) -> list[str]:
    """The LA child IDs a page of report lines or held-back elements shows."""
    return sorted({row.la_child_id for row in rows if row.la_child_id})
