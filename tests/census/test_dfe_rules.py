"""Our table of the DfE rules is the community validator's, year by year, and the import reports
nothing stricter than the validator finds in the same return."""

import datetime as dt

import pytest

from census import dfe_rules
from census.dfe_checks import CHECKED
from census.services import census_import_files

from .conftest import sample
from .test_export import dfe_errors


def test_the_rule_table_is_the_validators():
    assert dfe_rules._from_validator() == dfe_rules.DFE_RULES


def test_years_have_their_own_rules():
    assert dfe_rules.severity("1570", 2024) is None
    assert dfe_rules.severity("1570", 2025) == "error"
    assert dfe_rules.severity("8945Q", 2025) == "query"
    assert dfe_rules.severity("4012Q", 2023) == "query"
    assert dfe_rules.collection_year(dt.date(2019, 3, 31)) == 2023  # older: the oldest set
    assert set(dfe_rules.DFE_RULES) >= CHECKED


#: Rules the validator reads differently from the DfE's words, where we follow the words (ADR
#: 0050). Reporting only: none of them holds anything back. 8935 and 8940 are compared per plan
#: number within a CINdetails by the validator, so plans in different CINdetails are not
#: compared; it reads one review date per plan (8841); and on these files it does not report an
#: invalid disability code (8540) or factor 21 with others / a factor twice (8869, 8898), which
#: the rules' words cover.
READ_AS_THE_DFE_WORDS_IT = {"8935", "8940", "8841", "8540", "8869", "8898"}


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_every_error_the_import_reports_the_validator_reports_too(db, year):
    job = census_import_files(actor=None, paths=[sample(year)])
    ours = {
        (issue.la_child_id, issue.rule)
        for issue in job.issues.filter(severity="error")
        if issue.rule in dfe_rules.DFE_RULES
        and issue.la_child_id
        and issue.rule not in READ_AS_THE_DFE_WORDS_IT
    }
    theirs = dfe_errors(sample(year).read_bytes(), year)
    assert ours <= theirs, sorted(ours - theirs)
