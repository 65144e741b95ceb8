"""Staff administration pages (ADR 0044): administrators only; others get 403. An account the
administrator does not administer is a 404, like a missing one. Thin: forms validate, services
check and write (audited), selectors read."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import audit_read
from config.forms import form_add_service_errors

from . import services
from .forms import DeactivateForm, StaffFilterForm, StaffForm
from .selectors import staff_detail, staff_list, staff_teams

PAGE_SIZE = 25


def administrator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.is_administrator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@administrator_required
def staff_list_view(request: HttpRequest) -> HttpResponse:
    form = StaffFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "staff/list.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data
    users = staff_list(
        actor=request.user, search=data["q"].strip(), role=data["role"], status=data["status"]
    )
    page = Paginator(users, PAGE_SIZE).get_page(data["page"])
    audit_read(actor=request.user, targets=page.object_list, action="user.list")
    query = urlencode({k: data[k] for k in ("q", "role", "status") if data[k]})
    context = {
        "form": form,
        "page": page,
        "query_prefix": f"{query}&" if query else "",
        "council_admin": services.is_council_administrator(request.user),
    }
    return render(request, "staff/list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def staff_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = StaffForm(request.POST or None, actor=actor, initial={"agency": actor.agency_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_member_create(
                actor=actor,
                username=data["username"],
                role=data["role"],
                agency=data["agency"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
                teams=data["teams"],
                password=data["password1"] or None,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Account created: {user.get_username()}.")
            return redirect("staff:edit", pk=user.pk)
    return render(request, "staff/form.html", {"form": form, "account": None})


@administrator_required
@require_http_methods(["GET", "POST"])
def staff_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    account = staff_detail(actor=actor, pk=pk)
    teams = staff_teams(user=account)
    initial = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "job_title": account.job_title,
        "role": account.role,
        "agency": account.agency_id,
        "teams": teams,
    }
    form = StaffForm(request.POST or None, actor=actor, user=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_user_update(
                actor=actor,
                user=account,
                role=data["role"],
                agency=data["agency"],
                teams=data["teams"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Account saved: {account.get_username()}.")
            return redirect("staff:edit", pk=account.pk)
    if request.method == "GET":
        audit_read(actor=actor, targets=[account], action="user.view")
    context = {"form": form, "account": account, "teams": teams, "is_self": account.pk == actor.pk}
    return render(request, "staff/form.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def staff_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    account = staff_detail(actor=actor, pk=pk)
    if account.pk == actor.pk:
        raise PermissionDenied
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_user_deactivate(
                actor=actor, user=account, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Account deactivated: {account.get_username()}. "
                "Their sessions have ended and their API tokens are revoked.",
            )
            return redirect("staff:edit", pk=account.pk)
    return render(request, "staff/deactivate.html", {"form": form, "account": account})


@administrator_required
@require_POST
def staff_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = staff_detail(actor=request.user, pk=pk)
    try:
        services.staff_user_reactivate(actor=request.user, user=account)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Account reactivated: {account.get_username()}.")
    return redirect("staff:edit", pk=account.pk)
