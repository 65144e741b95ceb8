"""Reads for the census pages. Only managers may see imports and held-back elements (ADR 0014)."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from cases.roles import Role

from .models import CensusHeldBack, CensusImport, CensusImportIssue


def census_import_allowed(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role == Role.MANAGER)


def census_imports_visible(*, user: Any) -> QuerySet[CensusImport]:
    if not census_import_allowed(user):
        return CensusImport.objects.none()
    return CensusImport.objects.select_related("created_by")


def census_import_detail(*, user: Any, pk: int) -> CensusImport:
    """The import, or 404 when it does not exist or `user` may not see imports."""
    job = census_imports_visible(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such census import.")
    return job


def census_import_issues(*, job: CensusImport, severity: str = "") -> QuerySet[CensusImportIssue]:
    issues = job.issues.select_related("held_back").order_by("id")
    return issues.filter(severity=severity) if severity else issues


def census_report_rows(*, job: CensusImport) -> list[list[str]]:
    """The report as CSV rows (header first). Values in messages are already shortened."""
    rows = [["file", "la_child_id", "element", "rule", "severity", "result", "message"]]
    rows += [
        [
            i.file_name,
            i.la_child_id,
            i.element,
            i.rule,
            i.severity,
            "held back" if i.held_back_id else "imported",
            i.message,
        ]
        for i in census_import_issues(job=job).iterator(chunk_size=2000)
    ]
    return rows


def census_held_back_visible(*, user: Any) -> QuerySet[CensusHeldBack]:
    if not census_import_allowed(user):
        return CensusHeldBack.objects.none()
    return CensusHeldBack.objects.select_related("census_import", "resolved_by")


def census_held_back_list(*, user: Any, status: str = "open") -> QuerySet[CensusHeldBack]:
    held = census_held_back_visible(user=user)
    return held.filter(status=status) if status else held


def census_held_back_detail(*, user: Any, pk: int) -> CensusHeldBack:
    item = census_held_back_visible(user=user).filter(pk=pk).first()
    if item is None:
        raise Http404("No such held-back element.")
    return item
