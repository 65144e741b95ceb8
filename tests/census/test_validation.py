"""Every rule has a broken child in the 2025 sample: it is reported as the DfE rules of 2024-25
say (an error or a query), and the child is imported, all but the element our model cannot
hold; a child is held back whole only when it has no usable LA child ID."""

import datetime as dt

import pytest

from cases.models import CINEpisode, CPPlan, Person
from census.generator import BROKEN, _base, broken_id, header_for
from census.models import CensusHeldBack, CensusImportIssue
from census.records import CPPlanRecord, Section47Record
from census.services import census_import_files
from census.validation import OUR_RULES
from census.xmlio import census_write

from .conftest import sample

#: Rules whose broken child cannot be stored at all (no usable LA child ID, a second copy).
WHOLE_CHILD = {"8500", "1570", "8510"}
#: Rules that hold back one element of an otherwise imported child: the element named.
ELEMENT_HELD = {
    "ST02": "ChildProtectionPlans",
    "8630": "CINclosureDate",
    "8608": "Assessments",
    "4011": "CINPlanDates",
    "8925": "ChildProtectionPlans",
    "8840": "ChildProtectionPlans",
    "8935": "ChildProtectionPlans",
    "8940": "ChildProtectionPlans",
}


@pytest.fixture
def report_2025(db):
    return census_import_files(actor=None, paths=[sample(2025)])


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_rule_is_reported_and_only_what_cannot_be_stored_is_held_back(report_2025, rule):
    element, _mutate = BROKEN[rule]
    child_id = broken_id(rule) or ""
    shown_id = child_id
    issues = CensusImportIssue.objects.filter(census_import=report_2025, la_child_id=shown_id)
    issue = issues.filter(rule=rule, element=element).first()
    assert issue is not None, list(issues.values_list("rule", "element"))
    assert issue.message
    expected = "query" if rule.endswith("Q") else "error"
    assert issue.severity == expected
    stored = Person.objects.filter(la_child_id=child_id or None).exists()
    if rule in WHOLE_CHILD:
        assert CensusHeldBack.objects.filter(rule=rule, element="Child").exists()
        assert stored == (rule == "8510")  # the first of the two copies is imported
    else:
        assert stored, f"{child_id} was lost for {rule}"
    if rule in ELEMENT_HELD:
        held = CensusHeldBack.objects.get(la_child_id=shown_id, rule=rule)
        assert held.element == ELEMENT_HELD[rule]
        assert held.file_name == "cin_census_2025.xml"
        assert held.values
        assert issues.filter(rule=rule, held_back=held).exists()


def test_an_element_held_back_leaves_the_rest_of_the_child(report_2025):
    """X8925's plan ends before it starts: the plan is held back, the child, its CIN episode,
    assessment and CIN plan are imported."""
    child = Person.objects.get(la_child_id="X8925")
    assert CINEpisode.objects.filter(child=child).count() == 1
    assert not CPPlan.objects.filter(child=child).exists()
    assert child.cin_episodes.get().assessments.count() == 1
    assert child.cin_episodes.get().cin_plans.count() == 1


def test_reported_rules_are_ours_or_the_dfe_rules_of_the_year(report_2025):
    from census import dfe_rules

    for rule in set(report_2025.issues.values_list("rule", flat=True)):
        assert rule in OUR_RULES or dfe_rules.severity(rule, 2025), rule


def _return_with(tmp_path, children, name="extra.xml", year=2025):
    path = tmp_path / name
    with path.open("wb") as out:
        census_write(out, header=header_for(year), children=children)
    return path


def test_a_plan_overlapping_a_stored_plan_is_held_back_against_history(db, tmp_path):
    """8940 across returns: the stored plan comes from an earlier import and wins."""
    census_import_files(actor=None, paths=[_return_with(tmp_path, [_base("H1")], "first.xml")])
    later = _base("H1")
    episode = later.episodes[0]
    episode.cp_plans = [CPPlanRecord(dt.date(2024, 10, 7), dt.date(2025, 1, 6), "NEG", "NEG", 1)]
    episode.section47s = [Section47Record(dt.date(2024, 9, 23), None, dt.date(2024, 10, 7))]
    episode.cin_plans = []
    job = census_import_files(actor=None, paths=[_return_with(tmp_path, [later], "second.xml")])
    held = CensusHeldBack.objects.get(la_child_id="H1")
    assert (held.rule, held.element, held.values["start"]) == (
        "8940",
        "ChildProtectionPlans",
        "2024-10-07",
    )
    assert job.counts["children_imported"] == 1
    assert job.counts["elements_held_back"] == 1
    assert list(
        CPPlan.objects.filter(child__la_child_id="H1").values_list("start_date", flat=True)
    ) == [dt.date(2024, 6, 17)]


def test_two_plans_with_the_same_start_are_reported_and_the_second_held_back(db, tmp_path):
    child = _base("S1")
    plan = child.episodes[0].cp_plans[0]
    child.episodes[0].cp_plans.append(
        CPPlanRecord(plan.start, dt.date(2024, 11, 4), "NEG", "NEG", 0)
    )
    job = census_import_files(actor=None, paths=[_return_with(tmp_path, [child])])
    assert job.issues.filter(la_child_id="S1", rule="8940").exists()
    held = CensusHeldBack.objects.get(la_child_id="S1")
    assert (held.rule, held.values["end"]) == ("8940", "2024-11-04")
    stored = CPPlan.objects.get(child__la_child_id="S1")
    assert stored.end_date == plan.end  # the first element, not merged with the second


def test_duplicate_child_records_in_one_return_keep_the_first(db, tmp_path):
    job = census_import_files(
        actor=None, paths=[_return_with(tmp_path, [_base("D1"), _base("D1")])]
    )
    assert job.issues.filter(la_child_id="D1", rule="8510").exists()
    assert Person.objects.filter(la_child_id="D1").count() == 1
    assert job.counts["children_held_back"] == 1


def test_a_batch_the_database_refuses_is_retried_child_by_child(db, tmp_path):
    """A family reference too long for its column fails the batch's statement: the batch rolls
    back to its savepoint, then each child is written alone and only the one that fails is held
    back (ST09)."""
    path = _return_with(tmp_path, [_base("OK1", 1), _base("BAD1", 2)], "two.xml")
    mapping = tmp_path / "families.csv"
    mapping.write_text(f"la_child_id,family_reference\nOK1,FAM-OK\nBAD1,{'F' * 60}\n")
    job = census_import_files(actor=None, paths=[path], families_path=str(mapping))
    assert list(job.issues.filter(rule="ST09").values_list("la_child_id", flat=True)) == ["BAD1"]
    assert (job.counts["children_imported"], job.counts["children_held_back"]) == (1, 1)
    assert list(Person.objects.values_list("la_child_id", flat=True)) == ["OK1"]
    assert Person.objects.get(la_child_id="OK1").families.get().reference == "FAM-OK"
