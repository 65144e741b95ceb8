"""The one CSV/XLSX writer (config/exports.py): formula-looking text is escaped everywhere."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from config.exports import (
    CSV_TYPE,
    XLSX_TYPE,
    Table,
    csv_response,
    safe_cell,
    sheet_title,
    write_csv,
    xlsx_response,
)

DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_would_run_as_a_formula_is_escaped(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Plans started", "3-6m", "", "a=b", -5, 0, 2.5, None, True])
def test_other_values_are_unchanged(value):
    # "3-6m" has a minus inside, not at the start; -5 is a number, not text.
    assert safe_cell(value) == value


def test_csv_escapes_cells_and_header_and_writes_dates_as_iso():
    out = io.StringIO()
    count = write_csv(
        out, ["=Header", "count"], [["=cmd|' /C calc'!A0", -3], [dt.date(2025, 3, 31), 1]]
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert count == 2
    assert rows == [["'=Header", "count"], ["'=cmd|' /C calc'!A0", "-3"], ["2025-03-31", "1"]]


def test_xlsx_cells_are_text_never_formulas_and_numbers_stay_numbers():
    table = Table("Re-plans: 2024/25 [all]", ["Measure", "Value"], [[d, 1] for d in DANGEROUS])
    numbers = Table("Numbers", ["n", "share", "day"], [[-2, Decimal("24.5"), dt.date(2025, 3, 31)]])
    response = xlsx_response([table, numbers], filename="dashboard.xlsx")
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="dashboard.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    # Sheet names: no []:*?/\ and at most 31 characters.
    assert workbook.sheetnames == ["Re-plans  2024 25  all", "Numbers"]
    sheet = workbook["Re-plans  2024 25  all"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["'" + d for d in DANGEROUS]
    assert {c.data_type for c in cells} == {"s"}
    n, share, day = next(workbook["Numbers"].iter_rows(min_row=2, values_only=True))
    assert (n, share, day.date()) == (-2, 24.5, dt.date(2025, 3, 31))


def test_csv_response_is_an_attachment_with_a_safe_name():
    response = csv_response(Table("t", ["a"], [["@x"]]), filename='re "plans".csv')
    assert response["Content-Type"] == CSV_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="re--plans-.csv"'
    assert response.content.decode() == "a\r\n'@x\r\n"


def test_sheet_titles_are_unique_and_short():
    taken: set[str] = set()
    long = "A very long table title that Excel would refuse"
    first, second = sheet_title(long, taken), sheet_title(long, taken)
    assert len(first) == len(second) == 31
    assert first != second
    assert second.endswith("(2)")
