"""The home page: the signed-in person's role decides which section they see."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases.roles import Role

from .sections import SECTIONS, no_case_section


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = getattr(request.user, "role", "") or ""
    build = SECTIONS.get(role, no_case_section)
    context = {
        "role": role,
        "Role": Role,
        "section_template": f"home/sections/{role if role in SECTIONS else 'administrator'}.html",
        **build(request.user, timezone.localdate()),
    }
    return render(request, "home/home.html", context)
