"""Browser pages for the case record. Thin: a selector reads what the access policy allows, the
audit log records the read, the template shows the selector's plain values.

One rule for every page (ADR 0042): a signed-in user whose role never uses a page gets 403; a
record they may not see is 404, exactly like a missing one.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.services import audit_read

from . import access
from .models import Family
from .selectors import (
    FAMILY_SORTS,
    SEARCH_MAX_LENGTH,
    family_detail,
    family_list,
    family_rows,
)

PAGE_SIZE = 25


def case_role_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the sign-in page), in a role that sees case records (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_see_cases(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class FamilySearchForm(forms.Form):
    q = forms.CharField(
        label="Family reference or LA child ID",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": f"Search for at most {SEARCH_MAX_LENGTH} characters.",
            "null_characters_not_allowed": "Search for letters, numbers and punctuation only.",
        },
    )
    sort = forms.ChoiceField(
        choices=[(key, key) for key in FAMILY_SORTS], required=False, label="Sort by"
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)


@case_role_required
def family_list_view(request: HttpRequest) -> HttpResponse:
    form = FamilySearchForm(request.GET)
    if not form.is_valid():
        # A search no one could mean (a NUL byte, 10,000 characters): say so, show nothing.
        context = {"form": form, "search": "", "sort": "reference", "rows": [], "page": None}
        return render(request, "cases/family_list.html", context, status=400)
    search = form.cleaned_data["q"].strip()
    sort = form.cleaned_data["sort"] or "reference"
    families = family_list(user=request.user, search=search, sort=sort)
    page = Paginator(families, PAGE_SIZE).get_page(form.cleaned_data["page"])
    rows = family_rows(user=request.user, families=page.object_list)
    audit_read(actor=request.user, targets=page.object_list, action="family.list")
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "search": search,
        "sort": sort,
        "query_prefix": urlencode({"q": search, "sort": sort}) + "&",
        "names_staff": access.STAFF.code in access.role_sections(request.user),
    }
    return render(request, "cases/family_list.html", context)


@case_role_required
def family_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = family_detail(user=request.user, pk=pk)
    audit_read(
        actor=request.user,
        # The record is plain values; the audit row names the family by type and id.
        targets=[Family(pk=record.pk)],
        action="family.view",
        details={"sections": sorted(record.access.sections)},
    )
    return render(request, "cases/family_detail.html", {"record": record})
