"""A manager's journey through the dashboard in a real Chromium, with axe on every page."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from .conftest import D, history_2024_25

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEEN = """row => Array.from(row.cells).map(cell => {
    const copy = cell.cloneNode(true)
    copy.querySelectorAll('.govuk-visually-hidden').forEach(hidden => hidden.remove())
    return copy.textContent.trim()
})"""


def seen(row) -> list[str]:
    """A table row's cells as a sighted person reads them (no visually hidden text)."""
    return row.evaluate(SEEN)


def test_manager_changes_the_period_drills_in_and_downloads(page, axe, sign_in, manager, build):
    history = history_2024_25()
    build(as_of=D(2025, 6, 30))

    sign_in(page, manager)
    page.get_by_role("link", name="Reports").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Managers' dashboard"

    # The financial year 2024-25 (worked out in test_measures): 6 plans started, 5 re-plans.
    page.get_by_label("A financial year").check()
    page.get_by_label("Financial year", exact=True).select_option("2024")
    page.get_by_role("button", name="Show figures").click()
    replans = page.get_by_test_id("table-re-plans")
    assert seen(replans.locator("tbody tr").nth(1))[:3] == [
        "Second or subsequent plan (ever)",
        "5",
        "83.3%",
    ]
    # Every chart is drawn from its table and the table stays beside it.
    charts = page.locator(".app-chart canvas[role='img']")
    assert charts.count() == page.locator("table[data-chart]").count() >= 4
    assert axe(page) == []

    # Another period: 1 April to 30 September 2024 (A3, D, E3 started; A3 and E3 re-plans).
    page.get_by_label("Between two dates").check()
    page.locator("#id_from_day-input").fill("1")
    page.locator("#id_from_month-input").fill("4")
    page.locator("#id_from_year-input").fill("2024")
    page.locator("#id_to_day-input").fill("30")
    page.locator("#id_to_month-input").fill("9")
    page.locator("#id_to_year-input").fill("2024")
    page.get_by_role("button", name="Show figures").click()
    row = page.get_by_test_id("table-re-plans").locator("tbody tr").nth(1)
    assert seen(row)[:3] == ["Second or subsequent plan (ever)", "2", "66.7%"]
    assert axe(page) == []

    # Back to the year, then into the list behind "within 2 years".
    page.get_by_label("A financial year").check()
    page.get_by_role("button", name="Show figures").click()
    page.get_by_test_id("drill-re-plans-2-1").click()
    assert page.get_by_test_id("plan-count").inner_text() == "2 plans"
    listed = page.get_by_test_id("plan-list").inner_text()
    assert history["a"].la_child_id in listed
    assert history["e"].la_child_id in listed
    assert history["b"].la_child_id not in listed
    assert axe(page) == []
    page.go_back()

    # XLSX of every table: openpyxl reads the page's numbers.
    with page.expect_download() as download:
        page.get_by_test_id("download-all").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(workbook["Re-plans"].iter_rows(values_only=True))
    assert rows[1][1] == 6
    assert rows[2][:3] == ("Second or subsequent plan (ever)", 5, 83.3)
    assert rows[3][:3] == ("Within 2 years of the previous plan's end", 2, 33.3)

    # The scrutiny pack.
    with page.expect_download() as download:
        page.get_by_test_id("scrutiny-pack").click()
    assert download.value.suggested_filename == "scrutiny-pack-2024-04-01-to-2025-03-31.pdf"
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = re.sub(r"\s+", " ", pdf.pages[0].extract_text())
    assert "83.3% of plans that started in the financial year 2024-25 were a second or" in text


def test_dashboard_works_as_tables_without_javascript(chromium, live_server, manager, build):
    history_2024_25()
    build(as_of=D(2025, 6, 30))
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/reports/?period=financial_year&year=2024")
    assert page.locator("canvas").count() == 0
    assert "83.3%" in page.get_by_test_id("table-re-plans").inner_text()
    context.close()


def test_pages_fit_a_375px_screen(page, sign_in, manager, build):
    history_2024_25()
    build(as_of=D(2025, 6, 30))
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, manager)
    for path in (
        "/reports/?period=financial_year&year=2024",
        "/reports/plans/?list=replans&from=2024-04-01&to=2025-03-31",
        "/reports/outcomes/",
        "/reports/comparators/",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, path


def test_outcome_evaluation_and_comparators_pages(page, axe, sign_in, make_user, build):
    from cases.roles import Role

    from .conftest import build_evaluation

    manager = make_user(Role.MANAGER)
    build_evaluation(make_user(Role.IRO), manager, make_user(Role.TRANSITION_WORKER))
    build(as_of=D(2025, 6, 30))
    sign_in(page, manager)
    page.goto("/reports/outcomes/")
    assert (
        "observational comparison, not a trial" in page.locator(".govuk-warning-text").inner_text()
    )
    assert page.locator(".app-chart canvas[role='img']").count() == 1
    curves = page.get_by_test_id("table-outcome-curves")
    # 0 months: both groups at risk in full (2 cohort families, 3 others).
    assert seen(curves.locator("tbody tr").first)[:2] == ["0", "2"]
    assert axe(page) == []

    page.goto("/reports/comparators/")
    page.get_by_role("button", name="Save the figure").click()  # nothing entered
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert axe(page) == []
    page.get_by_label("Measure").select_option("replan_rate")
    page.get_by_label("Statistical neighbours").check()
    page.get_by_label("Collection year").fill("2024-25")
    page.get_by_label("Figure", exact=True).fill("21.7")
    page.get_by_role("button", name="Save the figure").click()
    assert "The figure was saved." in page.get_by_role("alert").inner_text()
    assert "21.7" in page.get_by_test_id("comparators").inner_text()
    assert axe(page) == []
