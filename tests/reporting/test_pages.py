"""The dashboard, drill-down lists, exports, scrutiny pack and comparator pages: what a manager
sees, who else is refused, what is audited, and how many queries each costs."""

import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.models import AuditEvent
from cases.roles import Role
from reporting.models import ComparatorFigure
from tests.factories import FamilyFactory, MembershipFactory

pytestmark = pytest.mark.django_db

YEAR_2024 = {"period": "financial_year", "year": "2024"}
DASHBOARD = reverse("reporting:dashboard")


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed (what a sighted person reads)."""
    page = response.content.decode()
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<span class="govuk-visually-hidden">[^<]*</span>', "", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).strip())


@pytest.fixture
def built(england, history, build):
    return build()


@pytest.fixture
def manager_client(england, client, manager):
    client.force_login(manager)
    return client


def test_dashboard_shows_the_years_measures_with_englands_figures(manager_client, built):
    response = manager_client.get(DASHBOARD, YEAR_2024)
    assert response.status_code == 200
    page = text_of(response)
    assert "The financial year 2024-25" in page
    # Re-plans (worked out in test_measures): 5 of 6 started, 2 within 2 years, 1 within 18 months.
    assert "Second or subsequent plan (ever) 5 83.3% 24.5% (2024-25)" in page
    assert "Within 2 years of the previous plan's end 2 33.3%" in page
    assert "Within 18 months of the previous plan's end (the cohort window) 1 16.7%" in page
    assert "Re-plans whose previous plan we do not hold 2 33.3%" in page
    # Month ends: April 4 ... March 5; open 2 years or more at 31 March: 1 of 5 (England 2.3%).
    assert "30 Apr 2024 4" in page
    assert "2 years or more 1 20.0% 2.3% (2024-25)" in page
    assert "DA recorded at planning (of all plans started) 2 33.3%" in page


def test_changing_the_period_changes_the_numbers(manager_client, built):
    custom = {
        "period": "custom",
        **dict(zip(["from_day", "from_month", "from_year"], ["1", "4", "2024"], strict=True)),
        **dict(zip(["to_day", "to_month", "to_year"], ["30", "9", "2024"], strict=True)),
    }
    page = text_of(manager_client.get(DASHBOARD, custom))
    # 1 April to 30 September 2024: A3, D, E3 started; A3 and E3 are re-plans.
    assert "All plans that started 3" in page
    assert "Second or subsequent plan (ever) 2 66.7%" in page


def test_an_invalid_period_is_explained_and_the_default_used(manager_client, built):
    response = manager_client.get(
        DASHBOARD,
        {"period": "custom", "from_day": "31", "from_month": "2", "from_year": "2024"},
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "The start date must be a real date." in page
    assert "Enter the end date as a day, month and year." in page


def test_drill_down_lists_the_plans_behind_the_figure(manager_client, built, history):
    response = manager_client.get(
        reverse("reporting:plans"),
        {"list": "replans_within_24_months", "from": "2024-04-01", "to": "2025-03-31"},
    )
    assert response.status_code == 200
    children = {plan.child for plan in response.context["plans"]}
    assert children == {history["a"], history["e"]}
    page = text_of(response)
    assert "2 plans" in page
    assert history["a"].la_child_id in page
    events = AuditEvent.objects.filter(action="reporting.plans_list")
    assert events.count() == 2
    assert {e.target_type for e in events} == {"cases.cpplan"}
    assert all(e.family_id for e in events)


def test_a_drill_down_read_is_in_the_trail_of_every_family_of_the_child(
    manager_client, built, history
):
    """ADR 0043: a plan's read is in each of its child's families' trails, not only the first."""
    child = history["a"]
    first = child.memberships.get().family
    second = FamilyFactory(reference="SECOND-HOME")
    MembershipFactory(family=second, person=child)
    manager_client.get(
        reverse("reporting:plans"),
        {"list": "replans_within_24_months", "from": "2024-04-01", "to": "2025-03-31"},
    )
    plan_ids = {str(pk) for pk in child.cp_plans.values_list("pk", flat=True)}
    trails = set(
        AuditEvent.objects.filter(
            action="reporting.plans_list", target_id__in=plan_ids
        ).values_list("family_id", flat=True)
    )
    assert trails == {first.pk, second.pk}


def test_every_drill_down_count_matches_its_figure(manager_client, built):
    """Each number on the dashboard links to a list of exactly that many records."""
    response = manager_client.get(DASHBOARD, YEAR_2024)
    for table in response.context["tables"]:
        for row in table.rows:
            for cell in row:
                if not cell.link:
                    continue
                listed = manager_client.get(cell.link)
                assert listed.status_code == 200, cell.link
                assert listed.context["page"].paginator.count == cell.value, (table.key, cell.link)


def test_open_plans_at_a_month_end(manager_client, built, history):
    response = manager_client.get(
        reverse("reporting:plans"),
        {"list": "open", "at": "2024-05-31", "from": "2024-04-01", "to": "2025-03-31"},
    )
    # 31 May 2024: A3 and F.
    assert {p.child for p in response.context["plans"]} == {history["a"], history["f"]}


@pytest.mark.parametrize(
    "query",
    [
        {"list": "nothing", "from": "2024-04-01", "to": "2025-03-31"},
        {"list": "replans", "from": "2024-04-01"},
        {"list": "replans", "from": "2025-04-01", "to": "2024-03-31"},
        {"list": "ended", "from": "2024-04-01", "to": "2025-03-31", "band": "9"},
        {"list": "open", "from": "2024-04-01", "to": "2025-03-31", "at": "yesterday"},
    ],
)
def test_a_malformed_drill_down_link_is_a_clear_400(manager_client, built, query):
    response = manager_client.get(reverse("reporting:plans"), query)
    assert response.status_code == 400
    assert "The link is not valid" in text_of(response)


@pytest.mark.parametrize(
    "role", [Role.IRO, Role.SOCIAL_WORKER, Role.TRANSITION_WORKER, Role.PARTNER, Role.ADMINISTRATOR]
)
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("reporting:dashboard", {}),
        ("reporting:plans", {"list": "replans", "from": "2024-04-01", "to": "2025-03-31"}),
        ("reporting:families", {"stage": "flagged", "from": "2024-04-01", "to": "2025-03-31"}),
        ("reporting:outcomes", {}),
        ("reporting:comparators", {}),
        ("reporting:scrutiny_pack", {}),
    ],
)
def test_reports_are_for_managers_only(client, make_user, built, role, name, query):
    client.force_login(make_user(role))
    response = client.get(reverse(name), query)
    assert response.status_code == 403
    assert b"83.3%" not in response.content


def test_signed_out_people_are_sent_to_sign_in(client, built):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_drill_down_starts_from_what_the_user_may_see(social_worker, team, built, history):
    """The list is `CPPlan.objects.visible_to(user)` narrowed to the figure: a plan the user may
    not see is not listed, even under a figure that counts it. (The pages are manager-only and a
    manager sees every family; the selector is shown here with a social worker's caseload.)"""
    from cases.services import family_access_grant
    from reporting import selectors
    from reporting.periods import Period

    family = history["e"].memberships.get().family
    family_access_grant(actor=None, family=family, group=team.group, reason="caseload")
    ids = selectors.drilldown_plan_ids(
        user=social_worker,
        selection=selectors.PlanList("started", "replans_within_24_months"),
        period=Period.financial_year(2024),
    )
    # The figure counts A3 and E3; the social worker's caseload holds E's family only.
    assert [p.child for p in selectors.plans_by_ids(ids)] == [history["e"]]


def test_dashboard_without_figures_says_so(manager_client):
    response = manager_client.get(DASHBOARD)
    assert response.status_code == 200
    assert "No figures have been built yet" in text_of(response)


def test_rebuild_request_queues_the_build(manager_client, django_capture_on_commit_callbacks):
    from unittest import mock

    with (
        mock.patch("reporting.tasks.figures_build_nightly.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = manager_client.post(reverse("reporting:refresh"))
    assert response.status_code == 302
    delay.assert_called_once()


def test_dashboard_query_count_is_fixed(manager_client, built, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = manager_client.get(DASHBOARD, YEAR_2024)
    assert response.status_code == 200


def test_drill_down_query_count_is_fixed(manager_client, built, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = manager_client.get(
            reverse("reporting:plans"),
            {"list": "started", "from": "2015-01-01", "to": "2025-12-31"},
        )
    assert response.context["page"].paginator.count == 16


# --- Exports -----------------------------------------------------------------------------------
def test_xlsx_of_every_table_holds_the_pages_numbers_and_is_audited(manager_client, manager, built):
    response = manager_client.get(
        reverse("reporting:export", args=["dashboard", "xlsx"]), YEAR_2024
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Re-plans" in workbook.sheetnames
    rows = list(workbook["Re-plans"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Plans that started in the period", "Plans", "Share of plans started")
    assert rows[2][:4] == ("Second or subsequent plan (ever)", 5, 83.3, 24.5)
    event = AuditEvent.objects.get(action="reporting.export")
    assert event.actor == manager
    assert event.details["report"] == "dashboard/dashboard"
    assert event.details["format"] == "xlsx"
    assert (event.details["from"], event.details["to"]) == ("2024-04-01", "2025-03-31")


def test_csv_of_one_table(manager_client, built):
    response = manager_client.get(
        reverse("reporting:export", args=["children-on-a-plan", "csv"]), YEAR_2024
    )
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Month end,Children on a plan,Baseline")
    assert lines[1].startswith("2024-04-30,4,4")
    assert AuditEvent.objects.filter(action="reporting.export").count() == 1


def test_drill_down_export_is_audited_per_record(manager_client, built, history):
    response = manager_client.get(
        reverse("reporting:plans"),
        {"list": "replans", "from": "2024-04-01", "to": "2025-03-31", "format": "csv"},
    )
    lines = response.content.decode().splitlines()
    assert len(lines) == 6  # header and 5 re-plans
    assert AuditEvent.objects.filter(action="reporting.plans_export").count() == 5
    assert AuditEvent.objects.get(action="reporting.export").details["rows"] == 5


def test_scrutiny_pack_reads_like_the_committees_sentences(manager_client, built):
    response = manager_client.get(reverse("reporting:scrutiny_pack"), YEAR_2024)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    pdf_text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert (
        "83.3% of plans that started in the financial year 2024-25 were a second or subsequent "
        "plan (5 of 6). England 2024-25: 24.5%." in pdf_text
    )
    assert "20.0% of plans open at 31 March 2025 had been open 2 years or more (1 of 5)" in pdf_text
    assert AuditEvent.objects.get(action="reporting.export").details["format"] == "pdf"


# --- Comparator figures --------------------------------------------------------------------------
def test_a_manager_enters_a_statistical_neighbours_figure(manager_client, manager, built):
    response = manager_client.post(
        reverse("reporting:comparators"),
        {
            "measure": "replan_rate",
            "source": "neighbours",
            "year": "2024-25",
            "value": "21.7",
            "numerator": "",
            "denominator": "",
            "note": "Mean of 10 neighbours",
        },
    )
    assert response.status_code == 302
    figure = ComparatorFigure.objects.get(source="neighbours")
    assert (figure.value, figure.entered_by) == (Decimal("21.7"), manager)
    event = AuditEvent.objects.get(action="reporting.comparator_save")
    assert event.details["value"] == "21.7"
    assert event.details["before"] is None
    page = text_of(manager_client.get(DASHBOARD, YEAR_2024))
    assert "Second or subsequent plan (ever) 5 83.3% 24.5% (2024-25) 21.7% (2024-25)" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"year": "2024"}, "Enter the year like 2024-25."),
        ({"year": "2024-26"}, "The second part is the next year, like 2024-25."),
        ({"value": "120"}, "Enter a percentage from 0 to 100."),
        ({"value": "-1"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_bad_comparator_figure_is_explained_and_nothing_saved(manager_client, changes, message):
    data = {"measure": "replan_rate", "source": "neighbours", "year": "2024-25", "value": "20"}
    response = manager_client.post(reverse("reporting:comparators"), {**data, **changes})
    assert response.status_code == 400
    assert message in text_of(response)
    assert not ComparatorFigure.objects.filter(source="neighbours").exists()
    assert not AuditEvent.objects.filter(action="reporting.comparator_save").exists()


def test_removing_a_figure_is_audited(manager_client):
    figure = ComparatorFigure.objects.get(measure="replan_rate", source="england")
    response = manager_client.post(reverse("reporting:comparator_delete", args=[figure.pk]))
    assert response.status_code == 302
    assert not ComparatorFigure.objects.filter(pk=figure.pk).exists()
    event = AuditEvent.objects.get(action="reporting.comparator_delete")
    assert event.details == {
        "measure": "replan_rate",
        "source": "england",
        "year": "2024-25",
        "value": "24.5",
    }


def test_england_figures_are_loaded_as_data():
    from .conftest import load_england_figures

    ComparatorFigure.objects.all().delete()
    load_england_figures()
    load_england_figures()  # idempotent
    assert ComparatorFigure.objects.count() == 8
    figures = {f.measure: f.value for f in ComparatorFigure.objects.filter(source="england")}
    assert figures["replan_rate"] == Decimal("24.5")
    assert figures["children_on_plan"] == Decimal("49420")
    assert [figures[f"ended_band_{i}"] for i in range(5)] == [
        Decimal(v) for v in ("15.9", "11.0", "43.5", "25.2", "4.4")
    ]
