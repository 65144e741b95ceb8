"""Returns written by others (issue 10): each problem found with the community samples, on a
small file written here. The import is never stricter than the DfE rules of the file's year,
keeps every sound fact, says truthfully what it did, and never leaves part of a file written."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command

from cases.models import CINEpisode, CPPlan, Person
from census import importer
from census.generator import _base, header_for, sex_element_for
from census.models import CensusHeldBack, CensusImport, CensusImportFile
from census.records import Header
from census.selectors import census_report_rows
from census.services import census_import_files, census_import_retry
from census.xmlio import census_write

D = dt.date
Status = CensusImport.Status


def write(tmp_path, children, *, year=2025, name="return.xml", header=None):
    path = tmp_path / name
    with path.open("wb") as out:
        census_write(
            out,
            header=header or header_for(year),
            children=children,
            sex_element=sex_element_for(year),
        )
    return path


def child_in(year: int, la_child_id: str, number: int = 0):
    """`_base` moved into collection year `year` (its dates shifted by whole years)."""
    child = _base(la_child_id, number)
    shift = year - 2025

    def moved(day):
        return day.replace(year=day.year + shift) if isinstance(day, dt.date) else day

    child.birth_date = moved(child.birth_date)
    for e in child.episodes:
        e.referral, e.closure = moved(e.referral), moved(e.closure)
        for a in e.assessments:
            a.start, a.authorised = moved(a.start), moved(a.authorised)
        for s in e.section47s:
            s.start, s.icpc_target, s.icpc = moved(s.start), moved(s.icpc_target), moved(s.icpc)
        for c in e.cin_plans:
            c.start, c.end = moved(c.start), moved(c.end)
        for p in e.cp_plans:
            p.start, p.end = moved(p.start), moved(p.end)
            p.reviews = [moved(r) for r in p.reviews]
    return child


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_fifteen_character_la_child_ids_are_imported_in_every_year(db, tmp_path, year):
    children = [child_in(year, f"ABC{n:012d}", n) for n in range(3)]
    job = census_import_files(actor=None, paths=[write(tmp_path, children, year=year)])
    assert job.status == Status.FINISHED, job.message
    assert Person.objects.filter(la_child_id__startswith="ABC").count() == 3
    assert not job.issues.filter(rule__in=["1570", "ST01"]).exists()


def test_an_id_over_twenty_characters_is_1570_from_2024_25_and_ours_before(db, tmp_path):
    long_id = "L" * 21
    job = census_import_files(
        actor=None, paths=[write(tmp_path, [child_in(2024, long_id)], year=2024)]
    )
    rules = set(job.issues.values_list("rule", flat=True))
    assert "ST01" in rules
    assert "1570" not in rules
    job = census_import_files(
        actor=None, paths=[write(tmp_path, [child_in(2025, long_id)], name="b.xml")]
    )
    assert "1570" in set(job.issues.values_list("rule", flat=True))
    assert job.status == Status.NOTHING


def test_a_weekend_conference_on_the_episode_and_a_missing_disability_are_not_stricter(
    db, tmp_path
):
    """8875 is the DfE's on Section47 only; 8540 asks for a disability only for a born child with
    a referral going on to further action. Neither stops anything being imported."""
    weekend = _base("W1", 1)
    episode = weekend.episodes[0]
    episode.section47s = []
    episode.icpc = episode.cp_plans[0].start = D(2024, 6, 15)  # a Saturday, on CINdetails
    unborn = _base("U1", 2)
    unborn.birth_date, unborn.expected_birth_date, unborn.sex = None, D(2025, 5, 1), "U"
    unborn.disabilities = []
    no_disability = _base("N1", 3)
    no_disability.disabilities = []
    job = census_import_files(actor=None, paths=[write(tmp_path, [weekend, unborn, no_disability])])
    rules = set(job.issues.values_list("la_child_id", "rule"))
    assert ("W1", "8875") not in rules
    assert ("U1", "8540") not in rules
    assert ("N1", "8540") in rules  # an error, reported, and the child still imported
    assert Person.objects.filter(la_child_id__in=["W1", "U1", "N1"]).count() == 3
    assert CINEpisode.objects.get(child__la_child_id="W1").icpc_date == D(2024, 6, 15)
    assert job.status == Status.FINISHED


def test_the_header_is_checked(db, tmp_path, settings):
    settings.AUTHORITY_LA_CODE = "201"
    header = Header(2025, D(2025, 3, 31), "999", stated_reference_date="2024-07-21")
    job = census_import_files(actor=None, paths=[write(tmp_path, [_base("R1")], header=header)])
    issues = {i.rule: i for i in job.issues.all()}
    assert issues["100"].severity == "error"
    assert "2024-07-21" in issues["100"].message
    assert issues["ST10Q"].severity == "query"
    assert "999" in issues["ST10Q"].message
    # The year's rules ran against 31 March 2025, not 21 July 2024: a plan ending in
    # December 2024 is inside the year (no 8930).
    assert not job.issues.filter(rule="8930").exists()
    assert Person.objects.filter(la_child_id="R1").exists()
    file = job.files.get()
    assert (file.collection_year, file.la_code) == (2025, "999")


def test_fields_the_import_dropped_are_stored_and_exported(db, tmp_path):
    from census.exporter import census_export
    from census.xmlio import census_children

    child = _base("F1")
    child.former_upn = "A123456789012"
    child.upn, child.upn_unknown = None, "UN3"
    child.death_date = D(2025, 1, 10)
    child.episodes[0].icpc = D(2024, 6, 17)
    child.episodes[0].section47s = []
    census_import_files(actor=None, paths=[write(tmp_path, [child])])
    person = Person.objects.get(la_child_id="F1")
    assert (person.former_upn, person.upn_unknown, person.date_of_death) == (
        "A123456789012",
        "UN3",
        D(2025, 1, 10),
    )
    assert CINEpisode.objects.get(child=person).icpc_date == D(2024, 6, 17)
    out = tmp_path / "export.xml"
    with out.open("wb") as handle:
        census_export(handle, year=2025)
    exported = next(iter(census_children(out)))
    assert (exported.former_upn, exported.upn_unknown, exported.death_date) == (
        "A123456789012",
        "UN3",
        "2025-01-10",
    )
    assert exported.episodes[0].icpc == "2024-06-17"


def test_when_nothing_is_imported_the_job_and_the_command_say_so(db, tmp_path, capsys):
    path = write(tmp_path, [_base(None), _base("Z" * 25)])
    job = census_import_files(actor=None, paths=[path])
    assert job.status == Status.NOTHING
    assert job.get_status_display() == "Nothing imported"
    assert job.counts["children_held_back"] == 2
    with pytest.raises(SystemExit) as exited:
        call_command("import_cin_census", str(path))
    assert exited.value.code == 1
    assert "Nothing imported" in capsys.readouterr().out


def test_the_command_exits_0_only_when_nothing_was_held_back(db, tmp_path):
    good = write(tmp_path, [_base("G1")], name="good.xml")
    bad = _base("G2")
    bad.episodes[0].cp_plans[0].end = D(2024, 6, 1)  # before its start: held back
    held = write(tmp_path, [bad], name="held.xml")
    out = io.StringIO()
    call_command("import_cin_census", str(good), stdout=out, stderr=io.StringIO())
    assert "Finished." in out.getvalue()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import_cin_census", str(held), stdout=out, stderr=io.StringIO())
    assert exited.value.code == 1
    assert "Finished with problems" in out.getvalue()
    assert "1 elements held back" in out.getvalue()


def test_the_report_names_the_file_and_shortens_long_values(db, tmp_path):
    huge = _base("E1")
    huge.ethnicity = "Q" * 5_000_000
    path = write(tmp_path, [huge], name="big_value.xml")
    job = census_import_files(actor=None, paths=[path])
    rows = census_report_rows(job=job)
    assert rows[0][:3] == ["file", "la_child_id", "element"]
    ethnicity = [r for r in rows if r[2] == "Ethnicity"]
    assert ethnicity
    assert all(r[0] == "big_value.xml" for r in ethnicity)
    assert all(len(",".join(r)) < 1000 for r in rows)
    assert any("(5,000,000 characters)" in r[-1] for r in ethnicity)
    held = CensusHeldBack.objects.get(element="Ethnicity")
    assert len(held.values["Ethnicity"]) < 300
    assert "5,000,000 characters" in held.values["Ethnicity"]
    assert Person.objects.get(la_child_id="E1").ethnicity == ""  # the child is kept


def test_three_thousand_children_with_one_bad_id_import_all_but_that_child(db, tmp_path):
    """The documented rule (ADR 0051): a child that cannot be stored is held back and every other
    child imported; never a part of the file."""
    children = [_base(f"K{n:05d}", n) for n in range(3000)]
    children[1499].la_child_id = "K" * 41
    job = census_import_files(actor=None, paths=[write(tmp_path, children)])
    assert job.counts["children_read"] == 3000
    assert job.counts["children_imported"] == 2999
    assert Person.objects.count() == 2999
    assert CPPlan.objects.count() == 2999
    held = CensusHeldBack.objects.get(element="Child")
    assert held.rule == "1570"
    assert "41 characters" in held.la_child_id or held.la_child_id == "K" * 41
    assert job.status == Status.PROBLEMS
    assert job.files.get().counts["children_imported"] == 2999


def test_a_failure_mid_file_leaves_nothing_of_it_and_the_job_resumes_there(
    db, tmp_path, monkeypatch
):
    first = write(tmp_path, [_base("A1", 1)], name="first.xml")
    second = write(tmp_path, [_base(f"B{n:04d}", n) for n in range(2500)], name="second.xml")
    real = importer.write_children
    calls = {"n": 0}

    def fails_on_the_third_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # batch 1 of the first file, then batches 1-2 of the second
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "write_children", fails_on_the_third_batch)
    job = census_import_files(actor=None, paths=[first, second])
    assert job.status == Status.FAILED
    assert "second.xml" in job.message
    assert "disk full" in job.message
    statuses = list(job.files.order_by("position").values_list("status", flat=True))
    assert statuses == [CensusImportFile.Status.IMPORTED, CensusImportFile.Status.FAILED]
    assert list(Person.objects.values_list("la_child_id", flat=True)) == ["A1"]
    assert not job.issues.filter(file_name="second.xml").exists()

    monkeypatch.setattr(importer, "write_children", real)
    job.stored_paths = [str(first), str(second)]
    census_import_retry(actor=None, job=job)
    from census.services import census_import_run

    job = census_import_run(actor=None, job=job)
    assert job.status == Status.FINISHED, job.message
    assert Person.objects.count() == 2501
    assert job.counts["children_read"] == 2501  # the first file was not imported twice


def test_report_csv_download_has_a_file_column(db, tmp_path):
    child = _base("C1")
    child.ethnicity = "ZZZZ"
    job = census_import_files(actor=None, paths=[write(tmp_path, [child], name="eth.xml")])
    text = io.StringIO()
    csv.writer(text).writerows(census_report_rows(job=job))
    assert "eth.xml,C1,Ethnicity,4220,error,imported" in text.getvalue()
