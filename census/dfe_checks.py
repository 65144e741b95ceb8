"""The DfE rules the import checks, one function per census element (ADR 0050).

Reporting only: each check calls `report(rule, element, message, where)`, and the report keeps
it only when the rule is in the rule set of the file's collection year (`census/dfe_rules.py`),
with that year's severity. Nothing here decides what is imported (`census/validation.py` does).

Rules are read as the DfE describes them and the community validator implements them. Rules
that span the whole return (8510, 1520, 2883, 2886Q, 2887Q, 2888Q) are counted in `FileState`
as the children stream past, and reported when the file ends. `CHECKED` lists what we check;
the rest of the DfE's rules are not reported by the import (see ADR 0050).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from cases.validation import is_weekend

from .codes import DISABILITY, ETHNICITY, GENDER_TO_SEX, REFERRAL_SOURCE, SEX
from .records import ChildRecord, EpisodeRecord, Header, collection_start, parse_date

Report = Callable[[str, str, str, str], Any]

#: Every DfE rule the import checks.
CHECKED = frozenset(
    [
        "100",
        "1105",
        "1103",
        "1510",
        "1520",
        "1540",
        "1550",
        "1560Q",
        "1570",
        "1580",
        "2884",
        "2885",
        "2886Q",
        "2887Q",
        "2888Q",
        "2889",
        "4000",
        "4001",
        "4010",
        "4011",
        "4012Q",
        "4013",
        "4015",
        "4016",
        "4017",
        "4180",
        "4220",
        "8500",
        "8510",
        "8520",
        "8525Q",
        "8535Q",
        "8545Q",
        "8540",
        "8568",
        "8590",
        "8600",
        "8608",
        "8610",
        "8614",
        "8620",
        "8630",
        "8640",
        "8650",
        "8696",
        "8715",
        "8720",
        "8730",
        "8736",
        "8790",
        "8794",
        "8805",
        "8810",
        "8832",
        "8840",
        "8841",
        "8866",
        "8869",
        "8870Q",
        "8875",
        "8898",
        "8905",
        "8910",
        "8925",
        "8930",
        "8935",
        "8940",
        "8945Q",
        "8950Q",
    ]
)

_CATEGORIES = frozenset({"NEG", "PHY", "SAB", "EMO", "MUL"})
_NEEDS = frozenset(f"N{n}" for n in range(10))
_REASONS = frozenset(f"RC{n}" for n in range(1, 10))
_UPN_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_LAST = set("ABCDEFGHJKLMNPQRTUVWXYZ0123456789")


_date = parse_date


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return {"true": True, "1": True, "false": False, "0": False}.get(str(value).strip().lower())


def _v(value: Any) -> str:
    from .validation import shown

    return shown(value)


class FileState:
    """What the rules over the whole return need, gathered child by child."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.first = collection_start(header.reference_date)
        self.last = header.reference_date
        self._ids: set[str] = set()
        self._upns: dict[str, int] = {}
        self.children = 0
        self.no_sex = 0
        self.disability_codes: set[str] = set()
        self.several_disabilities = False
        self.plans_starting = 0
        self.conferences = 0

    def seen_before(self, child_id: str) -> bool:
        if child_id in self._ids:
            return True
        self._ids.add(child_id)
        return False

    def upn_seen_before(self, upn: str) -> bool:
        self._upns[upn] = self._upns.get(upn, 0) + 1
        return self._upns[upn] > 1

    def count_child(self, raw: ChildRecord) -> None:
        self.children += 1
        sex = raw.sex if raw.sex is not None else GENDER_TO_SEX.get(raw.gender_current or "")
        if sex in (None, "", "U") and not raw.expected_birth_date:
            self.no_sex += 1
        codes = [d for d in raw.disabilities if d != "NONE"]
        self.disability_codes.update(codes)
        self.several_disabilities |= len(codes) > 1
        for e in raw.episodes:
            icpcs = [_date(e.icpc)] + [_date(s.icpc) for s in e.section47s]
            self.conferences += sum(1 for d in icpcs if d and self.first <= d <= self.last)
            for p in e.cp_plans:
                start = _date(p.start)
                self.plans_starting += bool(start and self.first <= start <= self.last)

    def file_issues(self, report: Report) -> None:
        """The rules over the whole return (no child named)."""
        if self.plans_starting > self.conferences:
            report(
                "2883",
                "CPPstartDate",
                f"{self.plans_starting} CP plans start in the year but only {self.conferences} "
                "initial conferences are recorded.",
                "the whole return",
            )
        if self.children and self.no_sex / self.children > 0.02:
            report(
                "2886Q",
                "Sex",
                f"{self.no_sex} of {self.children} children have no sex recorded.",
                "the whole return",
            )
        if len(self.disability_codes) <= 7:
            report(
                "2887Q",
                "Disability",
                f"Only {len(self.disability_codes)} disability codes are used in the return.",
                "the whole return",
            )
        if self.disability_codes and not self.several_disabilities:
            report(
                "2888Q",
                "Disability",
                "No child has more than one disability recorded.",
                "the whole return",
            )


def child_checks(raw: ChildRecord, header: Header, state: FileState, report: Report) -> None:
    """Report every checked DfE rule this child breaks (raw text values, as in the file)."""
    _identifiers(raw, header, state, report)
    _characteristics(raw, report)
    if not raw.episodes:
        report("8590", "CINdetails", "The child has no CINdetails (CIN episode).", "")
    open_cp = []
    all_cp = []
    for e in raw.episodes:
        _episode(raw, e, state, report)
        for p in e.cp_plans:
            start, end = _date(p.start), _date(p.end)
            if start:
                all_cp.append((start, end, e))
            if start and end is None:
                open_cp.append(start)
    if len(open_cp) > 1:
        report(
            "8935",
            "CPPendDate",
            f"{len(open_cp)} CP plans are open (no end date), starting "
            + ", ".join(str(s) for s in sorted(open_cp))
            + ".",
            "",
        )
    _overlapping_plans(all_cp, state.last, report)


def _identifiers(raw: ChildRecord, header: Header, state: FileState, report: Report) -> None:
    child_id = raw.la_child_id or ""
    if child_id and not child_id.isalnum():
        report(
            "1580",
            "LAchildID",
            f"LA child ID {_v(child_id)} has characters other than letters and digits.",
            "",
        )
    if header.year >= 2025:
        if raw.sex not in SEX:
            report("4180", "Sex", f"Sex {_v(raw.sex)} is missing or not M, F or U.", "")
    elif raw.gender_current not in GENDER_TO_SEX:
        report(
            "4180",
            "GenderCurrent",
            f"GenderCurrent {_v(raw.gender_current)} is missing or invalid.",
            "",
        )
    birth, expected = _date(raw.birth_date), _date(raw.expected_birth_date)
    death = _date(raw.death_date)
    if birth and birth > state.last:
        report("8520", "PersonBirthDate", f"Date of birth {birth} is after {state.last}.", "")
    if (birth is None) == (expected is None):
        report(
            "8525Q",
            "PersonBirthDate",
            "Give either a date of birth or an expected date of birth (one, not both).",
            "",
        )
    if death and (birth is None or birth > death):
        report(
            "8535Q", "PersonDeathDate", f"Date of death {death} is before the date of birth.", ""
        )
    if death and not state.first <= death <= state.last:
        report("8545Q", "PersonDeathDate", f"Date of death {death} is outside the census year.", "")
    _upn(raw.upn, state, report)
    former = raw.former_upn
    if former and not (len(former) == 13 and former[0].isalpha() and former[1:].isdigit()):
        report("1560Q", "FormerUPN", f"Former UPN {_v(former)} is wrongly formatted.", "")


def _upn(upn: str | None, state: FileState, report: Report) -> None:
    if not upn:
        return
    if state.upn_seen_before(upn):
        report("1520", "UPN", f"UPN {_v(upn)} belongs to another child in this return too.", "")
    if not upn[4:12].isdigit():
        report("1540", "UPN", f"UPN {_v(upn)}: characters 5-12 are not all digits.", "")
    if len(upn) != 13:
        return
    if upn[12] not in _UPN_LAST:
        report("1550", "UPN", f"UPN {_v(upn)}: character 13 is not a recognised value.", "")
    if upn[1:].isdigit():
        total = sum(int(char) * (i + 1) for i, char in enumerate(upn) if i) % 23
        if _UPN_CHECK[total] != upn[0]:
            report("1510", "UPN", f"UPN {_v(upn)} has the wrong check letter.", "")


def _characteristics(raw: ChildRecord, report: Report) -> None:
    if raw.ethnicity not in ETHNICITY:
        report("4220", "Ethnicity", f"Ethnicity {_v(raw.ethnicity)} is missing or invalid.", "")
    # 8540: required only for a born child with at least one referral going on to further action.
    further_action = any(_flag(e.referral_nfa) is False for e in raw.episodes)
    if _date(raw.birth_date) and further_action:
        if not raw.disabilities:
            report(
                "8540", "Disability", "Disability is missing (NONE when the child has none).", ""
            )
        for code in raw.disabilities:
            if code not in DISABILITY:
                report("8540", "Disability", f"Disability {_v(code)} is not a census code.", "")
    if "NONE" in raw.disabilities and len(raw.disabilities) > 1:
        report("8790", "Disability", "Disability NONE is recorded with other disabilities.", "")
    if len(set(raw.disabilities)) != len(raw.disabilities):
        report("8794", "Disability", "The same disability is recorded more than once.", "")


def _episode(raw: ChildRecord, e: EpisodeRecord, state: FileState, report: Report) -> None:
    first, last = state.first, state.last
    referral = _date(e.referral)
    where = f"CINdetails referred {e.referral or '(no date)'}"
    if referral is None or referral > last:
        report(
            "8600",
            "CINreferralDate",
            f"Referral date {_v(e.referral)} is missing or after {last}.",
            where,
        )
    if referral and referral >= dt.date(2013, 4, 1) and e.referral_source not in REFERRAL_SOURCE:
        report(
            "8866",
            "ReferralSource",
            f"Source of referral {_v(e.referral_source)} is missing or invalid.",
            where,
        )
    if e.primary_need is not None and e.primary_need not in _NEEDS:
        report(
            "8650", "PrimaryNeedCode", f"Primary need code {_v(e.primary_need)} is invalid.", where
        )
    nfa = _flag(e.referral_nfa)
    if nfa is None:
        report(
            "8568", "ReferralNFA", f"ReferralNFA {_v(e.referral_nfa)} is missing or invalid.", where
        )
    if nfa is False and e.primary_need is None:
        report(
            "8610",
            "PrimaryNeedCode",
            "Primary need code is missing for a referral going on to further action.",
            where,
        )
    closure = _date(e.closure)
    if closure and not first <= closure <= last:
        report(
            "8620", "CINclosureDate", f"Closure date {closure} is outside {first} to {last}.", where
        )
    if closure and referral and closure < referral:
        report(
            "8630", "CINclosureDate", f"Closure {closure} is before the referral {referral}.", where
        )
    if e.reason_for_closure is not None and e.reason_for_closure not in _REASONS:
        report(
            "8640",
            "ReasonForClosure",
            f"Reason for closure {_v(e.reason_for_closure)} is invalid.",
            where,
        )
    if e.closure and not e.reason_for_closure:
        report(
            "8805", "ReasonForClosure", "The episode is closed without a reason for closure.", where
        )
    if e.reason_for_closure and not e.closure:
        report(
            "8810",
            "ReasonForClosure",
            "A reason for closure is given without a closure date.",
            where,
        )
    if nfa is True and e.cin_plans:
        report(
            "4000",
            "CINPlanDates",
            "CIN plan dates are given for a referral with no further action.",
            where,
        )
    if nfa is True and e.cp_plans:
        report(
            "8832",
            "ChildProtectionPlans",
            "A CP plan is given for a referral with no further action.",
            where,
        )
    episode_icpc = _date(e.icpc)
    for s in e.section47s:
        if episode_icpc and _date(s.icpc) == episode_icpc:
            report(
                "2884",
                "DateOfInitialCPC",
                f"The initial conference on {episode_icpc} is recorded on both the CINdetails "
                "and its Section47.",
                where,
            )
    for a in e.assessments:
        _assessment(a, referral, state, report, where)
    for c in e.cin_plans:
        _cin_plan(c, e, referral, state, report, where)
    for s in e.section47s:
        _section47(s, referral, state, report, where)
    for p in e.cp_plans:
        _cp_plan(p, e, referral, state, report, where)


def _assessment(
    a: Any, referral: dt.date | None, state: FileState, report: Report, where: str
) -> None:
    start, authorised = _date(a.start), _date(a.authorised)
    where = f"{where}, Assessments started {a.start or '(no date)'}"
    if start and referral and start < referral:
        report(
            "1103",
            "AssessmentActualStartDate",
            f"Assessment started {start}, before the referral {referral}.",
            where,
        )
    if start and authorised and authorised < start:
        report(
            "8608",
            "AssessmentAuthorisationDate",
            f"Assessment authorised {authorised}, before it started {start}.",
            where,
        )
    if authorised and not state.first <= authorised <= state.last:
        report(
            "8696",
            "AssessmentAuthorisationDate",
            f"Assessment end date {authorised} is outside the census year.",
            where,
        )
    if authorised is None and start and not state.first <= start <= state.last:
        report(
            "8736",
            "AssessmentActualStartDate",
            f"An assessment not completed started {start}, outside the census year.",
            where,
        )
    if authorised is None and a.factors:
        report(
            "8614",
            "AssessmentFactors",
            "Factors are given for an assessment that is not completed.",
            where,
        )
    if "21" in a.factors and len(a.factors) > 1:
        report(
            "8869", "AssessmentFactors", "Factor 21 (no factors) is combined with others.", where
        )
    if len(set(a.factors)) != len(a.factors):
        report(
            "8898", "AssessmentFactors", "An assessment factor is recorded more than once.", where
        )
    for code, rule in (("18A", "8945Q"), ("19A", "8950Q")):
        if code in a.factors:
            report(rule, "AssessmentFactors", f"Factor {code} should not be used.", where)


def _cin_plan(
    c: Any, e: EpisodeRecord, referral: dt.date | None, state: FileState, report: Report, where: str
) -> None:
    start, end = _date(c.start), _date(c.end)
    where = f"{where}, CINPlanDates from {c.start or '(no date)'}"
    if start is None or start > state.last:
        report(
            "4010",
            "CINPlanStartDate",
            f"CIN plan start date {_v(c.start)} is missing or after {state.last}.",
            where,
        )
    if start and end and end < start:
        report("4011", "CINPlanEndDate", f"CIN plan ends {end}, before it starts {start}.", where)
    if start and end and end == start:
        report("4012Q", "CINPlanEndDate", f"CIN plan starts and ends on {start}.", where)
    if end and not state.first <= end <= state.last:
        report(
            "4013", "CINPlanEndDate", f"CIN plan end date {end} is outside the census year.", where
        )
    if start and referral and start < referral:
        report(
            "4015",
            "CINPlanStartDate",
            f"CIN plan starts {start}, before the referral {referral}.",
            where,
        )
    for p in e.cp_plans:
        cp_start, cp_end = _date(p.start), _date(p.end)
        if cp_end is None and start and end is None:
            report(
                "4001",
                "CINPlanStartDate",
                f"An open CIN plan runs alongside the open CP plan from {_v(p.start)}.",
                where,
            )
        if (
            start
            and cp_start
            and start >= cp_start
            and (
                (cp_end is not None and start < cp_end) or (cp_end is None and start <= state.last)
            )
        ):
            report(
                "4016",
                "CINPlanStartDate",
                f"The CIN plan starts {start}, while the CP plan from {cp_start} is open.",
                where,
            )
        if (
            start
            and cp_start
            and cp_start >= start
            and ((end is not None and cp_start < end) or (end is None and cp_start <= state.last))
        ):
            report(
                "4017",
                "CPPstartDate",
                f"The CP plan starts {cp_start}, while the CIN plan from {start} is open.",
                where,
            )


def _section47(
    s: Any, referral: dt.date | None, state: FileState, report: Report, where: str
) -> None:
    start, icpc, target = _date(s.start), _date(s.icpc), _date(s.icpc_target)
    where = f"{where}, Section47 from {s.start or '(no date)'}"
    if start and referral and start < referral:
        report(
            "2889",
            "S47ActualStartDate",
            f"Section 47 enquiry started {start}, before the referral {referral}.",
            where,
        )
    if icpc and (start is None or start > icpc):
        report(
            "8615",
            "S47ActualStartDate",
            f"Section 47 start {_v(s.start)} is missing or after the initial conference {icpc}.",
            where,
        )
    if icpc and not state.first <= icpc <= state.last:
        report(
            "8715",
            "DateOfInitialCPC",
            f"Initial conference on {icpc} is outside the census year.",
            where,
        )
    if icpc and is_weekend(icpc):
        report("8875", "DateOfInitialCPC", f"Initial conference on {icpc} is a weekend.", where)
    if target and is_weekend(target):
        report(
            "8870Q",
            "InitialCPCtarget",
            f"Target date for the initial conference {target} is a weekend.",
            where,
        )


def _cp_plan(
    p: Any, e: EpisodeRecord, referral: dt.date | None, state: FileState, report: Report, where: str
) -> None:
    start, end = _date(p.start), _date(p.end)
    where = f"{where}, ChildProtectionPlans from {p.start or '(no date)'}"
    if start is None or start > state.last:
        report(
            "8720",
            "CPPstartDate",
            f"CP plan start date {_v(p.start)} is missing or after {state.last}.",
            where,
        )
    if start and referral and start < referral:
        report(
            "1105",
            "CPPstartDate",
            f"CP plan starts {start}, before the referral {referral}.",
            where,
        )
    if start and end and end < start:
        report("8925", "CPPendDate", f"CP plan ends {end}, before it starts {start}.", where)
    if start and end == start:
        report("8840", "CPPendDate", f"CP plan starts and ends on {start}.", where)
    if end and not state.first <= end <= state.last:
        report("8930", "CPPendDate", f"CP plan end date {end} is outside the census year.", where)
    if p.initial_category not in _CATEGORIES:
        report(
            "8905",
            "InitialCategoryOfAbuse",
            f"Initial category of abuse {_v(p.initial_category)} is missing or invalid.",
            where,
        )
    if p.latest_category not in _CATEGORIES:
        report(
            "8910",
            "LatestCategoryOfAbuse",
            f"Latest category of abuse {_v(p.latest_category)} is missing or invalid.",
            where,
        )
    count = str(p.number_of_previous_cpp or "").strip()
    if not count.isdigit():
        report(
            "8730",
            "NumberOfPreviousCPP",
            f"Number of previous CP plans {_v(p.number_of_previous_cpp)} is missing or invalid.",
            where,
        )
    for review in p.reviews:
        day = _date(review)
        if start and day and day <= start:
            report(
                "8841",
                "CPPreviewDate",
                f"The review on {day} is not after the plan started on {start}.",
                where,
            )
    if start and state.first <= start <= state.last:
        icpcs = {_date(s.icpc) for s in e.section47s if _flag(s.icpc_not_required) is not True}
        icpcs.add(_date(e.icpc))
        if start not in icpcs:
            report(
                "2885",
                "CPPstartDate",
                f"The CP plan starting {start} has no initial conference that day.",
                where,
            )


def _overlapping_plans(
    plans: list[tuple[dt.date, dt.date | None, EpisodeRecord]], last: dt.date, report: Report
) -> None:
    """8940: a plan's start falls within another plan of the child (to the reference date when
    that one is open); two plans with the same start count."""
    counted = Counter(start for start, _end, _e in plans)
    for i, (start, _end, e) in enumerate(plans):
        for j, (other_start, other_end, _other) in enumerate(plans):
            if i == j:
                continue
            inside = other_start <= start <= (other_end or last)
            if inside or counted[start] > 1:
                report(
                    "8940",
                    "CPPstartDate",
                    f"The CP plan starting {start} overlaps the CP plan starting {other_start}.",
                    f"CINdetails referred {e.referral or '(no date)'}, "
                    f"ChildProtectionPlans from {start}",
                )
                break
