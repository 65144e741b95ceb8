"""The cohort pages: list with filters and counts, flag page, forms, CSV; bounded queries."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services as case_services
from cases.roles import Role
from cohort import services
from cohort.models import CohortFlag
from tests.factories import FamilyFactory

from .conftest import build_case

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2024, 6, 30)


@pytest.fixture
def flags():
    for _ in range(3):
        build_case()
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    return list(CohortFlag.objects.order_by("id"))


def test_iro_sees_the_cohort_with_counts_per_status(client, iro, flags):
    services.cohort_flag_accept(actor=iro, flag=flags[0])
    client.force_login(iro)
    response = client.get(reverse("cohort:flag_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="count-flagged">2<' in body
    assert 'data-testid="count-accepted">1<' in body
    for flag in flags:
        assert flag.family.reference in body
    assert AuditEvent.objects.filter(action="cohort_flag.list", actor=iro).count() == 3


def test_status_filter_and_empty_state(client, iro, flags):
    client.force_login(iro)
    response = client.get(reverse("cohort:flag_list"), {"status": "active"})
    assert "No flags match these filters." in response.content.decode()
    response = client.get(reverse("cohort:flag_list"), {"status": "flagged"})
    assert "3 flags" in response.content.decode()


def test_flagged_since_and_invalid_filter_shows_an_error_summary(client, iro, flags):
    client.force_login(iro)
    later = client.get(reverse("cohort:flag_list"), {"flagged_since": "2024-07-01"})
    assert "No flags match" in later.content.decode()
    bad = client.get(reverse("cohort:flag_list"), {"flagged_since": "yesterday"})
    body = bad.content.decode()
    assert "There is a problem" in body
    assert "3 flags" in body  # an invalid filter is ignored, not applied


def test_team_and_worker_filters(client, iro, manager, transition_worker, team, flags):
    case_services.family_access_grant(
        actor=None, family=flags[1].family, group=team.group, reason="caseload"
    )
    client.force_login(iro)
    body = client.get(reverse("cohort:flag_list"), {"team": team.pk}).content.decode()
    assert flags[1].family.reference in body
    assert flags[0].family.reference not in body
    services.cohort_flag_accept(actor=iro, flag=flags[2])
    services.cohort_flag_allocate(actor=manager, flag=flags[2], worker=transition_worker)
    body = client.get(
        reverse("cohort:flag_list"), {"worker": transition_worker.pk}
    ).content.decode()
    assert "1 flag<" in body
    assert flags[2].family.reference in body


def test_list_page_query_count_is_bounded(client, iro, django_assert_max_num_queries):
    for _ in range(12):
        family = FamilyFactory()
        build_case(family=family)
        build_case(family=family)
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    client.force_login(iro)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cohort:flag_list"), {"sort": "family"})
    assert response.content.decode().count("cohort/flags/") >= 12


def test_flag_page_explains_why_and_shows_the_timeline(
    client, iro, flags, django_assert_max_num_queries
):
    client.force_login(iro)
    flag = flags[0]
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cohort:flag_detail", args=[flag.pk]))
    body = response.content.decode()
    assert "1 September 2023, 18 months after the previous plan ended on 1 March 2022" in body
    assert "A domestic abuse risk was recorded on the plan on 1 September 2023" in body
    assert "9 months on the plan by 30 June 2024 (at least 4 needed)" in body
    assert "The step-down was decided on 20 May 2024" in body
    assert "1 Sep 2021 to 1 Mar 2022" in body  # timeline: the previous plan
    assert AuditEvent.objects.filter(action="cohort_flag.view", family_id=flag.family_id).exists()


def test_decline_needs_a_reason_with_an_error_summary(client, iro, flags):
    client.force_login(iro)
    url = reverse("cohort:flag_decline", args=[flags[0].pk])
    response = client.post(url, {"reason": "  "})
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_reason">Enter why the flag is declined' in body
    response = client.post(url, {"reason": "Family moved to Wales"})
    assert response.status_code == 302
    flags[0].refresh_from_db()
    assert flags[0].status == "declined"
    assert flags[0].events.last().note == "Family moved to Wales"


def test_only_iros_accept_and_only_managers_allocate(
    client, manager, iro, transition_worker, flags
):
    client.force_login(manager)
    assert client.post(reverse("cohort:flag_accept", args=[flags[0].pk])).status_code == 403
    client.force_login(iro)
    assert client.post(reverse("cohort:flag_accept", args=[flags[0].pk])).status_code == 302
    url = reverse("cohort:flag_allocate", args=[flags[0].pk])
    assert client.post(url, {"worker": transition_worker.pk}).status_code == 403
    client.force_login(manager)
    response = client.post(url, {"worker": ""})
    assert "Choose a transition worker" in response.content.decode()
    assert client.post(url, {"worker": transition_worker.pk}).status_code == 302
    flags[0].refresh_from_db()
    assert flags[0].worker == transition_worker


def test_unseen_flags_are_404_and_partners_see_no_cohort(client, make_user, partner_user, flags):
    from cases.roles import Role

    social_worker = make_user(Role.SOCIAL_WORKER)  # no caseload
    client.force_login(social_worker)
    assert client.get(reverse("cohort:flag_detail", args=[flags[0].pk])).status_code == 404
    client.force_login(partner_user)
    assert client.get(reverse("cohort:flag_list")).status_code == 403


def test_csv_download_of_the_filtered_list(client, iro, flags):
    services.cohort_flag_accept(actor=iro, flag=flags[0])
    client.force_login(iro)
    response = client.get(reverse("cohort:flag_export"), {"status": "accepted"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["family_reference"] for r in rows] == [flags[0].family.reference]
    assert rows[0]["status"] == "accepted"
    assert rows[0]["previous_cp_plan_end"] == "2022-03-01"


def test_dispute_is_raised_and_answered(client, iro, manager, flags):
    client.force_login(iro)
    url = reverse("cohort:flag_dispute", args=[flags[0].pk])
    assert "Enter your challenge" in client.post(url, {"note": ""}).content.decode()
    assert client.post(url, {"note": "The DA flag was recorded in error"}).status_code == 302
    dispute = flags[0].disputes.get()
    client.force_login(manager)
    page = client.get(reverse("cohort:flag_detail", args=[flags[0].pk])).content.decode()
    assert "Answer this challenge" in page
    answer_url = reverse("cohort:dispute_answer", args=[dispute.pk])
    assert (
        client.post(answer_url, {"answer": "Checked with the chair: it stands"}).status_code == 302
    )
    dispute.refresh_from_db()
    assert dispute.answered_by == manager


def test_run_pages_show_history_missing_near_misses(client, iro):
    plan = build_case(previous=None, number_of_previous_cpp=2)
    run = services.cohort_run_execute(actor=None, as_of=AS_OF)
    client.force_login(iro)
    assert "2024" in client.get(reverse("cohort:run_list")).content.decode()
    body = client.get(reverse("cohort:run_detail", args=[run.pk])).content.decode()
    assert plan.child.la_child_id in body
    assert "History missing: the plan records 2 previous plans" in body


@pytest.fixture
def allocated(flags, iro, manager, transition_worker):
    flag = flags[0]
    services.cohort_flag_accept(actor=iro, flag=flag)
    services.cohort_flag_allocate(actor=manager, flag=flag, worker=transition_worker)
    flag.refresh_from_db()
    return flag


def test_manager_reallocates_an_allocated_flag(
    client, manager, transition_worker, make_user, allocated
):
    new_worker = make_user(Role.TRANSITION_WORKER)
    url = reverse("cohort:flag_reallocate", args=[allocated.pk])
    client.force_login(manager)
    page = client.get(reverse("cohort:flag_detail", args=[allocated.pk])).content.decode()
    assert f'href="{url}">Reallocate to another worker</a>' in page
    assert client.get(url).status_code == 200

    response = client.post(url, {"worker": new_worker.pk, "reason": "Caseload balancing"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cohort:flag_detail", args=[allocated.pk])
    body = client.get(response["Location"]).content.decode()
    assert f'data-testid="flag-worker">{new_worker},' in body
    assert f"Reallocated from {transition_worker} to {new_worker}: Caseload balancing" in body
    allocated.refresh_from_db()
    assert (allocated.status, allocated.worker) == ("allocated", new_worker)
    assert allocated.family.transition_worker == new_worker


def test_reallocate_is_for_managers_only(client, iro, transition_worker, make_user, allocated):
    new_worker = make_user(Role.TRANSITION_WORKER)
    url = reverse("cohort:flag_reallocate", args=[allocated.pk])
    for user in (transition_worker, iro):
        client.force_login(user)
        page = client.get(reverse("cohort:flag_detail", args=[allocated.pk])).content.decode()
        assert "Reallocate" not in page
        assert client.get(url).status_code == 403
        assert client.post(url, {"worker": new_worker.pk, "reason": "x"}).status_code == 403
    allocated.refresh_from_db()
    assert allocated.worker == transition_worker


def test_reallocate_needs_a_reason_and_a_different_worker(
    client, manager, transition_worker, make_user, allocated
):
    url = reverse("cohort:flag_reallocate", args=[allocated.pk])
    client.force_login(manager)
    response = client.post(url, {"worker": make_user(Role.TRANSITION_WORKER).pk, "reason": " "})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'href="#id_reason">Enter why the family is moving to another worker' in body
    response = client.post(url, {"worker": transition_worker.pk, "reason": "Leaving"})
    assert 'href="#id_worker">Choose a different transition worker' in response.content.decode()
    allocated.refresh_from_db()
    assert allocated.worker == transition_worker
    assert allocated.family.transition_worker == transition_worker
    assert not AuditEvent.objects.filter(action="cohort_flag.reallocate").exists()
