"""The one CSV and XLSX writer every export uses.

A spreadsheet program runs a cell that begins with `=`, `+`, `-` or `@` as a formula (and a tab
or carriage return can hide such a start), so a value someone typed into a case record could run
in a manager's spreadsheet ("CSV injection", OWASP). Every text cell that begins with one of
those characters is written with a leading apostrophe, which spreadsheets show as text. Numbers,
dates and booleans are written as themselves (a negative number is a number, not a formula).

    rows = [["Plans started", 112], ["=HYPERLINK(...)", 1]]
    csv_response(Table("Re-plans", ["Measure", "Count"], rows), filename="re-plans.csv")
    xlsx_response([table, other_table], filename="dashboard.xlsx")
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import HttpResponse

#: A text cell beginning with one of these is escaped.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | Decimal | dt.date | dt.datetime | bool | None


@dataclass(frozen=True)
class Table:
    """One table: a title (the XLSX sheet's name), a header row and the rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def safe_cell(value: Cell) -> Cell:
    """`value` as it may be written to a spreadsheet: text that a spreadsheet would run as a
    formula gets a leading apostrophe; everything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_text(value: Cell) -> Cell:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_cell(value)


def write_csv(out: IO[str] | Any, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write a header and rows as CSV to `out` (a file or an HttpResponse); returns the rows."""
    writer = csv.writer(out)
    writer.writerow([_csv_text(value) for value in header])
    count = 0
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        count += 1
    return count


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def write_xlsx(out: IO[bytes] | Any, tables: Sequence[Table]) -> int:
    """Write each table to its own sheet of one workbook (openpyxl, streamed); returns the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    count = 0
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_title(table.title, taken))
        header = []
        for title in table.header:
            cell = WriteOnlyCell(sheet, value=safe_cell(title))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=safe_cell(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            sheet.append(cells)
            count += 1
    if not tables:
        workbook.create_sheet("Empty")
    workbook.save(out)
    return count


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "-", filename)
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_response(table: Table, *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=CSV_TYPE)
    write_csv(response, table.header, table.rows)
    return _attachment(response, filename)


def xlsx_response(tables: Sequence[Table], *, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    write_xlsx(buffer, tables)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), filename)
