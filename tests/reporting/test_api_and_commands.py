"""`GET /api/v1/reports/replans/` and the `report_*` commands give the same figures."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from cases.roles import Role
from reporting.models import FiguresBuild

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/replans/"
YEAR = {"from": "2024-04-01", "to": "2025-03-31"}
EXPECTED = {
    # Worked out in test_measures.test_replan_rate_and_within_windows.
    "from": "2024-04-01",
    "to": "2025-03-31",
    "figures_as_at": "2025-06-30",
    "plans_started": 6,
    "second_or_subsequent": 5,
    "rate": 0.8333,
    "within_24_months": 2,
    "rate_within_24_months": 0.3333,
    "within_window": 1,
    "rate_within_window": 0.1667,
    "window_months": 18,
    "previous_plan_known": 3,
    "previous_plan_unknown": 2,
}


def run(*args: str) -> dict:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_api_gives_the_replan_figures_to_a_manager(client, manager, history, build):
    build()
    client.force_login(manager)
    response = client.get(URL, YEAR)
    assert response.status_code == 200
    assert response.json() == EXPECTED
    event = AuditEvent.objects.get(action="reporting.export")
    assert event.details["report"] == "api/replans"
    assert event.actor == manager


@pytest.mark.parametrize(
    "role", [Role.IRO, Role.SOCIAL_WORKER, Role.TRANSITION_WORKER, Role.PARTNER, Role.ADMINISTRATOR]
)
def test_api_refuses_everyone_else(client, make_user, history, build, role):
    build()
    client.force_login(make_user(role))
    response = client.get(URL, YEAR)
    assert response.status_code == 403
    assert "plans_started" not in response.content.decode()


def test_api_needs_a_sign_in(client):
    assert client.get(URL, YEAR).status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "from"),
        ({"from": "2024-04-01"}, "to"),
        ({"from": "2024-13-01", "to": "2025-03-31"}, "from"),
        ({"from": "2025-04-01", "to": "2024-03-31"}, "to"),
        ({"from": "2000-01-01", "to": "2025-03-31"}, "to"),
    ],
)
def test_api_explains_a_bad_period(client, manager, query, field):
    client.force_login(manager)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert field in response.json()


def test_api_query_count_is_fixed(client, manager, history, build, django_assert_max_num_queries):
    build()
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        assert client.get(URL, YEAR).status_code == 200


def test_report_replans_prints_the_same_object_as_the_api(history, build):
    build()
    assert run(
        "report_replans", "--from", "2024-04-01", "--to", "2025-03-31", "--format", "json"
    ) == (EXPECTED)


def test_report_replans_builds_the_figures_when_there_are_none(history):
    data = run("report_replans", "--from", "2024-04-01", "--to", "2025-03-31", "--format", "json")
    assert data["plans_started"] == 6
    assert FiguresBuild.objects.filter(status="succeeded").count() == 1


def test_report_cp_counts(history, build):
    build()
    data = run("report_cp_counts", "--from", "2024-04-01", "--to", "2024-06-30", "--format", "json")
    assert data["month_ends"] == [
        {"date": "2024-04-30", "children": 4},
        {"date": "2024-05-31", "children": 2},
        {"date": "2024-06-30", "children": 3},
    ]


def test_report_durations(history, build):
    build()
    data = run("report_durations", "--from", "2024-04-01", "--to", "2025-03-31", "--format", "json")
    assert data["open_at"] == "2025-03-31"
    assert data["open"] == {"≤3m": 1, "3-6m": 1, "6-12m": 2, "1-2y": 0, "2y+": 1}
    assert data["ended"] == {"≤3m": 2, "3-6m": 1, "6-12m": 0, "1-2y": 1, "2y+": 1}
    assert (data["open_2y_plus_share"], data["ended_2y_plus_share"]) == (0.2, 0.2)


def test_text_output_and_a_backwards_period(history, build):
    build()
    out = StringIO()
    call_command("report_replans", "--from", "2024-04-01", "--to", "2025-03-31", stdout=out)
    assert "second_or_subsequent: 5" in out.getvalue()
    with pytest.raises(CommandError, match="--to must be on or after --from"):
        call_command("report_replans", "--from", "2025-04-01", "--to", "2024-03-31")


def test_reporting_build_command(history):
    out = StringIO()
    call_command("reporting_build", "--as-of", "2025-06-30", stdout=out)
    assert "as at 2025-06-30" in out.getvalue()
    assert FiguresBuild.objects.get().status == FiguresBuild.Status.SUCCEEDED
