"""`/api/v1/cohort/`: visibility first, filterable, audited, bounded queries."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from cohort import services
from cohort.models import CohortFlag
from tests.factories import FamilyFactory

from .conftest import build_case

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def flags():
    for _ in range(3):
        family = FamilyFactory()
        build_case(family=family)
        build_case(family=family)
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    return list(CohortFlag.objects.order_by("id"))


def test_iro_lists_flags_with_children_and_why(client, iro, flags, django_assert_max_num_queries):
    client.force_login(iro)
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/cohort/flags/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [f.pk for f in flags]
    first = results[0]
    assert first["family_reference"] == flags[0].family.reference
    assert len(first["children"]) == 2
    assert first["children"][0]["previous_plan_end"] == "2022-03-01"
    assert first["children"][0]["months_on_plan"] == 9
    assert AuditEvent.objects.filter(action="cohort_flag.api_list", actor=iro).count() == 3


def test_query_count_does_not_grow_with_the_page(client, iro, django_assert_max_num_queries):
    for _ in range(20):
        build_case()
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    client.force_login(iro)
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/cohort/flags/")
    assert len(response.json()["results"]) == 20


def test_flags_filter_by_status_and_reject_bad_values(client, iro, flags):
    services.cohort_flag_accept(actor=iro, flag=flags[1])
    client.force_login(iro)
    response = client.get("/api/v1/cohort/flags/", {"status": "accepted"})
    assert [r["id"] for r in response.json()["results"]] == [flags[1].pk]
    assert client.get("/api/v1/cohort/flags/", {"status": "nonsense"}).status_code == 400
    since = client.get("/api/v1/cohort/flags/", {"flagged_since": "2024-07-01"})
    assert since.json()["results"] == []


def test_runs_are_listed_for_reviewers_only(
    client, iro, partner_user, flags, django_assert_max_num_queries
):
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    client.force_login(iro)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/cohort/runs/", {"status": "succeeded"})
    assert len(response.json()["results"]) == 2
    response = client.get("/api/v1/cohort/runs/", {"as_of": "2024-06-30", "page_size": 1})
    [run] = response.json()["results"]
    assert run["as_of"] == "2024-06-30"
    assert run["flags_created"] == 3  # id order: the first run
    client.force_login(partner_user)
    assert client.get("/api/v1/cohort/runs/").json()["results"] == []
    assert client.get("/api/v1/cohort/flags/").json()["results"] == []
    assert client.get(f"/api/v1/cohort/flags/{flags[0].pk}/").status_code == 404


def test_transition_worker_sees_only_their_allocated_flag(
    client, iro, manager, transition_worker, flags
):
    services.cohort_flag_accept(actor=iro, flag=flags[0])
    services.cohort_flag_allocate(actor=manager, flag=flags[0], worker=transition_worker)
    client.force_login(transition_worker)
    response = client.get("/api/v1/cohort/flags/")
    assert [r["id"] for r in response.json()["results"]] == [flags[0].pk]
