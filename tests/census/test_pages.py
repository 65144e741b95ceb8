"""Census import pages: managers only (others 403, ADR 0042), upload errors, progress JSON,
report, CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.roles import Role
from census.models import CensusImport
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
    assert "X8940" in html
    assert "8940" in html
    assert "Not imported" in html
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
    assert rows[0] == ["file", "la_child_id", "element", "rule", "severity", "message"]
    assert ["cin_census_2025.xml", "X8940", "CPPstartDate", "8940", "error"] in [
        r[:5] for r in rows
    ]
    assert len(rows) == job.issues.count() + 1


def test_a_refused_upload_shows_one_clear_message(client, manager):
    job = census_import_files(actor=manager, paths=[SAMPLES / "not_census.xml"])
    client.force_login(manager)
    html = client.get(reverse("census:import_detail", args=[job.pk])).content.decode()
    assert "The file was refused" in html
    assert "not_census.xml: This file is not a children in need census return" in html
