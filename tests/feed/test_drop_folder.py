"""The drop folder: each census file dropped is imported once, through the census import's own
service and task; a file still being written waits; the schedule is in beat."""

import os
import shutil
import time

import pytest
from django.conf import settings as django_settings

from audit.models import AuditEvent
from cases.models import CPPlan, Person
from census.models import CensusImport
from census.tasks import census_import_process
from feed.models import FeedDropFile
from feed.services import feed_drop_folder_scan
from feed.tasks import feed_drop_folder_import
from tests.census.conftest import SAMPLES, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def drop(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "drop"
    folder.mkdir()
    settings.FEED_DROP_FOLDER = str(folder)
    settings.FEED_DROP_SETTLE_SECONDS = 0
    return folder


def put(folder, year, name=None, age_seconds=120):
    target = folder / (name or f"cin_census_{year}.xml")
    shutil.copy(sample(year), target)
    then = time.time() - age_seconds
    os.utime(target, (then, then))
    return target


def test_a_dropped_file_is_imported_once(drop):
    put(drop, 2024)
    shutil.copy(SAMPLES / "families.csv", drop / "families.csv")
    assert feed_drop_folder_import() == 1
    dropped = FeedDropFile.objects.get()
    job = dropped.census_import
    assert job.status == CensusImport.Status.QUEUED
    assert job.file_names == ["cin_census_2024.xml"]
    assert job.families_path.endswith("families.csv")
    assert not (drop / "cin_census_2024.xml").exists()
    assert [p.name.endswith("-cin_census_2024.xml") for p in (drop / "processed").iterdir()] == [
        True
    ]
    # The worker runs the import the census upload queued (here called directly).
    assert census_import_process(job.pk) == CensusImport.Status.FINISHED
    children = Person.objects.filter(kind="child").count()
    plans = CPPlan.objects.count()
    assert children > 0
    assert plans > 0
    # The same file dropped again (a resend): moved aside, not imported again.
    put(drop, 2024, name="resend.xml")
    assert feed_drop_folder_import() == 0
    assert CensusImport.objects.count() == 1
    assert (Person.objects.filter(kind="child").count(), CPPlan.objects.count()) == (
        children,
        plans,
    )
    assert len(list((drop / "processed").iterdir())) == 2
    assert AuditEvent.objects.filter(action="feed.drop_file").count() == 1


def test_files_are_taken_oldest_first_and_a_file_being_written_waits(drop):
    put(drop, 2024, age_seconds=100)
    put(drop, 2023, age_seconds=200)
    put(drop, 2025, age_seconds=0)
    queued = feed_drop_folder_scan(actor=None, folder=drop, settle_seconds=60)
    assert [f.name for f in queued] == ["cin_census_2023.xml", "cin_census_2024.xml"]
    assert (drop / "cin_census_2025.xml").exists()  # still settling
    (drop / "notes.txt").write_text("not a census file")
    assert feed_drop_folder_scan(actor=None, folder=drop, settle_seconds=0)[0].name == (
        "cin_census_2025.xml"
    )
    assert (drop / "notes.txt").exists()


def test_unset_folder_does_nothing_and_a_missing_one_fails_loudly(settings, tmp_path):
    settings.FEED_DROP_FOLDER = ""
    assert feed_drop_folder_import() == 0
    with pytest.raises(FileNotFoundError):
        feed_drop_folder_scan(actor=None, folder=tmp_path / "absent")


def test_the_drop_folder_is_scheduled_before_the_cohort_run():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    feed = schedule["feed-drop-folder"]
    assert feed["task"] == "feed.tasks.feed_drop_folder_import"
    cohort = schedule["cohort-nightly"]["schedule"]
    assert sorted(feed["schedule"].hour) == [1]
    assert sorted(cohort.hour) == [2]
