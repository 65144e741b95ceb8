"""The export: our data back as census XML, equal to the original returns, clean under the DfE
rules (the community validator csc-validator-be-cin), and a round trip that changes nothing."""

import datetime as dt
import importlib
import io
import re
import warnings
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from census.exporter import census_export
from census.generator import BROKEN
from census.services import census_import_files
from census.xmlio import census_children, census_file_check

from .conftest import SAMPLES, YEARS, sample
from .test_import import snapshot

RULESETS = {2023: "cin2022_23", 2024: "cin2023_24", 2025: "cin2024_25"}


def exported(year: int) -> bytes:
    out = io.BytesIO()
    census_export(out, year=year)
    return out.getvalue()


def children_of(path) -> dict:
    """Children by LAchildID; factor order carries no meaning, so it is normalised."""
    children = {c.la_child_id: c for c in census_children(path)}
    for child in children.values():
        for episode in child.episodes:
            for assessment in episode.assessments:
                assessment.factors.sort()
    return children


@pytest.mark.parametrize("year", YEARS)
def test_export_equals_the_original_return(imported, tmp_path, year):
    path = tmp_path / f"export_{year}.xml"
    path.write_bytes(exported(year))
    header, _count = census_file_check(path)
    assert header.reference_date == dt.date(year, 3, 31)
    ours = children_of(path)
    original = children_of(sample(year))
    broken = {f"X{rule}" for rule in BROKEN} | {"X0123456789AB", "X-1580", None}
    kept = {"X8945Q", "X8950Q", "X4012Q", "X8510"}  # queries and the first of the duplicates
    expected = {k: v for k, v in original.items() if k not in broken or k in kept}
    assert ours.keys() == expected.keys()
    for child_id, child in expected.items():
        assert ours[child_id] == child, child_id


@pytest.mark.parametrize("year", YEARS)
def test_export_holds_nothing_after_the_reference_date(imported, year):
    # InitialCPCtarget is a target set when the enquiry starts (known on the day), not an event.
    xml = re.sub(rb"<InitialCPCtarget>[^<]*</InitialCPCtarget>", b"", exported(year))
    dates = re.findall(rb">(\d{4}-\d{2}-\d{2})<", xml)
    assert dates
    assert max(dt.date.fromisoformat(d.decode()) for d in dates) <= dt.date(year, 3, 31)


@pytest.mark.parametrize("year", YEARS)
def test_export_passes_the_dfe_validation_rules(imported, year):
    from cin_validator import cin_validator

    root = ET.fromstring(exported(year))  # noqa: S314 - our own output
    registry = importlib.import_module(f"cin_validator.rules.{RULESETS[year]}").registry
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = cin_validator.process_data(cin_validator.convert_data(root))
        issues = cin_validator.CinValidator(tables, registry).full_issue_df
    assert len(registry) > 90
    errors = issues[~issues["rule_code"].astype(str).str.endswith("Q")]
    assert errors.empty, errors[["child_id", "rule_code", "rule_description"]].to_string()


def test_round_trip_import_export_import_changes_nothing(imported, tmp_path):
    paths = []
    for year in YEARS:
        path = tmp_path / f"export_{year}.xml"
        path.write_bytes(exported(year))
        paths.append(path)
    before = snapshot()
    job = census_import_files(actor=None, paths=paths, families_path=str(SAMPLES / "families.csv"))
    assert job.counts["children_rejected"] == 0
    assert job.counts["rows_written"] == 0
    assert snapshot() == before


def test_export_command_writes_a_file_and_is_audited(imported, tmp_path):
    out = tmp_path / "cin.xml"
    call_command("export_cin_census", "--year", "2025", "--out", str(out))
    assert census_file_check(out)[1] == len(children_of(out)) > 40
    event = AuditEvent.objects.get(action="census.export")
    assert event.details["year"] == 2025
    assert event.channel == "command"


def test_export_names_children_left_out_for_want_of_an_la_child_id(imported, tmp_path, capsys):
    from tests.factories import EpisodeFactory, PersonFactory

    EpisodeFactory(child=PersonFactory(la_child_id=None), referral_date=dt.date(2024, 5, 1))
    call_command("export_cin_census", "--year", "2025", "--out", str(tmp_path / "cin.xml"))
    assert "1 children in need that year have no LA child ID" in capsys.readouterr().err
