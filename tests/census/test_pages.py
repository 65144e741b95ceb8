"""Census import pages: managers only (others 403, ADR 0042), upload errors, progress JSON,
report, CSV."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import CPPlan, Person
from cases.roles import Role
from census.models import CensusHeldBack, CensusImport
from census.services import census_import_files

from .conftest import SAMPLES, sample


def upload(name="cin.xml", content=None):
    return SimpleUploadedFile(name, content if content is not None else sample(2023).read_bytes())


@pytest.mark.parametrize(
    "role", [Role.IRO, Role.SOCIAL_WORKER, Role.TRANSITION_WORKER, Role.ADMINISTRATOR]
)
def test_only_managers_find_the_pages(client, make_user, role):
    job = census_import_files(actor=None, paths=[sample(2023)])
    client.force_login(make_user(role))
    for url in [
        reverse("census:upload"),
        reverse("census:import_detail", args=[job.pk]),
        reverse("census:import_status", args=[job.pk]),
        reverse("census:import_report_csv", args=[job.pk]),
    ]:
        assert client.get(url).status_code == 403
    assert client.post(reverse("census:upload"), {"returns": upload()}).status_code == 403
    assert CensusImport.objects.count() == 1


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(reverse("census:upload"))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_the_navigation_links_managers_to_the_import(client, manager, iro):
    client.force_login(manager)
    assert b"Census import" in client.get("/").content
    client.force_login(iro)
    assert b"Census import" not in client.get("/").content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select at least one census return (an XML file)"),
        ({"returns": upload("cin.csv")}, "cin.csv must be an XML file"),
        ({"returns": upload("empty.xml", b"")}, "The submitted file is empty."),
        (
            {"returns": upload(), "families": upload("families.txt", b"x")},
            "The families mapping must be a CSV file",
        ),
    ],
)
def test_upload_errors_are_shown_in_an_error_summary(client, manager, media_root, data, message):
    client.force_login(manager)
    response = client.post(reverse("census:upload"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert response.context["form"].errors
    assert CensusImport.objects.count() == 0


def test_an_upload_queues_an_import_and_shows_its_progress(
    client, manager, media_root, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("census:upload"),
            {
                "returns": [upload("a.xml"), upload("b.xml", sample(2024).read_bytes())],
                "families": upload("families.csv", (SAMPLES / "families.csv").read_bytes()),
            },
        )
    job = CensusImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("census:import_detail", args=[job.pk])
    assert len(callbacks) == 1  # the worker is dispatched once the job is committed
    assert (job.status, job.file_names, job.created_by) == ("queued", ["a.xml", "b.xml"], manager)
    assert all(p.startswith(str(media_root)) for p in job.stored_paths)
    page = client.get(response["Location"])
    assert b'<progress id="census-progress-bar"' in page.content
    status = client.get(reverse("census:import_status", args=[job.pk])).json()
    assert status == {
        "status": "queued",
        "status_label": "Waiting to start",
        "finished": False,
        "children_total": 0,
        "children_done": 0,
        "percent": 0,
        "message": "",
    }


def test_report_page_lists_rejected_records_within_a_query_bound(
    client, manager, django_assert_max_num_queries
):
    job = census_import_files(actor=manager, paths=[sample(2025)])
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("census:import_detail", args=[job.pk]))
    html = response.content.decode()
    first = job.issues.order_by("id").first()
    assert first.la_child_id in html
    assert first.rule in html
    assert "Held back" in html
    assert "Imported" in html
    assert "Finished with problems" in html
    assert "cin_census_2025.xml" in html  # the file column, and the per-file counts table
    assert response.context["page"].paginator.count == job.issues.count()
    status = client.get(reverse("census:import_status", args=[job.pk])).json()
    assert (status["finished"], status["percent"]) == (True, 100)


def test_recent_imports_list_is_bounded(client, manager, django_assert_max_num_queries):
    for _ in range(3):
        census_import_files(actor=manager, paths=[sample(2023)])
    client.force_login(manager)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("census:upload"))
    assert len(response.context["recent"]) == 3


def test_report_downloads_as_csv(client, manager):
    job = census_import_files(actor=manager, paths=[sample(2025)])
    client.force_login(manager)
    response = client.get(reverse("census:import_report_csv", args=[job.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["file", "la_child_id", "element", "rule", "severity", "result", "message"]
    assert ["cin_census_2025.xml", "X8940", "CPPstartDate", "8940", "error", "imported"] in [
        r[:6] for r in rows
    ]
    assert [
        "cin_census_2025.xml",
        "X8940",
        "ChildProtectionPlans",
        "8940",
        "error",
        "held back",
    ] in [r[:6] for r in rows]
    assert len(rows) == job.issues.count() + 1


def test_a_refused_upload_shows_one_clear_message(client, manager):
    job = census_import_files(actor=manager, paths=[SAMPLES / "not_census.xml"])
    client.force_login(manager)
    html = client.get(reverse("census:import_detail", args=[job.pk])).content.decode()
    assert "The file was refused" in html
    assert "not_census.xml: This file is not a children in need census return" in html


# --- The data quality page ---------------------------------------------------------------------
def _held(manager):
    census_import_files(actor=manager, paths=[sample(2025)])
    return CensusHeldBack.objects.get(la_child_id="X8925")


def test_data_quality_lists_held_back_elements_within_a_query_bound(
    client, manager, django_assert_max_num_queries
):
    census_import_files(actor=manager, paths=[sample(2025)])
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("census:held_back_list"))
    html = response.content.decode()
    assert response.context["page"].paginator.count == CensusHeldBack.objects.count() > 5
    assert "X8925" in html
    assert "ChildProtectionPlans" in html
    assert "8925" in html
    empty = client.get(reverse("census:held_back_list") + "?status=dismissed")
    assert b"Nothing here." in empty.content


@pytest.mark.parametrize(
    "role", [Role.IRO, Role.SOCIAL_WORKER, Role.TRANSITION_WORKER, Role.PARTNER, Role.ADMINISTRATOR]
)
def test_the_data_quality_pages_are_403_for_other_roles(client, make_user, manager, role):
    """ADR 0042: a page the role never uses is 403, the same for every id (checked before any
    lookup); nothing is changed or audited as read."""
    item = _held(manager)
    client.force_login(make_user(role))
    assert client.get(reverse("census:held_back_list")).status_code == 403
    assert client.get(reverse("census:held_back_detail", args=[item.pk])).status_code == 403
    assert client.get(reverse("census:held_back_detail", args=[item.pk + 999])).status_code == 403
    assert (
        client.post(
            reverse("census:held_back_detail", args=[item.pk]), {"dismiss": "1", "reason": "x"}
        ).status_code
        == 403
    )
    item.refresh_from_db()
    assert item.status == "open"
    assert not AuditEvent.objects.filter(action__startswith="census_held_back.").exists()


def test_a_held_back_element_that_does_not_exist_is_404_for_a_manager(client, manager):
    item = _held(manager)
    client.force_login(manager)
    url = reverse("census:held_back_detail", args=[item.pk + 999])
    assert client.get(url).status_code == 404


def test_the_data_quality_pages_are_audited_reads_naming_the_children(client, manager):
    item = _held(manager)
    client.force_login(manager)
    client.get(reverse("census:held_back_list"))
    listed = AuditEvent.objects.filter(action="census_held_back.list", actor=manager)
    # One row per element shown, each naming the page's children.
    assert listed.count() == CensusHeldBack.objects.filter(status="open").count() > 1
    assert all("X8925" in event.details["la_child_ids"] for event in listed)
    assert listed.filter(target_id=str(item.pk)).exists()
    client.get(reverse("census:held_back_detail", args=[item.pk]))
    viewed = AuditEvent.objects.get(action="census_held_back.view", target_id=str(item.pk))
    assert viewed.details["la_child_ids"] == ["X8925"]


def test_a_manager_corrects_a_held_back_plan_and_applies_it(client, manager):
    item = _held(manager)  # X8925: the plan ends 10 June 2024, before it starts on 17 June
    client.force_login(manager)
    url = reverse("census:held_back_detail", args=[item.pk])
    page = client.get(url).content.decode()
    assert "CP plan end date" in page
    assert 'name="correct-end_day"' in page
    assert AuditEvent.objects.filter(
        action="census_held_back.view", target_id=str(item.pk)
    ).exists()
    still_wrong = {
        "correct-start_day": "17",
        "correct-start_month": "6",
        "correct-start_year": "2024",
        "correct-end_day": "1",
        "correct-end_month": "6",
        "correct-end_year": "2024",
        "correct-initial_category": "EMO",
        "correct-latest_category": "EMO",
        "correct-number_of_previous_cpp": "0",
    }
    response = client.post(url, still_wrong)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "8925" in response.content.decode()
    assert not CPPlan.objects.filter(child__la_child_id="X8925").exists()
    corrected = {**still_wrong, "correct-end_day": "16", "correct-end_month": "12"}
    response = client.post(url, corrected)
    assert response.status_code == 302
    plan = CPPlan.objects.get(child__la_child_id="X8925")
    assert (plan.start_date, plan.end_date) == (dt.date(2024, 6, 17), dt.date(2024, 12, 16))
    item.refresh_from_db()
    assert (item.status, item.resolved_by) == ("applied", manager)
    event = AuditEvent.objects.get(action="census.held_back_apply")
    assert event.actor == manager
    assert event.details["was"]["end"] == "2024-06-10"
    assert event.details["now"]["end"] == "2024-12-16"


def test_a_manager_dismisses_a_held_back_element_with_a_reason(client, manager):
    item = _held(manager)
    client.force_login(manager)
    url = reverse("census:held_back_detail", args=[item.pk])
    response = client.post(url, {"dismiss": "1", "reason": ""})
    assert "Enter why this element is dismissed" in response.content.decode()
    response = client.post(url, {"dismiss": "1", "reason": "Entered twice in the case system"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.resolution_note) == ("dismissed", "Entered twice in the case system")
    assert AuditEvent.objects.get(action="census.held_back_dismiss").actor == manager
    assert not CPPlan.objects.filter(child__la_child_id="X8925").exists()


def test_a_held_back_child_is_applied_under_a_corrected_id(client, manager):
    census_import_files(actor=manager, paths=[sample(2025)])
    item = CensusHeldBack.objects.get(rule="1570")
    client.force_login(manager)
    response = client.post(
        reverse("census:held_back_detail", args=[item.pk]), {"correct-LAchildID": "X1570"}
    )
    assert response.status_code == 302
    child = Person.objects.get(la_child_id="X1570")
    assert CPPlan.objects.filter(child=child).count() == 1
    assert child.families.exists()


def test_an_upload_the_broker_cannot_take_is_kept_and_can_be_retried(
    client, manager, media_root, settings, django_capture_on_commit_callbacks
):
    """The broker at a closed port: the page says so (no 500), the file is kept, and the job
    can be started again."""
    from config.celery import app

    def broker(url):
        app.conf.broker_url = app.conf.broker_write_url = url
        app._pool = None  # the next publish connects afresh, to this broker
        app.amqp._producer_pool = None

    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        client.force_login(manager)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("census:upload"), {"returns": upload("a.xml")})
        assert response.status_code == 302
        job = CensusImport.objects.get()
        assert job.status == "not_queued"
        assert all(Path(p).exists() for p in job.stored_paths)
        page = client.get(response["Location"]).content.decode()
        assert "The import could not be queued" in page
        assert "Your files are kept" in page
        assert "Start the import again" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("census:import_retry", args=[job.pk]))
        job.refresh_from_db()
        assert job.status == "not_queued"  # still unreachable: marked again, not lost
        assert AuditEvent.objects.filter(action="census.import_retry").count() == 1
    finally:
        broker(settings.CELERY_BROKER_URL)
