"""The census import in a real Chromium: upload, errors, progress fed by a real worker, report."""

import re

import pytest

from .conftest import sample

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_manager_uploads_a_return_and_reads_the_report(
    page, axe, sign_in, manager, media_root, celery_worker_redis
):
    sign_in(page, manager)
    page.get_by_role("link", name="Census import").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Import children in need")
    assert axe(page) == []

    page.get_by_role("button", name="Upload and import").click()
    assert page.title().startswith("Error:")
    assert "Select at least one census return" in page.get_by_role("alert").inner_text()
    assert axe(page) == []

    page.get_by_label("Census returns").set_input_files(str(sample(2025)))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url(re.compile(r"/census/imports/\d+/$"))
    # The page polls the job's status and reloads itself when the worker has finished.
    page.get_by_test_id("import-summary").wait_for(timeout=60_000)
    summary = page.get_by_test_id("import-summary").inner_text()
    assert "children imported" in summary
    assert "held back" in summary
    assert page.get_by_test_id("import-status").inner_text() == "Finished with problems"
    assert (
        page.get_by_test_id("files")
        .get_by_role("cell", name="cin_census_2025.xml (2024-25)")
        .count()
        == 1
    )
    assert page.get_by_role("link", name="Download the report (CSV)").count() == 1
    assert axe(page) == []

    # The data quality page: what was held back, one element corrected in day/month/year boxes.
    page.get_by_role("link", name="Correct what was held back").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Census data quality"
    assert axe(page) == []
    page.get_by_role("link", name="X8925", exact=True).click()
    assert "ChildProtectionPlans of X8925" in page.get_by_role("heading", level=1).inner_text()
    assert axe(page) == []
    end = page.get_by_role("group", name="CP plan end date")
    end.get_by_label("Day").fill("16")
    end.get_by_label("Month").fill("12")
    end.get_by_label("Year").fill("2024")
    page.get_by_role("button", name="Apply the corrected values").click()
    assert (
        "Corrected and applied"
        in page.locator(".govuk-notification-banner, body").first.inner_text()
    )
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_progress_page_shows_an_accessible_progress_bar(page, axe, sign_in, manager):
    from census.services import census_import_create

    job = census_import_create(actor=manager, file_names=["cin.xml"])
    job.status, job.children_total, job.children_done = "running", 200, 50
    job.save()
    sign_in(page, manager)
    page.goto(f"/census/imports/{job.pk}/")
    bar = page.get_by_role("progressbar", name="Import progress")
    assert bar.get_attribute("value") == "25"
    assert "50 of 200 children checked" in page.get_by_role("status").inner_text()
    assert axe(page) == []
    # The poller keeps the bar in step with the job.
    job.children_done = 150
    job.save()
    page.wait_for_function("document.getElementById('census-progress-bar').value == 75")
