"""The census import: several years build one history, the mapping rules, idempotence, refusal."""

import datetime as dt

import pytest
from django.conf import settings

from audit.models import AuditEvent
from cases.codes import DA_FACTORS
from cases.models import (
    Assessment,
    CINEpisode,
    CINPlan,
    Conference,
    CPPlan,
    DARiskFlag,
    FamilyMembership,
    Person,
    StepDown,
)
from cases.step_downs import step_downs_for_plans
from census.generator import generate_children
from census.importer import WRITTEN_MODELS, family_reference_for
from census.models import CensusImport
from census.records import child_in_year
from census.services import census_import_files

from .conftest import SAMPLES, YEARS, sample

LAST_REFERENCE_DATE = dt.date(2025, 3, 31)


def truth():
    """The generator's full histories behind the samples (same arguments as write_samples)."""
    generated = generate_children(60, seed=7, first=dt.date(2022, 4, 1), last=dt.date(2024, 12, 1))
    return [
        (child_in_year(child, LAST_REFERENCE_DATE), child, family) for child, family in generated
    ]


def snapshot():
    """Everything the import writes, as comparable values (timestamps included)."""
    return {
        model.__name__: sorted(map(repr, model.objects.values_list())) for model in WRITTEN_MODELS
    }


def test_plan_open_at_one_year_end_gets_its_end_date_from_the_next_return(db):
    spanning = [
        (full, plan)
        for _sliced, full, _family in truth()
        for episode in full.episodes
        for plan in episode.cp_plans
        if plan.start <= dt.date(2024, 3, 31) < plan.end <= LAST_REFERENCE_DATE
    ]
    assert spanning, "the samples must hold a plan spanning 31 March 2024"
    census_import_files(actor=None, paths=[sample(2023), sample(2024)])
    for full, plan in spanning:
        stored = CPPlan.objects.get(child__la_child_id=full.la_child_id, start_date=plan.start)
        assert stored.end_date is None
    census_import_files(actor=None, paths=[sample(2025)])
    for full, plan in spanning:
        stored = CPPlan.objects.get(child__la_child_id=full.la_child_id, start_date=plan.start)
        assert stored.end_date == plan.end


def test_three_years_hold_the_full_history_of_every_child(imported):
    assert imported.status == CensusImport.Status.PROBLEMS  # the 2025 sample holds broken children
    checked = 0
    for _sliced, full, _family in truth():
        expected_plans = {
            (p.start, p.end if p.end and p.end <= LAST_REFERENCE_DATE else None)
            for e in full.episodes
            for p in e.cp_plans
            if p.start <= LAST_REFERENCE_DATE
        }
        stored = set(
            CPPlan.objects.filter(child__la_child_id=full.la_child_id).values_list(
                "start_date", "end_date"
            )
        )
        assert stored == expected_plans, full.la_child_id
        referrals = {e.referral for e in full.episodes if e.referral <= LAST_REFERENCE_DATE}
        assert (
            set(
                CINEpisode.objects.filter(child__la_child_id=full.la_child_id).values_list(
                    "referral_date", flat=True
                )
            )
            == referrals
        )
        checked += 1
    assert checked == 60


def test_da_at_planning_and_step_downs_follow_the_agreed_mapping(imported):
    link = dt.timedelta(days=settings.STEP_DOWN_LINK_DAYS)
    plans_seen = da_seen = step_seen = 0
    for _sliced, full, _family in truth():
        for episode in full.episodes:
            for plan in episode.cp_plans:
                if plan.start > LAST_REFERENCE_DATE:
                    continue
                stored = CPPlan.objects.get(
                    child__la_child_id=full.la_child_id, start_date=plan.start
                )
                plans_seen += 1
                da = [
                    a
                    for a in episode.assessments
                    if a.start <= plan.start
                    and set(a.factors) & DA_FACTORS
                    and a.authorised
                    and a.authorised <= LAST_REFERENCE_DATE
                ]
                flags = list(stored.da_flags.all())
                assert bool(flags) == bool(da), (full.la_child_id, plan.start)
                if da:
                    da_seen += 1
                    flag = flags[0]
                    assert (flag.recorded_on, flag.at_planning, flag.source) == (
                        plan.start,
                        True,
                        DARiskFlag.Source.ASSESSMENT,
                    )
                    assert flag.assessment.start_date == da[-1].start
                    assert flag.assessment.episode_id == stored.episode_id
                cin = [
                    c
                    for c in episode.cin_plans
                    if plan.end
                    and plan.end <= LAST_REFERENCE_DATE
                    and plan.end <= c.start <= plan.end + link
                    and c.start <= LAST_REFERENCE_DATE
                ]
                step_down = step_downs_for_plans([stored.pk]).get(stored.pk)
                assert bool(step_down) == bool(cin), (full.la_child_id, plan.start)
                assert not StepDown.objects.filter(plan=stored).exists()  # computed, not stored
                if cin:
                    step_seen += 1
                    assert step_down.source == StepDown.Source.CENSUS
                    assert step_down.decided_on == plan.end
                    assert step_down.planned_cin_start == cin[0].start
                    assert CINPlan.objects.get(pk=step_down.cin_plan_id).start_date == cin[0].start
                icpc = Conference.objects.get(
                    child=stored.child, kind="initial", held_on=plan.start
                )
                assert (icpc.plan_id, icpc.decision) == (stored.pk, "start_plan")
                reviews = Conference.objects.filter(plan=stored, kind="review")
                assert sorted(reviews.values_list("held_on", flat=True)) == [
                    r for r in plan.reviews if r <= LAST_REFERENCE_DATE
                ]
                assert set(reviews.values_list("decision", flat=True)) <= {"not_recorded"}
                assert stored.number_of_previous_cpp == plan.number_of_previous_cpp
    assert plans_seen > 20
    assert da_seen > 5
    assert step_seen > 5


def test_factors_are_stored_one_row_per_code(imported):
    for _sliced, full, _family in truth():
        for episode in full.episodes:
            for a in episode.assessments:
                if a.authorised and a.authorised <= LAST_REFERENCE_DATE:
                    stored = Assessment.objects.get(
                        episode__child__la_child_id=full.la_child_id, start_date=a.start
                    )
                    assert sorted(stored.factors.values_list("code", flat=True)) == sorted(
                        a.factors
                    )


def test_siblings_share_the_mapped_family(imported):
    families = {}
    for _sliced, full, family in truth():
        families.setdefault(family, []).append(full.la_child_id)
    groups = [ids for ids in families.values() if len(ids) > 1]
    assert groups, "the samples must hold a sibling group"
    for reference, ids in families.items():
        members = FamilyMembership.objects.filter(family__reference=reference)
        assert sorted(m.person.la_child_id for m in members) == sorted(ids)
        assert {m.abuse_role for m in members} == {"child"}


def test_without_a_mapping_each_child_gets_its_own_stable_family(db):
    census_import_files(actor=None, paths=[sample(2023)])
    person = Person.objects.filter(la_child_id__isnull=False).first()
    reference = family_reference_for(person.la_child_id)
    assert list(person.families.values_list("reference", flat=True)) == [reference]
    census_import_files(actor=None, paths=[sample(2023), sample(2024)])
    assert list(person.families.values_list("reference", flat=True)) == [reference]


def test_gender_current_and_sex_are_both_read(db):
    census_import_files(actor=None, paths=[sample(2023)])  # GenderCurrent (1/2/0)
    child = Person.objects.get(la_child_id="C0000001")
    expected = next(full for _s, full, _f in truth() if full.la_child_id == "C0000001")
    assert child.sex == expected.sex
    assert child.census.gender_current == expected.gender_current
    assert child.census.disabilities == expected.disabilities


def test_reimporting_the_same_returns_changes_nothing(imported):
    before = snapshot()
    again = census_import_files(
        actor=None, paths=[sample(y) for y in YEARS], families_path=str(SAMPLES / "families.csv")
    )
    assert again.counts["rows_written"] == 0
    assert again.counts["children_imported"] == imported.counts["children_imported"]
    assert snapshot() == before


def test_an_older_return_after_a_newer_one_erases_nothing(imported):
    before = snapshot()
    census_import_files(actor=None, paths=[sample(2023)])
    assert snapshot() == before


def test_the_import_is_in_the_audit_log(imported):
    event = AuditEvent.objects.get(action="census.import", target_id=str(imported.pk))
    assert event.details["files"] == [f"cin_census_{y}.xml" for y in YEARS]
    assert event.details["children_imported"] == imported.counts["children_imported"] > 0
    assert event.details["children_held_back"] == imported.counts["children_held_back"] > 0
    assert event.details["elements_held_back"] == imported.counts["elements_held_back"] > 0
    assert event.details["status"] == "problems"
    assert event.occurred_at is not None


def test_dry_run_reports_but_writes_nothing(db):
    job = census_import_files(actor=None, paths=[sample(2025)], dry_run=True)
    assert job.counts["children_imported"] > 0
    assert job.issues.filter(rule="8940").exists()
    assert Person.objects.count() == 0
    assert CPPlan.objects.count() == 0


@pytest.mark.parametrize("name", ["not_census.xml", "malformed.xml"])
def test_a_file_that_is_not_a_census_return_is_refused_whole(db, name):
    job = census_import_files(actor=None, paths=[sample(2023), SAMPLES / name])
    assert job.status == CensusImport.Status.REFUSED
    assert job.message.startswith(f"{name}: This file is not a children in need census return")
    assert Person.objects.count() == 0  # the good file before it was not imported either
    assert AuditEvent.objects.filter(action="census.import", details__status="refused").exists()


def test_a_csv_that_is_not_a_mapping_is_refused(db, tmp_path):
    bad = tmp_path / "families.csv"
    bad.write_text("child,family\nC1,F1\n")
    job = census_import_files(actor=None, paths=[sample(2023)], families_path=str(bad))
    assert job.status == CensusImport.Status.REFUSED
    assert "la_child_id,family_reference" in job.message


def test_a_corrected_return_replaces_an_assessments_factors(db, tmp_path):
    from census.generator import _base, header_for
    from census.xmlio import census_write

    def write(name, factors):
        child = _base("F1")
        child.episodes[0].assessments[0].factors = factors
        path = tmp_path / name
        with path.open("wb") as out:
            census_write(out, header=header_for(2025), children=[child])
        return path

    census_import_files(actor=None, paths=[write("first.xml", ["3A", "2B"])])
    assessment = Assessment.objects.get(episode__child__la_child_id="F1")
    assert sorted(assessment.factors.values_list("code", flat=True)) == ["2B", "3A"]
    census_import_files(actor=None, paths=[write("second.xml", ["3A", "4A"])])
    assert sorted(assessment.factors.values_list("code", flat=True)) == ["3A", "4A"]
    census_import_files(actor=None, paths=[write("third.xml", [])])
    assert sorted(assessment.factors.values_list("code", flat=True)) == ["3A", "4A"]


def test_prefetched_batches_arrive_in_order_and_errors_reach_the_importer():
    from census.importer import prefetched

    assert list(prefetched(iter([[1], [2], [3]]), depth=1)) == [[1], [2], [3]]

    def failing():
        yield [1]
        raise ValueError("parse failed")

    batches = prefetched(failing())
    assert next(batches) == [1]
    with pytest.raises(ValueError, match="parse failed"):
        next(batches)
