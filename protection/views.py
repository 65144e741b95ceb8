"""Browser pages that record the child protection journey for a family's children, and the lists
of statutory timescales (upcoming conferences for IROs, everything due for a social worker).

Thin: a selector reads (from `visible_to`), a form checks the shape, a service writes. A role that
does not record something gets 403; a family the user may not see is a 404 (ADR 0042).
"""

from __future__ import annotations

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
from django.views.decorators.http import require_http_methods

from audit.services import audit_read
from cases import access
from cases.models import CPPlan, Family, Person
from cases.roles import Role
from config.forms import form_add_service_errors

from . import services
from .forms import (
    CoreGroupForm,
    InitialConferenceForm,
    PlanEndForm,
    ReviewConferenceForm,
    Section47Form,
)
from .selectors import (
    ALL_KINDS,
    CONFERENCE_KINDS,
    DUE_SOON_WORKING_DAYS,
    PendingTimescale,
    family_children,
    pending_grouped,
    pending_timescales,
)
from .timescales import Kind, Status

PAGE_SIZE = 25
#: Who may open the lists of timescales (each sees only what `visible_to` allows).
TIMESCALE_LIST_ROLES = frozenset({Role.IRO, Role.SOCIAL_WORKER, Role.MANAGER})


def _require(request: HttpRequest, roles: frozenset[str]) -> None:
    """403 before any lookup for a role that never records this (ADR 0042). The council case
    system's account (`Role.SYSTEM`) records through the feed API, never these pages."""
    user = request.user
    if not (access.can_see_cases(user) and services.may_record(user, roles)):
        raise PermissionDenied


def _family(request: HttpRequest, pk: int) -> Family:
    return get_object_or_404(Family.objects.visible_to(request.user), pk=pk)


def _children(request: HttpRequest, family: Family, *, on_plan: bool | None) -> list[Person]:
    children = list(family_children(user=request.user, family=family))
    if on_plan is None:
        return children
    return [child for child in children if bool(child.open_plans) == on_plan]  # type: ignore[attr-defined]


def _record(
    request: HttpRequest,
    *,
    family: Family,
    form: forms.Form,
    template: str,
    title: str,
    write: Callable[[Any], str],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Validate `form`, call `write(cleaned_data)` (a service; returns the success message), and
    redirect to the family; or show the form again with the service's errors on its fields."""
    if request.method == "POST" and form.is_valid():
        try:
            message = write(form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("cases:family_detail", pk=family.pk)
    return render(
        request,
        template,
        {"family": family, "form": form, "title": title, **(context or {})},
    )


def _plural(items: list[Any], one: str) -> str:
    return one if len(items) == 1 else f"{one}s"


@login_required
@require_http_methods(["GET", "POST"])
def section47_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.ENQUIRY_ROLES)
    family = _family(request, pk)
    children = _children(request, family, on_plan=False)
    form = Section47Form(request.POST or None, children=children)

    def write(data: dict[str, Any]) -> str:
        chosen = form.chosen()  # type: ignore[attr-defined]
        enquiries = services.section47_start(
            actor=request.user,  # type: ignore[arg-type]
            children=chosen,
            strategy_discussion_date=data["strategy_discussion_date"],
            referral_date=data["referral_date"],
        )
        names = " and ".join(str(child) for child in chosen)
        due = enquiries[0].icpc_target_date
        return (
            f"Section 47 enquiry recorded for {names}. "
            f"The initial conference is due by {due:%-d %B %Y}."
        )

    return _record(
        request,
        family=family,
        form=form,
        template="protection/record_form.html",
        title="Record a section 47 enquiry",
        write=write,
        context={"button": "Record the enquiry", "empty": not children},
    )


@login_required
@require_http_methods(["GET", "POST"])
def initial_conference_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.CONFERENCE_ROLES)
    family = _family(request, pk)
    children = _children(request, family, on_plan=False)
    form = InitialConferenceForm(request.POST or None, children=children)

    def write(data: dict[str, Any]) -> str:
        decisions = form.decisions()  # type: ignore[attr-defined]
        services.initial_conference_record(
            actor=request.user,  # type: ignore[arg-type]
            held_on=data["held_on"],
            decisions=decisions,
            chair=request.user if request.user.role == Role.IRO else None,  # type: ignore[union-attr,arg-type]
            notes=data.get("notes", ""),
        )
        plans = [d for d in decisions if d.plan]
        made = f"{len(plans)} child protection {_plural(plans, 'plan')}"
        return f"Initial conference recorded: {made} made."

    return _record(
        request,
        family=family,
        form=form,
        template="protection/initial_conference.html",
        title="Record an initial child protection conference",
        write=write,
        context={"button": "Record the conference", "empty": not children},
    )


def _open_plans(children: list[Person], chosen: list[Person]) -> list[CPPlan]:
    ids = {child.pk for child in chosen}
    return [child.open_plans[0] for child in children if child.pk in ids]  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def review_conference_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.CONFERENCE_ROLES)
    family = _family(request, pk)
    children = _children(request, family, on_plan=True)
    form = ReviewConferenceForm(request.POST or None, children=children)

    def write(data: dict[str, Any]) -> str:
        plans = _open_plans(children, form.chosen())  # type: ignore[attr-defined]
        services.review_conference_record(
            actor=request.user,  # type: ignore[arg-type]
            held_on=data["held_on"],
            plans=plans,
            decision=data["decision"],
            planned_cin_start=data["planned_cin_start"],
            chair=request.user if request.user.role == Role.IRO else None,  # type: ignore[union-attr,arg-type]
            notes=data.get("notes", ""),
        )
        return "Review conference recorded."

    return _record(
        request,
        family=family,
        form=form,
        template="protection/record_form.html",
        title="Record a review child protection conference",
        write=write,
        context={"button": "Record the conference", "empty": not children},
    )


@login_required
@require_http_methods(["GET", "POST"])
def core_group_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.CORE_GROUP_ROLES)
    family = _family(request, pk)
    children = _children(request, family, on_plan=True)
    form = CoreGroupForm(request.POST or None, children=children)

    def write(data: dict[str, Any]) -> str:
        services.core_group_record(
            actor=request.user,  # type: ignore[arg-type]
            held_on=data["held_on"],
            plans=_open_plans(children, form.chosen()),  # type: ignore[attr-defined]
            agencies=data["agencies"],
            notes=data.get("notes", ""),
        )
        return "Core group meeting recorded."

    return _record(
        request,
        family=family,
        form=form,
        template="protection/record_form.html",
        title="Record a core group meeting",
        write=write,
        context={"button": "Record the meeting", "empty": not children},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_end_view(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    _require(request, services.PLAN_END_ROLES)
    family = _family(request, pk)
    plan = get_object_or_404(
        CPPlan.objects.visible_to(request.user)
        .filter(child__memberships__family=family, end_date__isnull=True)
        .select_related("child"),
        pk=plan_pk,
    )
    form = PlanEndForm(request.POST or None)

    def write(data: dict[str, Any]) -> str:
        services.cp_plan_end(
            actor=request.user,  # type: ignore[arg-type]
            plan=plan,
            end_date=data["end_date"],
            end_reason=data["end_reason"],
        )
        return f"{plan.child}'s child protection plan ended."

    return _record(
        request,
        family=family,
        form=form,
        template="protection/record_form.html",
        title=f"End {plan.child}'s child protection plan",
        write=write,
        context={"button": "End the plan", "button_class": "govuk-button--warning", "plan": plan},
    )


# --- Lists of timescales ----------------------------------------------------------------------
SHOW_CHOICES = {
    "all": "All not yet met",
    "overdue": "Overdue",
    "soon": f"Due in the next {DUE_SOON_WORKING_DAYS} working days",
    "due": "Due, not yet overdue",
}


def _shown(item: PendingTimescale, show: str) -> bool:
    status = item.timescale.status
    if show == "overdue":
        return status == Status.OVERDUE
    if show == "due":
        return status == Status.DUE
    if show == "soon":
        return status == Status.DUE and item.timescale.working_days_left <= DUE_SOON_WORKING_DAYS
    return True


def _timescale_list(
    request: HttpRequest, *, kinds: frozenset[Kind], template: str, title: str
) -> HttpResponse:
    if getattr(request.user, "role", None) not in TIMESCALE_LIST_ROLES:
        raise PermissionDenied
    show = request.GET.get("show", "all")
    if show not in SHOW_CHOICES:
        show = "all"
    kind = request.GET.get("kind", "")
    chosen = frozenset({Kind(kind)}) if kind in {k.value for k in kinds} else kinds
    today = timezone.localdate()
    pending = pending_timescales(user=request.user, today=today, kinds=chosen)
    pending = [item for item in pending if _shown(item, show)]
    groups = pending_grouped(pending)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    families = Family.objects.filter(
        pk__in={group.family_id for group in page.object_list if group.family_id}
    ).only("pk")
    audit_read(actor=request.user, targets=families, action="timescale.list")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "title": title,
            "page": page,
            "show": show,
            "show_choices": SHOW_CHOICES.items(),
            "kind": kind if chosen != kinds else "",
            "kind_choices": [(k.value, k.label) for k in Kind if k in kinds],
            "query_prefix": f"{query.urlencode()}&" if query else "",
            "today": today,
        },
    )


@login_required
def upcoming_conferences_view(request: HttpRequest) -> HttpResponse:
    """Initial and review conferences due (soonest first) and overdue, siblings together."""
    return _timescale_list(
        request,
        kinds=CONFERENCE_KINDS,
        template="protection/timescale_list.html",
        title="Upcoming conferences",
    )


@login_required
def timescale_list_view(request: HttpRequest) -> HttpResponse:
    """Every statutory timescale not yet met: conferences, first core groups, assessments."""
    return _timescale_list(
        request,
        kinds=ALL_KINDS,
        template="protection/timescale_list.html",
        title="Statutory timescales",
    )
