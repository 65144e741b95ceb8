"""Every validation rule has a broken child in the 2025 sample: it is reported, and skipped
(errors) or imported (queries, rule numbers ending in Q)."""

import datetime as dt

import pytest

from cases.models import CPPlan, Person
from census.generator import BROKEN, _base, broken_id, header_for
from census.models import CensusImportIssue
from census.records import CPPlanRecord, Section47Record
from census.services import census_import_files
from census.validation import RULES
from census.xmlio import census_write

from .conftest import sample


@pytest.fixture
def report_2025(db):
    job = census_import_files(actor=None, paths=[sample(2025)])
    return job


def test_every_rule_has_a_broken_sample_child():
    assert set(BROKEN) == set(RULES)


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_rule_is_reported_and_the_child_skipped_or_imported(report_2025, rule):
    element, _mutate = BROKEN[rule]
    child_id = broken_id(rule) or ""
    issues = CensusImportIssue.objects.filter(census_import=report_2025, la_child_id=child_id)
    issue = issues.filter(rule=rule).first()
    assert issue is not None, list(issues.values_list("rule", flat=True))
    assert issue.element == element
    assert issue.message
    stored = Person.objects.filter(la_child_id=child_id or None).exists()
    if rule.endswith("Q") or rule == "8510":  # 8510: the first of the two copies is imported
        assert issue.severity == ("warning" if rule.endswith("Q") else "error")
        assert stored
    else:
        assert issue.severity == "error"
        assert not stored


def test_a_rejected_child_leaves_nothing_behind(report_2025):
    rejected = set(
        CensusImportIssue.objects.filter(census_import=report_2025, severity="error").values_list(
            "la_child_id", flat=True
        )
    )
    rejected.discard("X8510")  # its first copy was imported
    assert len(rejected) == sum(1 for rule in BROKEN if not rule.endswith("Q")) - 1
    assert not Person.objects.filter(la_child_id__in=rejected).exists()
    assert not CPPlan.objects.filter(child__la_child_id__in=rejected).exists()
    assert report_2025.counts["children_rejected"] == len(rejected) + 1


def _return_with(tmp_path, child, name="extra.xml"):
    path = tmp_path / name
    with path.open("wb") as out:
        census_write(out, header=header_for(2025), children=[child])
    return path


def test_a_plan_overlapping_a_stored_plan_is_rejected_against_history(db, tmp_path):
    """8940 across returns: the stored plan comes from an earlier import."""
    census_import_files(actor=None, paths=[_return_with(tmp_path, _base("H1"), "first.xml")])
    later = _base("H1")
    episode = later.episodes[0]
    episode.cp_plans = [CPPlanRecord(dt.date(2024, 10, 7), dt.date(2025, 1, 6), "NEG", "NEG", 1)]
    episode.section47s = [Section47Record(dt.date(2024, 9, 23), None, dt.date(2024, 10, 7))]
    episode.cin_plans = []
    job = census_import_files(actor=None, paths=[_return_with(tmp_path, later, "second.xml")])
    # It also overlaps the stored CIN plan (4001): both are judged on the merged history.
    assert set(job.issues.values_list("la_child_id", "rule")) == {("H1", "8940"), ("H1", "4001")}
    assert job.counts["children_rejected"] == 1
    assert list(
        CPPlan.objects.filter(child__la_child_id="H1").values_list("start_date", flat=True)
    ) == [dt.date(2024, 6, 17)]


def test_duplicate_child_records_in_one_return_are_rejected(db, tmp_path):
    path = tmp_path / "dupes.xml"
    with path.open("wb") as out:
        census_write(out, header=header_for(2025), children=[_base("D1"), _base("D1")])
    job = census_import_files(actor=None, paths=[path])
    assert job.issues.filter(la_child_id="D1", rule="8510").exists()
    assert Person.objects.filter(la_child_id="D1").count() == 1


def test_a_batch_the_database_refuses_is_retried_child_by_child(db, tmp_path):
    """A family reference too long for its column fails the batch's statement: the batch rolls
    back whole, then each child is written alone and only the one that fails is rejected."""
    path = tmp_path / "two.xml"
    with path.open("wb") as out:
        census_write(out, header=header_for(2025), children=[_base("OK1", 1), _base("BAD1", 2)])
    mapping = tmp_path / "families.csv"
    mapping.write_text(f"la_child_id,family_reference\nOK1,FAM-OK\nBAD1,{'F' * 60}\n")
    job = census_import_files(actor=None, paths=[path], families_path=str(mapping))
    assert list(job.issues.values_list("la_child_id", "rule")) == [("BAD1", "ST09")]
    assert (job.counts["children_imported"], job.counts["children_rejected"]) == (1, 1)
    assert list(Person.objects.values_list("la_child_id", flat=True)) == ["OK1"]
    assert CPPlan.objects.filter(child__la_child_id="BAD1").count() == 0
    assert Person.objects.get(la_child_id="OK1").families.get().reference == "FAM-OK"
