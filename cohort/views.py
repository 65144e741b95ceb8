"""Browser pages for the transition cohort. Thin: selectors read, services write, the audit log
records every read of a flag (which names a family)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from audit.services import audit_read
from cases import access
from cases.roles import Role
from config.forms import form_add_service_errors

from . import services
from .forms import (
    AcceptForm,
    ActivateForm,
    AllocateForm,
    AnswerForm,
    CloseForm,
    DeclineForm,
    DisputeForm,
    FlagFilterForm,
    ReallocateForm,
)
from .models import CohortDispute, CohortFlag
from .querysets import COHORT_PAGE_ROLES, COHORT_REVIEW_ROLES
from .selectors import (
    cohort_export_rows,
    cohort_flag_detail,
    cohort_flag_for_update,
    cohort_flag_list,
    cohort_run_detail,
    cohort_run_list,
    cohort_status_counts,
    csv_write,
)

PAGE_SIZE = 25


def _require(request: HttpRequest, roles: frozenset[str] | set[str]) -> None:
    if getattr(request.user, "role", None) not in roles:
        raise PermissionDenied


def _filter_form(request: HttpRequest) -> FlagFilterForm:
    form = FlagFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown as an error and ignored
    return form


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def cohort_list_view(request: HttpRequest) -> HttpResponse:
    _require(request, COHORT_PAGE_ROLES)
    form = _filter_form(request)
    filters = form.filters()
    flags = cohort_flag_list(user=request.user, filters=filters)
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(actor=request.user, targets=page.object_list, action="cohort_flag.list")
    query = _query_without_page(request)
    counts = cohort_status_counts(user=request.user, filters=filters)
    return render(
        request,
        "cohort/flag_list.html",
        {
            "form": form,
            "page": page,
            "status_counts": [
                (value, label, counts[value]) for value, label in CohortFlag.Status.choices
            ],
            "filters": filters,
            "query": query,
            "query_prefix": f"{query}&" if query else "",
            "is_reviewer": getattr(request.user, "role", None) in COHORT_REVIEW_ROLES,
        },
    )


@login_required
def cohort_export_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV, one row per child named on a flag, with the why (plan dates):
    the access policy must give the user both the cohort and the plans sections."""
    _require(request, COHORT_REVIEW_ROLES)
    if not {access.COHORT.code, access.PLANS.code} <= access.role_sections(request.user):
        raise PermissionDenied
    flags = (
        cohort_flag_list(user=request.user, filters=_filter_form(request).filters())
        .select_related(None)
        .prefetch_related(None)
        .only("id", "family_id")
    )
    audit_read(actor=request.user, targets=flags, action="cohort_flag.export")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="transition-cohort-{stamp}.csv"'
    csv_write(response, cohort_export_rows(flags))
    return response


def _flag_permissions(user: Any, flag: CohortFlag) -> dict[str, bool]:
    """Which actions the page offers; the services check the same again."""
    role = getattr(user, "role", None)
    is_worker = flag.worker_id == user.pk
    status = flag.status
    return {
        "accept": role == Role.IRO and status == CohortFlag.Status.FLAGGED,
        "decline": role == Role.IRO and status == CohortFlag.Status.FLAGGED,
        "allocate": role == Role.MANAGER and status == CohortFlag.Status.ACCEPTED,
        "reallocate": role == Role.MANAGER
        and status in (CohortFlag.Status.ALLOCATED, CohortFlag.Status.ACTIVE),
        "activate": (role == Role.MANAGER or is_worker) and status == CohortFlag.Status.ALLOCATED,
        "close": (role == Role.MANAGER or is_worker) and status == CohortFlag.Status.ACTIVE,
        "dispute": role == Role.IRO and status != CohortFlag.Status.CLOSED,
        "answer": role == Role.MANAGER,
    }


@login_required
def cohort_flag_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, COHORT_PAGE_ROLES)
    flag = cohort_flag_detail(user=request.user, pk=pk)
    audit_read(actor=request.user, targets=[flag], action="cohort_flag.view")
    return render(
        request,
        "cohort/flag_detail.html",
        {"flag": flag, "can": _flag_permissions(request.user, flag)},
    )


def _flag_action(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[forms.Form],
    permission: str,
    title: str,
    button: str,
    done: str,
    perform: Callable[[Any, CohortFlag, dict[str, Any]], object],
    button_class: str = "",
) -> HttpResponse:
    """GET shows the form; POST validates it and calls the service; its refusals become form
    errors (state) or 403 (role)."""
    _require(request, COHORT_PAGE_ROLES)
    flag = cohort_flag_for_update(user=request.user, pk=pk)
    if not _flag_permissions(request.user, flag)[permission]:
        raise PermissionDenied
    if request.method == "GET":
        audit_read(actor=request.user, targets=[flag], action="cohort_flag.view")
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(request.user, flag, form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("cohort:flag_detail", pk=flag.pk)
    return render(
        request,
        "cohort/flag_action.html",
        {
            "flag": flag,
            "form": form,
            "title": title,
            "button": button,
            "button_class": button_class,
        },
    )


@login_required
def flag_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_action(
        request,
        pk,
        form_class=AcceptForm,
        permission="accept",
        title="Accept this family into the transition cohort",
        button="Accept flag",
        done="Flag accepted. A manager can now allocate a transition worker.",
        perform=lambda user, flag, data: services.cohort_flag_accept(
            actor=user, flag=flag, note=data["note"]
        ),
    )


@login_required
def flag_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_action(
        request,
        pk,
        form_class=DeclineForm,
        permission="decline",
        title="Decline this flag",
        button="Decline flag",
        button_class="govuk-button--warning",
        done="Flag declined.",
        perform=lambda user, flag, data: services.cohort_flag_decline(
            actor=user, flag=flag, reason=data["reason"]
        ),
    )


@login_required
def flag_allocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_action(
        request,
        pk,
        form_class=AllocateForm,
        permission="allocate",
        title="Allocate a transition worker",
        button="Allocate",
        done="Transition worker allocated. The first risk review is due in four weeks.",
        perform=lambda user, flag, data: services.cohort_flag_allocate(
            actor=user, flag=flag, worker=data["worker"], note=data["note"]
        ),
    )


@login_required
def flag_reallocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_action(
        request,
        pk,
        form_class=ReallocateForm,
        permission="reallocate",
        title="Reallocate to another transition worker",
        button="Reallocate",
        done="Family reallocated to another transition worker. Review dates are unchanged.",
        perform=lambda user, flag, data: services.cohort_flag_reallocate(
            actor=user, flag=flag, worker=data["worker"], reason=data["reason"]
        ),
    )


@login_required
def flag_activate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_action(
        request,
        pk,
        form_class=ActivateForm,
        permission="activate",
        title="Record that work with the family has started",
        button="Mark as active",
        done="Flag marked as active.",
        perform=lambda user, flag, data: services.cohort_flag_activate(
            actor=user, flag=flag, note=data["note"]
        ),
    )


@login_required
def flag_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_action(
        request,
        pk,
        form_class=CloseForm,
        permission="close",
        title="Close this flag",
        button="Close flag",
        done="Flag closed.",
        perform=lambda user, flag, data: services.cohort_flag_close(
            actor=user, flag=flag, outcome=data["outcome"], note=data["note"]
        ),
    )


@login_required
def flag_dispute_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_action(
        request,
        pk,
        form_class=DisputeForm,
        permission="dispute",
        title="Challenge this flag",
        button="Send challenge",
        done="Challenge recorded. A manager will answer it.",
        perform=lambda user, flag, data: services.cohort_dispute_raise(
            actor=user, flag=flag, note=data["note"]
        ),
    )


@login_required
def dispute_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, {Role.MANAGER})
    dispute = get_object_or_404(
        CohortDispute.objects.select_related("flag__family", "raised_by").filter(
            flag__in=CohortFlag.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    if request.method == "GET":
        audit_read(actor=request.user, targets=[dispute.flag], action="cohort_flag.view")
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_dispute_answer(
                actor=request.user,  # type: ignore[arg-type]
                dispute=dispute,
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Answer recorded.")
            return redirect("cohort:flag_detail", pk=dispute.flag_id)
    return render(
        request,
        "cohort/flag_action.html",
        {
            "flag": dispute.flag,
            "form": form,
            "title": "Answer the challenge",
            "button": "Send answer",
            "dispute": dispute,
        },
    )


@login_required
def cohort_run_list_view(request: HttpRequest) -> HttpResponse:
    _require(request, COHORT_REVIEW_ROLES)
    page = Paginator(cohort_run_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "cohort/run_list.html", {"page": page, "query_prefix": ""})


@login_required
def cohort_run_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, COHORT_REVIEW_ROLES)
    run, near_misses = cohort_run_detail(user=request.user, pk=pk)
    page = Paginator(near_misses, 50).get_page(request.GET.get("page"))
    audit_read(actor=request.user, targets=page.object_list, action="cohort_run.near_misses")
    return render(request, "cohort/run_detail.html", {"run": run, "page": page, "query_prefix": ""})
