"""Browser pages for the case record. Thin: a selector reads, the audit log records the read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.services import audit_read

from .selectors import FAMILY_SORTS, family_detail, family_list

PAGE_SIZE = 25


@login_required
def family_list_view(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "reference")
    if sort not in FAMILY_SORTS:
        sort = "reference"
    families = family_list(user=request.user, search=search, sort=sort)
    page = Paginator(families, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(actor=request.user, targets=page.object_list, action="family.list")
    return render(request, "cases/family_list.html", {"page": page, "search": search, "sort": sort})


@login_required
def family_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    family = family_detail(user=request.user, pk=pk)
    audit_read(actor=request.user, targets=[family], action="family.view")
    return render(request, "cases/family_detail.html", {"family": family})
