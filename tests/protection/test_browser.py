"""In a real Chromium: a social worker records a section 47 enquiry, an initial conference for two
siblings and a review conference stepping both down; the IRO then sees upcoming and overdue
conferences, and (after the nightly rule) the family's cohort flag. axe on every page."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CPPlan, StepDown
from cohort.services import cohort_run_execute
from protection import services
from protection.services import InitialDecision
from protection.timescales import working_day_on_or_before
from tests.factories import EpisodeFactory, FamilyFactory, MembershipFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, legend, day):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def other_families(social_worker, iro):
    """One family with a plan begun ten days ago (first review upcoming) and one whose plan's
    first review is long overdue."""
    recent = working_day_on_or_before(timezone.localdate() - dt.timedelta(days=10))
    for reference, start in (
        ("FAM-UPCOMING", recent),
        ("FAM-OVERDUE", dt.date(2024, 1, 8)),
    ):
        family = FamilyFactory(reference=reference)
        child = PersonFactory(first_name=reference.split("-")[1].title())
        MembershipFactory(family=family, person=child)
        EpisodeFactory(child=child, referral_date=start - dt.timedelta(days=20))
        services.initial_conference_record(
            actor=iro,
            held_on=start,
            decisions=[InitialDecision(child=child, plan=True, category="NEG")],
        )


def test_social_worker_records_the_journey_and_the_iro_sees_what_is_due(
    page, axe, sign_in, social_worker, iro, siblings
):
    other_families(social_worker, iro)
    amelia, noah = siblings.children

    sign_in(page, social_worker)
    assert axe(page) == []
    page.get_by_role("link", name="Families", exact=True).click()
    page.get_by_role("link", name="FAM-SIB").click()
    assert axe(page) == []

    page.get_by_role("link", name="Record a section 47 enquiry").click()
    assert axe(page) == []
    fill_date(page, "Date of the strategy discussion", dt.date(2024, 9, 2))
    fill_date(page, "Referral date", dt.date(2024, 8, 30))
    page.get_by_role("button", name="Record the enquiry").click()
    assert (
        "initial conference is due by 23 September 2024" in page.get_by_role("alert").inner_text()
    )

    page.get_by_role("link", name="Record an initial conference").click()
    fill_date(page, "Date of the conference", dt.date(2024, 9, 16))
    page.get_by_role("button", name="Record the conference").click()  # no categories chosen
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert "Select the category of abuse for Amelia Smith." in summary.inner_text()
    assert axe(page) == []
    for child in (amelia, noah):
        card = page.get_by_test_id(f"child-{child.pk}")
        card.get_by_label("Child protection plan made").check()
        card.get_by_label(f"Category of abuse for {child}").select_option("EMO")
        card.get_by_label(f"Domestic abuse recorded as a risk at planning for {child}").check()
    page.get_by_role("button", name="Record the conference").click()
    assert "2 child protection plans made" in page.get_by_role("alert").inner_text()
    assert CPPlan.objects.filter(child__in=[amelia, noah], end_date__isnull=True).count() == 2
    table = page.get_by_test_id(f"timescales-{amelia.pk}")
    assert "Initial child protection conference" in table.inner_text()
    assert "On time" in table.inner_text()
    assert axe(page) == []

    page.get_by_role("link", name="Record a review conference").click()
    assert axe(page) == []
    fill_date(page, "Date of the conference", dt.date(2025, 2, 10))
    page.get_by_label("The plan ends: step down to a child in need plan").check()
    fill_date(page, "Planned start of the child in need plan", dt.date(2025, 2, 11))
    page.get_by_role("button", name="Record the conference").click()
    assert "Review conference recorded." in page.get_by_role("alert").inner_text()
    assert "step-down to child in need decided 10 Feb 2025" in page.content()
    assert StepDown.objects.filter(source="conference", plan__child__in=[amelia, noah]).count() == 2
    assert axe(page) == []
    page.get_by_role("button", name="Sign out").click()

    cohort_run_execute(actor=None, as_of=dt.date(2025, 2, 11))  # the nightly rule

    sign_in(page, iro)
    assert page.get_by_test_id("flags-to-review").inner_text() == "1"
    assert page.get_by_test_id("conferences-due").inner_text() == "1"
    assert page.get_by_test_id("reviews-overdue").inner_text() == "1"
    assert axe(page) == []
    page.get_by_test_id("conferences-due").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Upcoming conferences"
    rows = page.get_by_test_id("timescale-row")
    assert rows.count() == 1
    assert "FAM-UPCOMING" in rows.first.inner_text()
    assert "First review conference" in rows.first.inner_text()
    assert axe(page) == []
    page.get_by_role("link", name="Home").click()
    page.get_by_test_id("reviews-overdue").click()
    rows = page.get_by_test_id("timescale-row")
    assert rows.count() == 1
    assert "FAM-OVERDUE" in rows.first.inner_text()
    assert "Overdue" in rows.first.inner_text()
    assert axe(page) == []
    # At 375 px the page does not scroll sideways (the wide table scrolls inside its region).
    page.set_viewport_size({"width": 375, "height": 800})
    for path in (
        page.url,
        f"/families/{siblings.pk}/",
        f"/families/{siblings.pk}/review-conference/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
