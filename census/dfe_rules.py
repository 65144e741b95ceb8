"""The DfE children in need census validation rules, year by year, as the community validator
(csc-validator-be-cin, MIT) implements them: each rule's number, whether it is an error or a
query in each collection year, and the DfE's message (ADR 0050).

The table below is generated from the installed validator, never typed by hand:

    .venv/bin/python -m census.dfe_rules --write && .venv/bin/ruff format census/dfe_rules.py

`tests/census/test_dfe_rules.py` fails when the validator's rule sets and this table disagree
(a new validator release), so the table moves with it. The import reports a rule only in the
years whose rule set holds it, with that year's severity.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

#: Collection years (the year of the 31 March reference date) with a rule set, oldest first.
YEARS = (2023, 2024, 2025, 2026, 2027)

ERROR = "error"
QUERY = "query"

# --- generated: begin (python -m census.dfe_rules --write) ---
#: code: (severity per year in YEARS order: E error, Q query, - not in that year's rule set; message)
DFE_RULES: dict[str, tuple[str, str]] = {
    "100": ("EEEEE", "Reference Date is incorrect"),
    "1103": ("EEEEE", "The assessment start date cannot be before the referral date"),
    "1104": (
        "EEEEE",
        "The date of the initial child protection conference cannot be before the referral date",
    ),
    "1105": ("EEEEE", "The child protection plan start date cannot be before the referral date"),
    "1510": ("EEEEE", "UPN invalid (wrong check letter at character 1)"),
    "1520": ("EEEEE", "More than one record with the same UPN."),
    "1530": ("EEEEE", "UPN invalid (characters 2-4 not a recognised LA code)"),
    "1540": ("EEEEE", "UPN invalid (characters 5-12 not all numeric)"),
    "1550": ("EEEEE", "UPN invalid (character 13 not a recognised value)"),
    "1560Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: Former UPN wrongly formatted",
    ),
    "1570": ("--EEE", "LA Child ID must not be longer than 20 characters"),
    "1580": ("--EEE", "LA Child ID must not contain any non-alphanumeric characters"),
    "2883": (
        "EEEEE",
        "There are more child protection plans starting than initial conferences taking place",
    ),
    "2884": (
        "EEEEE",
        "An initial child protection conference is recorded at both the S47 and CIN Details level and it should only be recorded in one",
    ),
    "2885": (
        "EEEEE",
        "Child protection plan shown as starting a different day to the initial child protection conference.",
    ),
    "2886Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: Percentage of children with no sex recorded is more than 2% (excluding unborns)",
    ),
    "2887Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: Less than 8 disability codes have been used in your return",
    ),
    "2888Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: Only one disability code is recorded per child and multiple disabilities should be recorded where possible.",
    ),
    "2889": ("EEEEE", "The S47 start date cannot be before the referral date."),
    "2990": (
        "EEEEE",
        "Activity is recorded against a case marked as ‘Case closed after assessment, no further action’ or 'case closed after assessment, referred to early help'.",
    ),
    "2991Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: A Section 47 module is recorded and there is no assessment on the episode",
    ),
    "4000": ("EEEEE", "CIN Plan details provided for a referral with no further action"),
    "4001": ("EEEEE", "A CIN Plan cannot run concurrently with a Child Protection Plan"),
    "4003": (
        "EEEEE",
        "A CPP review date is shown as being held at the same time as an open CIN Plan.",
    ),
    "4004": ("EEEEE", "This child is showing more than one open CIN Plan, i.e. with no End Date"),
    "4008": ("EEEEE", "CIN Plan shown as starting after the child’s Date of Death."),
    "4009Q": ("QQQQQ", "CIN Plan cannot end after the child’s Date of Death"),
    "4010": ("EEEEE", "CIN Plan start date is missing or out of data collection period"),
    "4011": ("EEEEE", "CIN Plan End Date earlier than Start Date"),
    "4012Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: CIN Plan shown as starting and ending on the same day",
    ),
    "4013": ("EEEEE", "CIN Plan end date must fall within the census year"),
    "4014": ("EEEEE", "CIN Plan data contains overlapping dates"),
    "4015": ("EEEEE", "The CIN Plan start date cannot be before the referral date"),
    "4016": (
        "EEEEE",
        "A CIN Plan has been reported as open at the same time as a Child Protection Plan.",
    ),
    "4017": (
        "EEEEE",
        "A CIN Plan has been reported as open at the same time as a Child Protection Plan.",
    ),
    "4180": ("EEEEE", "Sex must be provided and equal M, F, or U"),
    "4220": ("EEEEE", "Ethnicity is missing or invalid (see Ethnicity table)"),
    "8500": ("EEEEE", "LA Child ID missing"),
    "8510": ("EEEEE", "More than one child record with the same LA Child ID"),
    "8520": (
        "EEEEE",
        "Date of Birth is after data collection period (must be on or before the end of the census period)",
    ),
    "8525Q": (
        "QQQQQ",
        "Either Date of Birth or Expected Date of Birth must be provided (but not both)",
    ),
    "8530Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: Expected Date of Birth is outside the expected range for this census (March to December of the Census Year end)",
    ),
    "8535Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: Child’s date of death should not be prior to the date of birth",
    ),
    "8540": ("EEEEE", "Child’s disability is missing or invalid (see Disability table)"),
    "8545Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: Child's date of death should be within the census year",
    ),
    "8555Q": ("QQQQQ", "Child cannot be referred after its recorded date of death"),
    "8565": ("EEEEE", "Activity shown after a case has been closed"),
    "8568": ("EEEEE", "RNFA flag is missing or invalid"),
    "8569Q": (
        "QQQQQ",
        "A case with referral date before one working day prior to the collection start date must not be flagged as a no further action case",
    ),
    "8585Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: CIN episode shows Died as the Closure Reason, however child has no recorded Date of Death",
    ),
    "8590": ("EEEEE", "Child does not have a recorded CIN episode."),
    "8600": ("EEEEE", "Child referral date missing or after data collection period"),
    "8606": ("EEEEE", "Child referral date is more than 40 weeks before DOB or expected DOB"),
    "8608": ("EEEEE", "Assessment Start Date cannot be later than its End Date"),
    "8610": ("EEEEE", "Primary Need code is missing for a referral which led to further action."),
    "8614": (
        "EEEEE",
        "Parental or child factors at assessment should only be present for a completed assessment.",
    ),
    "8615": (
        "EEEEE",
        "Section 47 Enquiry Start Date must be present and cannot be later than the date of the initial Child Protection Conference",
    ),
    "8620": ("EEEEE", "CIN Closure Date present and does not fall within the Census year"),
    "8630": ("EEEEE", "CIN Closure Date is before CIN Referral Date for the same CIN episode"),
    "8640": (
        "EEEEE",
        "CIN Reason for closure code invalid (see Reason for Closure table in CIN Census code set)",
    ),
    "8650": ("EEEEE", "Primary Need Code invalid (see Primary Need table in CIN census code set)"),
    "8670Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: Assessment started more than 45 working days before the end of the census year. However, there is no Assessment end date.",
    ),
    "8675Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: S47 Enquiry started more than 15 working days before the end of the census year. However, there is no date of Initial Child Protection Conference.",
    ),
    "8696": ("EEEEE", "Assessment end date must fall within the census year"),
    "8715": (
        "EEEEE",
        "Date of Initial Child Protection Conference must fall within the census year",
    ),
    "8720": ("EEEEE", "Child Protection Plan Start Date missing or out of data collection period"),
    "8730": ("EEEEE", "Total Number of previous Child Protection Plans missing"),
    "8736": (
        "EEEEE",
        "For an Assessment that has not been completed, the start date must fall within the census year",
    ),
    "8740": (
        "EEEEE",
        "For a Section 47 Enquiry that has not held the Initial Child Protection Conference by the end of the census year, the start date must fall within the census year",
    ),
    "8750": ("EEEEE", "Sex must equal U for an unborn child"),
    "8770Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: UPN is missing or reason UPN is missing or is UN1 for a child who is of school age.",
    ),
    "8772": (
        "EEEEE",
        "UPN unknown reason is UN7 (Referral with no further action) but at least one CIN details is a referral going on to further action",
    ),
    "8775Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: Child is over 25 years old",
    ),
    "8790": ("EEEEE", "Disability information includes both None and other values"),
    "8794": ("EEEEE", "Child has two or more disabilities with the same code"),
    "8805": ("EEEEE", "A CIN case cannot have a CIN closure date without a Reason for Closure"),
    "8810": ("EEEEE", "A CIN case cannot have a Reason for Closure without a CIN Closure Date"),
    "8815": (
        "EEEEE",
        "More than one open CIN Details episode (a module with no CIN Closure Date) has been provided for this child and case is not a referral with no further action.",
    ),
    "8816": (
        "EEEEE",
        "An open CIN episode is shown and case is not a referral with no further action, but it is not the latest episode.",
    ),
    "8820": ("EEEEE", "The dates on the CIN episodes for this child overlap"),
    "8825Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: Reason for Closure code RC8 (case closed after assessment) or RC9 (case closed after assessment, referred to early help) has been returned but there is no assessment present for the episode.",
    ),
    "8831": (
        "EEEEE",
        "Activity is recorded against a case marked as a referral with no further action",
    ),
    "8832": ("EEEEE", "Child Protection details provided for a referral with no further action."),
    "8839": ("EEEEE", "Within one CINDetails group there are 2 or more open S47 Assessments"),
    "8840": ("EEEEE", "Child Protection Plan cannot start and end on the same day"),
    "8841": (
        "EEEEE",
        "The review date cannot be on the same day or before the Child protection Plan start date.",
    ),
    "8842Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: Review Record has a missing date",
    ),
    "8863Q": (
        "QQQQQ",
        "An Assessment is shown as starting when there is another Assessment ongoing.",
    ),
    "8866": ("EEEEE", "Source of Referral is missing or an invalid code"),
    "8867": (
        "EEEEE",
        "CIN episode is shown as closed, however Assessment is not shown as completed",
    ),
    "8868": (
        "EEEEE",
        "CIN episode is shown as closed, however Section 47 enquiry is not shown as completed by ICPC date or ICPC not required flag",
    ),
    "8869": (
        "EEEEE",
        "The assessment factors code “21” cannot be used in conjunction with any other assessment factors.",
    ),
    "8870Q": (
        "QQQQQ",
        "Please check and either amend or provide a reason: The Target Date for Initial Child Protection Conference should not be a weekend",
    ),
    "8873Q": (
        "QQQQQ",
        "Please check and either amend data or provide a reason: When there is only one assessment on the episode and the factors code “21 No factors identified” has been used for the completed assessment, the reason for closure ‘RC8’ or 'RC9' should be used.",
    ),
    "8875": ("EEEEE", "The Date of Initial Child Protection Conference cannot be a weekend"),
    "8890": (
        "EEEEE",
        "A Section 47 enquiry is shown as starting when there is another Section 47 Enquiry ongoing",
    ),
    "8896": ("EEEEE", "Within one CINDetails group there are 2 or more open Assessments groups"),
    "8897Q": (
        "QQQQQ",
        "Parental or child factors at assessment information is missing from a completed assessment",
    ),
    "8898": (
        "EEEEE",
        "The assessment has more than one parental or child factors with the same code",
    ),
    "8905": (
        "EEEEE",
        "Initial Category of Abuse code missing or invalid (see Category of Abuse table in CIN Census code set)",
    ),
    "8910": (
        "EEEEE",
        "Latest Category of Abuse code missing or invalid (see Category of Abuse table in CIN Census code set)",
    ),
    "8915": ("EEEEE", "Child Protection Plan shown as starting after the child’s Date of Death"),
    "8920": ("EEEEE", "Child Protection Plan cannot end after the child’s Date of Death"),
    "8925": ("EEEEE", "Child Protection Plan End Date earlier than Start Date"),
    "8930": ("EEEEE", "Child Protection Plan End Date must fall within the census year"),
    "8935": (
        "EEEEE",
        "This child is showing more than one open Child Protection plan, i.e. with no End Date",
    ),
    "8940": ("EEEEE", "Child Protection Plan data contains overlapping dates"),
    "8945Q": (
        "--QQQ",
        "Please check and either amend data or provide a reason: the assessment factors code '18A' should not be used ('18B' or '18C' should be used instead)",
    ),
    "8950Q": (
        "--QQQ",
        "Please check and either amend data or provide a reason: the assessment factors code '19A' should not be used ('19B' or '19C' should be used instead)",
    ),
}
# --- generated: end ---


def collection_year(reference_date: dt.date) -> int:
    """The rule set a return is checked against: its own year, or the nearest we have."""
    return min(max(reference_date.year, YEARS[0]), YEARS[-1])


def severity(code: str, year: int) -> str | None:
    """ "error", "query", or None when the rule is not in that year's rule set."""
    entry = DFE_RULES.get(code)
    if entry is None:
        return None
    flag = entry[0][YEARS.index(collection_year(dt.date(year, 3, 31)))]
    return {"E": ERROR, "Q": QUERY}.get(flag)


def message(code: str) -> str:
    return DFE_RULES[code][1] if code in DFE_RULES else ""


def _from_validator() -> dict[str, tuple[str, str]]:
    """The table as the installed validator defines it (a dev dependency: tests and this tool)."""
    from cin_validator.rule_engine import RuleType
    from cin_validator.rules.ruleset_utils import get_year_ruleset

    registries = {year: get_year_ruleset(str(year)) for year in YEARS}
    codes = sorted(set().union(*registries.values()), key=lambda c: (int(re.sub(r"\D", "", c)), c))
    table = {}
    for code in codes:
        flags = ""
        for year in YEARS:
            rule = registries[year].get(code)
            flags += "-" if rule is None else ("Q" if rule.rule_type == RuleType.QUERY else "E")
        latest = next(registries[y][code] for y in reversed(YEARS) if code in registries[y])
        table[code] = (flags, " ".join(str(latest.message).split()))
    return table


def _write() -> None:
    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    lines = "".join(
        f"    {code!r}: ({flags!r}, {text_!r}),\n"
        for code, (flags, text_) in _from_validator().items()
    )
    head, rest = text.split("DFE_RULES: dict[str, tuple[str, str]] = {\n", 1)
    _old, tail = rest.split("}\n# --- generated: end ---", 1)
    path.write_text(
        head
        + "DFE_RULES: dict[str, tuple[str, str]] = {\n"
        + lines
        + "}\n# --- generated: end ---"
        + tail,
        encoding="utf-8",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the table in this file")
    if parser.parse_args().write:
        _write()
