"""Writes for reporting: building the figures, comparator figures, and the record of an export.

Every service takes keyword-only arguments with `actor` first, runs in one transaction and records
an audit event.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record
from cases.roles import Role

from . import outcomes, sql
from .measures import COUNT_MEASURES, ComparatorMeasure
from .models import ComparatorFigure, DailyFigures, FiguresBuild

#: Key of the PostgreSQL advisory lock that keeps two builds from overlapping ("figures").
BUILD_LOCK_KEY = 0x66696775726573


def build_parameters() -> dict[str, int]:
    return {
        "window_months": settings.REPLAN_WINDOW_MONTHS,
        "link_days": settings.STEP_DOWN_LINK_DAYS,
    }


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BUILD_LOCK_KEY])


def figures_build(*, actor: Any, as_of: dt.date | None = None) -> FiguresBuild:
    """Rebuild every day's figures from the case record, and the outcome evaluation as at
    `as_of` (default today).

    One transaction: readers see the previous figures until the new ones commit. Idempotent: the
    same case record gives the same rows. Runs are serialised by an advisory lock. A failure
    rolls the figures back and is recorded on a failed `FiguresBuild`, then re-raised.
    """
    as_of = as_of or timezone.localdate()
    parameters = build_parameters()
    requested_by = actor if getattr(actor, "is_authenticated", False) else None
    build = FiguresBuild.objects.create(
        as_of=as_of,
        started_at=timezone.now(),
        parameters=parameters,
        requested_by=requested_by,
    )
    try:
        with transaction.atomic():
            _lock()
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # A one-off plan over every CP plan: JIT compilation costs more than it saves.
                    cursor.execute("SET LOCAL jit = off")
                    cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute(f"DELETE FROM {DailyFigures._meta.db_table}")
                cursor.execute(sql.build_sql(connection.vendor), parameters)
                days = int(cursor.rowcount)
            outcome = outcomes.evaluate(as_of=as_of, link_days=parameters["link_days"])
            FiguresBuild.objects.filter(pk=build.pk).update(
                status=FiguresBuild.Status.SUCCEEDED,
                finished_at=timezone.now(),
                days=days,
                outcome=outcome,
            )
            build.refresh_from_db()
            audit_record(
                actor=actor,
                action="reporting.figures_build",
                details={"build": build.pk, "as_of": as_of.isoformat(), "days": days},
            )
    except Exception as error:
        FiguresBuild.objects.filter(pk=build.pk).update(
            status=FiguresBuild.Status.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
        )
        raise
    return build


# --- Comparator figures -------------------------------------------------------------------
def _require_manager(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.MANAGER:
        raise PermissionDenied("Only managers enter comparator figures.")


def comparator_figure_save(
    *,
    actor: Any,
    measure: str,
    source: str,
    year: str,
    value: Decimal,
    numerator: int | None = None,
    denominator: int | None = None,
    note: str = "",
) -> ComparatorFigure:
    """Record (or correct) a comparator figure for one measure, source and year."""
    _require_manager(actor)
    if measure not in ComparatorMeasure.values:
        raise ValidationError({"measure": "Choose a measure."})
    if source not in ComparatorFigure.Source.values:
        raise ValidationError({"source": "Choose England or statistical neighbours."})
    if measure not in COUNT_MEASURES and not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"value": "Enter a percentage from 0 to 100."})
    if numerator is not None and denominator is not None and numerator > denominator:
        raise ValidationError({"numerator": "The numerator cannot be more than the denominator."})
    with transaction.atomic():
        figure = (
            ComparatorFigure.objects.select_for_update()
            .filter(measure=measure, source=source, year=year)
            .first()
        )
        before = (
            {"value": str(figure.value), "numerator": figure.numerator, "note": figure.note}
            if figure
            else None
        )
        if figure is None:
            figure = ComparatorFigure(measure=measure, source=source, year=year)
        figure.value = value
        figure.numerator = numerator
        figure.denominator = denominator
        figure.note = note
        figure.entered_by = actor
        figure.full_clean()
        figure.save()
        audit_record(
            actor=actor,
            action="reporting.comparator_save",
            target=figure,
            details={
                "measure": measure,
                "source": source,
                "year": year,
                "value": str(value),
                "numerator": numerator,
                "denominator": denominator,
                "before": before,
            },
        )
    return figure


def comparator_figure_delete(*, actor: Any, figure: ComparatorFigure) -> None:
    """Remove a comparator figure (entered in error); the audit event keeps what it said."""
    _require_manager(actor)
    with transaction.atomic():
        details = {
            "measure": figure.measure,
            "source": figure.source,
            "year": figure.year,
            "value": str(figure.value),
        }
        audit_record(
            actor=actor, action="reporting.comparator_delete", target=figure, details=details
        )
        figure.delete()


# --- Exports ------------------------------------------------------------------------------
def report_export_record(
    *, actor: Any, report: str, file_format: str, details: dict[str, Any]
) -> None:
    """Record that `actor` downloaded a report (who, what, which period, in which format)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="reporting.export",
            details={"report": report, "format": file_format, **details},
        )
