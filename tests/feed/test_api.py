"""The feed API: only the council's system account posts; every event applies once (natural
keys), a retried request replays (Idempotency-Key); DfE-rule violations are 400s naming the
field; a step-down posted today is read by tonight's cohort run."""

import datetime as dt

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Conference, CPPlan, StepDown
from cases.roles import Role
from cohort.models import CohortFlag
from cohort.services import cohort_run_execute
from sharing import services as sharing

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/"


def ids(family):
    return [child.la_child_id for child in family.children]


def enquiry(feed, family):
    return feed.post(
        URL + "section47-enquiries/",
        {
            "children": ids(family),
            "strategy_discussion_date": "2024-09-02",
            "referral_date": "2024-08-30",
        },
        format="json",
    )


def icpc(feed, family):
    body = {
        "held_on": "2024-09-16",
        "children": [
            {"la_child_id": c, "decision": "plan", "category": "EMO", "da_at_planning": True}
            for c in ids(family)
        ],
    }
    return feed.post(URL + "initial-conferences/", body, format="json")


def step_down(feed, family, held_on="2025-02-10"):
    return feed.post(
        URL + "review-conferences/",
        {
            "held_on": held_on,
            "children": ids(family),
            "decision": "step_down",
            "planned_cin_start": "2025-02-11",
        },
        format="json",
    )


def snapshot():
    """Every row of every model but the audit log and the session store, by table."""
    counts = {}
    for model in apps.get_models():
        if model._meta.label in {"audit.AuditEvent", "sessions.Session"}:
            continue
        counts[model._meta.label] = sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
    return counts


def test_events_build_the_journey_and_applied_twice_change_nothing(feed, siblings):
    first = [enquiry(feed, siblings), icpc(feed, siblings), step_down(feed, siblings)]
    assert [r.status_code for r in first] == [201, 201, 201], [r.json() for r in first]
    assert first[1].json() == {"status": "applied", "applied": ids(siblings), "unchanged": []}
    assert StepDown.objects.filter(source="conference", decided_on="2025-02-10").count() == 2
    before = snapshot()
    writes = AuditEvent.objects.exclude(action="feed.event").count()
    again = [enquiry(feed, siblings), icpc(feed, siblings), step_down(feed, siblings)]
    assert [r.status_code for r in again] == [200, 200, 200]
    assert again[2].json() == {"status": "unchanged", "applied": [], "unchanged": ids(siblings)}
    assert snapshot() == before
    assert AuditEvent.objects.exclude(action="feed.event").count() == writes
    assert AuditEvent.objects.filter(action="feed.event").count() == 6


def test_a_step_down_from_the_feed_flags_the_family_that_night(feed, siblings):
    enquiry(feed, siblings)
    icpc(feed, siblings)
    step_down(feed, siblings)
    cohort_run_execute(actor=None, as_of=dt.date(2025, 2, 11))
    flag = CohortFlag.objects.get(family=siblings)
    assert flag.children.count() == 2


def test_idempotency_key_replays_the_first_answer(feed, siblings):
    enquiry(feed, siblings)
    headers = {"HTTP_IDEMPOTENCY_KEY": "icpc-2024-09-16-sib"}
    body = {
        "held_on": "2024-09-16",
        "children": [
            {"la_child_id": c, "decision": "plan", "category": "NEG"} for c in ids(siblings)
        ],
    }
    first = feed.post(URL + "initial-conferences/", body, format="json", **headers)
    second = feed.post(URL + "initial-conferences/", body, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert CPPlan.objects.filter(start_date="2024-09-16").count() == 2


def test_partial_resend_applies_only_the_missing_child(feed, siblings):
    amelia, noah = ids(siblings)
    enquiry(feed, siblings)
    feed.post(
        URL + "initial-conferences/",
        {
            "held_on": "2024-09-16",
            "children": [{"la_child_id": amelia, "decision": "plan", "category": "EMO"}],
        },
        format="json",
    )
    response = icpc(feed, siblings)
    assert response.status_code == 201
    assert response.json() == {"status": "applied", "applied": [noah], "unchanged": [amelia]}


def test_dfe_rule_violations_are_400_with_field_errors(feed, siblings):
    enquiry(feed, siblings)
    icpc(feed, siblings)
    response = feed.post(
        URL + "review-conferences/",
        {"held_on": "2024-09-16", "children": ids(siblings), "decision": "continue_plan"},
        format="json",
    )
    assert response.status_code == 400
    assert any("8841" in m for m in response.json()["held_on"])
    # A second plan for a child already on one: 8935.
    response = feed.post(
        URL + "initial-conferences/",
        {
            "held_on": "2024-10-01",
            "children": [{"la_child_id": ids(siblings)[0], "decision": "plan", "category": "EMO"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert any("8935" in m for m in response.json()["held_on"])
    response = feed.post(
        URL + "review-conferences/",
        {"held_on": "2025-02-10", "children": ids(siblings), "decision": "step_down"},
        format="json",
    )
    assert response.status_code == 400
    assert "planned_cin_start" in response.json()
    assert not Conference.objects.filter(kind="review").exists()


def test_bad_bodies_and_unknown_children_name_the_field(feed, siblings):
    response = feed.post(
        URL + "section47-enquiries/",
        {"children": ["NOPE1"], "strategy_discussion_date": "2024-09-02"},
        format="json",
    )
    assert response.status_code == 400
    assert "No child with LA child ID NOPE1" in response.json()["children"][0]
    response = feed.post(
        URL + "initial-conferences/", {"held_on": "2024-13-01", "children": []}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"held_on", "children"}
    end = {
        "child": "NOPE1",
        "plan_start_date": "2024-09-16",
        "end_date": "2024-10-01",
        "end_reason": "moved",
    }
    response = feed.post(URL + "plan-ends/", end, format="json")
    assert response.status_code == 400
    assert "NOPE1" in response.json()["child"][0]


def test_a_contradicting_resend_is_409_and_changes_nothing(feed, siblings):
    enquiry(feed, siblings)
    icpc(feed, siblings)
    response = feed.post(
        URL + "initial-conferences/",
        {
            "held_on": "2024-09-16",
            "children": [{"la_child_id": ids(siblings)[0], "decision": "no_plan"}],
        },
        format="json",
    )
    assert response.status_code == 409
    assert "another decision" in response.json()["detail"]


def test_core_group_and_plan_end_events(feed, siblings, police):
    enquiry(feed, siblings)
    icpc(feed, siblings)
    body = {"held_on": "2024-09-26", "children": ids(siblings), "agencies": ["police"]}
    assert feed.post(URL + "core-groups/", body, format="json").status_code == 201
    assert feed.post(URL + "core-groups/", body, format="json").status_code == 200
    end = {
        "child": ids(siblings)[0],
        "plan_start_date": "2024-09-16",
        "end_date": "2024-11-01",
        "end_reason": "moved",
    }
    assert feed.post(URL + "plan-ends/", end, format="json").status_code == 201
    assert feed.post(URL + "plan-ends/", end, format="json").status_code == 200
    assert (
        feed.post(URL + "plan-ends/", {**end, "end_date": "2024-11-02"}, format="json").status_code
        == 409
    )
    bad = {"held_on": "2024-09-26", "children": ids(siblings), "agencies": ["nowhere"]}
    assert "agencies" in feed.post(URL + "core-groups/", bad, format="json").json()


def test_only_the_council_system_account_may_post(
    siblings, make_user, police, council_admin, system_token
):
    body = {
        "children": ids(siblings),
        "strategy_discussion_date": "2024-09-02",
        "referral_date": "2024-08-30",
    }
    police_admin = make_user(Role.ADMINISTRATOR, agency=police)
    client = sharing.api_client_create(actor=police_admin, agency=police, name="Police RMS")
    _, police_raw = sharing.api_token_create(actor=police_admin, client=client, name="live")
    social_worker = make_user(Role.SOCIAL_WORKER)
    _, personal_raw = sharing.api_token_create(actor=social_worker, name="mine")
    for raw in (police_raw, personal_raw):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert api.post(URL + "section47-enquiries/", body, format="json").status_code == 403
    session = APIClient()
    session.force_login(make_user(Role.MANAGER))
    assert session.post(URL + "section47-enquiries/", body, format="json").status_code == 403
    assert APIClient().post(URL + "section47-enquiries/", body, format="json").status_code == 401


def test_the_system_account_reads_no_case_records(feed, siblings):
    assert feed.get("/api/v1/families/").json()["results"] == []
    assert feed.get("/api/v1/plans/").json()["results"] == []
