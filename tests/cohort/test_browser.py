"""The IRO and manager journey in a real Chromium, with axe on every page."""

import datetime as dt

import pytest

from cohort import services
from cohort.models import CohortFlag
from tests.factories import FamilyFactory

from .conftest import build_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_iro_reviews_and_accepts_then_manager_allocates(
    page, axe, sign_in, iro, manager, transition_worker
):
    family = FamilyFactory(reference="FAM-COHORT")
    build_case(family=family)
    build_case(family=family)
    build_case(family=FamilyFactory(reference="FAM-OTHER"))
    services.cohort_run_execute(actor=None, as_of=dt.date(2024, 6, 30))
    services.cohort_flag_accept(
        actor=iro, flag=CohortFlag.objects.get(family__reference="FAM-OTHER")
    )

    sign_in(page, iro)
    page.get_by_role("link", name="Transition cohort").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Transition cohort"
    assert page.get_by_test_id("count-flagged").inner_text() == "1"
    assert page.get_by_test_id("count-accepted").inner_text() == "1"
    assert axe(page) == []

    page.get_by_label("Status").select_option("flagged")
    page.get_by_role("button", name="Apply filters").click()
    assert page.get_by_role("link", name="FAM-OTHER flag").count() == 0
    page.get_by_role("link", name="FAM-COHORT flag").click()

    why = page.get_by_test_id("why")
    assert why.count() == 2  # both siblings named
    text = why.first.inner_text()
    assert "18 months after the previous plan ended on 1 March 2022" in text
    assert "domestic abuse risk was recorded on the plan on 1 September 2023" in text
    assert "9 months on the plan" in text
    assert axe(page) == []

    page.get_by_role("link", name="Accept").click()
    assert axe(page) == []
    page.get_by_label("Note (optional)").fill("Both children, DA at both plans")
    page.get_by_role("button", name="Accept flag").click()
    assert "Flag accepted" in page.get_by_role("alert").inner_text()
    assert page.get_by_test_id("flag-status").inner_text() == "Accepted"
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, manager)
    page.goto("/cohort/?status=accepted&sort=family")
    page.get_by_role("link", name="FAM-COHORT flag").click()
    page.get_by_role("link", name="Allocate a transition worker").click()
    page.get_by_role("button", name="Allocate").click()  # nothing chosen: error summary
    assert "Choose a transition worker" in page.get_by_role("alert").inner_text()
    assert page.title().startswith("Error:")
    assert axe(page) == []
    page.get_by_label("Transition worker").select_option(str(transition_worker.pk))
    page.get_by_role("button", name="Allocate").click()
    assert page.get_by_test_id("flag-status").inner_text() == "Allocated"
    assert str(transition_worker) in page.get_by_test_id("flag-worker").inner_text()
    assert axe(page) == []
    flag = CohortFlag.objects.get(family__reference="FAM-COHORT")
    assert flag.worker == transition_worker
