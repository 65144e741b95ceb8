"""Validation of one child's census record: parse every value, then the DfE rules (DOMAIN.md).

`child_check` works on the return alone (dates parse, codes in their lists, dates in order and
inside the collection year, factors). `history_check` works on the child's CP and CIN plans after
merging the return with what is already stored (8935, 8940, 4001), so a return cannot contradict
an earlier one. Rule numbers are the DfE's; "ST" rules are ours (what the DfE schema enforces
or our storage needs). Rules ending in Q are queries: reported as warnings, record imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cases.codes import CategoryOfAbuse, PrimaryNeed, ReasonForClosure
from cases.validation import (
    cin_plan_alongside_cp_breaches,
    cp_plan_breaches,
    factor_breaches,
    is_weekend,
)

from .codes import ASSESSMENT_FACTORS, DISABILITY, ETHNICITY, GENDER_TO_SEX, REFERRAL_SOURCE, SEX
from .records import ChildRecord, Header, collection_start

#: Every rule the import checks: number -> what it means. The report and the docs use this.
RULES: dict[str, str] = {
    "ST01": "LA child ID longer than 10 characters (cannot be stored)",
    "ST02": "Date missing or not a date (YYYY-MM-DD)",
    "ST03": "Assessment factor not in the census code list",
    "1580": "LA child ID must not contain any non-alphanumeric characters",
    "2885": "CP plan starting in the year without an initial conference on that day",
    "4001": "A CIN plan cannot run concurrently with a CP plan",
    "4010": "CIN plan start date missing or after the collection period",
    "4011": "CIN plan end date earlier than start date",
    "4012Q": "CIN plan starts and ends on the same day",
    "4013": "CIN plan end date must fall within the census year",
    "4180": "Sex must be M, F or U (GenderCurrent 1, 2, 0 or 9)",
    "4220": "Ethnicity missing or invalid",
    "8500": "LA child ID missing",
    "8510": "More than one child record with the same LA child ID",
    "8520": "Date of birth after the collection period",
    "8540": "Disability missing or invalid",
    "8600": "Referral date missing or after the collection period",
    "8608": "Assessment authorised before it started",
    "8620": "CIN closure date does not fall within the census year",
    "8630": "CIN closure date before the referral date",
    "8640": "Reason for closure invalid",
    "8650": "Primary need code invalid",
    "8696": "Assessment end date must fall within the census year",
    "8720": "CP plan start date missing or after the collection period",
    "8730": "Number of previous CP plans missing or not a whole number",
    "8790": "Disability includes both NONE and other values",
    "8794": "The same disability recorded twice",
    "8805": "CIN closure date without a reason for closure",
    "8810": "Reason for closure without a CIN closure date",
    "8841": "A review on or before the CP plan start date",
    "8866": "Source of referral missing or invalid",
    "8869": "Assessment factor 21 (no factors) combined with other factors",
    "8875": "Initial child protection conference on a weekend",
    "8898": "The same assessment factor recorded twice",
    "8905": "Initial category of abuse missing or invalid",
    "8910": "Latest category of abuse missing or invalid",
    "8925": "CP plan end date earlier than start date",
    "8840": "CP plan starts and ends on the same day",
    "8930": "CP plan end date must fall within the census year",
    "8935": "More than one open CP plan",
    "8940": "Overlapping CP plans",
    "8945Q": "Assessment factor 18A should not be used (18B or 18C)",
    "8950Q": "Assessment factor 19A should not be used (19B or 19C)",
}


@dataclass(frozen=True)
class Issue:
    la_child_id: str
    element: str
    rule: str
    message: str

    @property
    def is_error(self) -> bool:
        return not self.rule.endswith("Q")


class _Checker:
    def __init__(self, child_id: str) -> None:
        self.child_id = child_id
        self.issues: list[Issue] = []

    def add(self, element: str, rule: str, message: str) -> None:
        self.issues.append(Issue(self.child_id, element, rule, message))

    def date(self, element: str, value: Any, *, required: bool = False) -> dt.date | None:
        if value is None or value == "":
            if required:
                self.add(element, "ST02", f"{element} is missing.")
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.add(element, "ST02", f"{element} '{value}' is not a date (YYYY-MM-DD).")
            return None

    def code(self, element: str, value: Any, allowed: Iterable[str], rule: str) -> str:
        if value in (None, ""):
            self.add(element, rule, f"{element} is missing.")
            return ""
        if value not in allowed:
            self.add(element, rule, f"{element} '{value}' is not in the census code list.")
            return ""
        return str(value)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return {"true": True, "1": True, "false": False, "0": False}.get(str(value).lower())


_CATEGORIES = set(CategoryOfAbuse.values)
_NEEDS = set(PrimaryNeed.values)
_REASONS = set(ReasonForClosure.values)


def child_check(raw: ChildRecord, header: Header) -> tuple[ChildRecord, list[Issue]]:
    """Parse a raw child and check every rule that needs only this return.

    Returns the child with dates as `date` values (None where unparseable) and the issues.
    """
    child_id = raw.la_child_id or ""
    c = _Checker(child_id)
    last, first = header.reference_date, collection_start(header.reference_date)
    if not child_id:
        c.add("LAchildID", "8500", "LA child ID is missing.")
    elif len(child_id) > 10:
        c.add("LAchildID", "ST01", f"LA child ID '{child_id}' is longer than 10 characters.")
    elif not child_id.isalnum():
        c.add("LAchildID", "1580", f"LA child ID '{child_id}' has non-alphanumeric characters.")

    child = ChildRecord(la_child_id=child_id, upn=raw.upn, ethnicity=raw.ethnicity)
    child.birth_date = c.date("PersonBirthDate", raw.birth_date)
    if child.birth_date and child.birth_date > last:
        c.add("PersonBirthDate", "8520", f"Date of birth {child.birth_date} is after {last}.")
    if raw.sex is not None:
        child.sex = c.code("Sex", raw.sex, SEX, "4180")
    elif raw.gender_current is not None:
        code = c.code("GenderCurrent", raw.gender_current, GENDER_TO_SEX, "4180")
        child.gender_current, child.sex = code, GENDER_TO_SEX.get(code, "")
    else:
        c.add("Sex", "4180", "Sex (or GenderCurrent) is missing.")
    child.ethnicity = c.code("Ethnicity", raw.ethnicity, ETHNICITY, "4220")
    if not raw.disabilities:
        c.add("Disability", "8540", "Disability is missing (NONE when the child has none).")
    for code in raw.disabilities:
        c.code("Disability", code, DISABILITY, "8540")
    if "NONE" in raw.disabilities and len(raw.disabilities) > 1:
        c.add("Disability", "8790", "Disability NONE is recorded with other disabilities.")
    if len(set(raw.disabilities)) != len(raw.disabilities):
        c.add("Disability", "8794", "The same disability is recorded more than once.")
    child.disabilities = list(raw.disabilities)

    for raw_episode in raw.episodes:
        e = raw_episode
        referral = c.date("CINreferralDate", e.referral, required=True)
        if referral and referral > last:
            c.add("CINreferralDate", "8600", f"Referral date {referral} is after {last}.")
        if e.referral_source not in REFERRAL_SOURCE:
            c.add("ReferralSource", "8866", f"Source of referral '{e.referral_source}' is invalid.")
        if e.primary_need and e.primary_need not in _NEEDS:
            c.add("PrimaryNeedCode", "8650", f"Primary need code '{e.primary_need}' is invalid.")
        closure = c.date("CINclosureDate", e.closure)
        if closure and referral and closure < referral:
            c.add("CINclosureDate", "8630", f"Closure {closure} is before referral {referral}.")
        if closure and not first <= closure <= last:
            c.add("CINclosureDate", "8620", f"Closure date {closure} is outside {first} to {last}.")
        if e.reason_for_closure and e.reason_for_closure not in _REASONS:
            c.add(
                "ReasonForClosure",
                "8640",
                f"Reason for closure '{e.reason_for_closure}' is invalid.",
            )
        if closure and not e.reason_for_closure:
            c.add("ReasonForClosure", "8805", "The episode is closed without a reason for closure.")
        if e.reason_for_closure and e.closure is None:
            c.add(
                "ReasonForClosure", "8810", "A reason for closure is given without a closure date."
            )
        episode_icpc = c.date("DateOfInitialCPC", e.icpc)
        if episode_icpc and is_weekend(episode_icpc):
            c.add("DateOfInitialCPC", "8875", f"Initial conference on {episode_icpc} is a weekend.")
        e.referral, e.closure, e.icpc = referral, closure, episode_icpc
        e.referral_nfa = _flag(e.referral_nfa)

        for a in e.assessments:
            a.start = c.date("AssessmentActualStartDate", a.start, required=True)
            a.authorised = c.date("AssessmentAuthorisationDate", a.authorised)
            if a.start and a.authorised and a.authorised < a.start:
                c.add(
                    "AssessmentAuthorisationDate",
                    "8608",
                    f"Assessment authorised {a.authorised}, before it started {a.start}.",
                )
            if a.authorised and a.authorised > last:
                c.add(
                    "AssessmentAuthorisationDate",
                    "8696",
                    f"Assessment end date {a.authorised} is after {last}.",
                )
            for code in a.factors:
                if code not in ASSESSMENT_FACTORS:
                    c.add(
                        "AssessmentFactors",
                        "ST03",
                        f"Assessment factor '{code}' is not a census code.",
                    )
            for breach in factor_breaches(a.factors):
                c.add("AssessmentFactors", breach.rule, breach.message)
            for code, rule in (("18A", "8945Q"), ("19A", "8950Q")):
                if code in a.factors:
                    c.add(
                        "AssessmentFactors",
                        rule,
                        f"Factor {code} should not be used; {RULES[rule]}.",
                    )

        for cin in e.cin_plans:
            cin.start = c.date("CINPlanStartDate", cin.start)
            cin.end = c.date("CINPlanEndDate", cin.end)
            if cin.start is None or cin.start > last:
                c.add(
                    "CINPlanStartDate", "4010", "CIN plan start date is missing or after the year."
                )
            elif cin.end and cin.end < cin.start:
                c.add(
                    "CINPlanEndDate",
                    "4011",
                    f"CIN plan ends {cin.end}, before it starts {cin.start}.",
                )
            elif cin.end and cin.end == cin.start:
                c.add("CINPlanEndDate", "4012Q", f"CIN plan starts and ends on {cin.start}.")
            if cin.end and cin.end > last:
                c.add("CINPlanEndDate", "4013", f"CIN plan end date {cin.end} is after {last}.")

        icpc_days = {episode_icpc} if episode_icpc else set()
        for s in e.section47s:
            s.start = c.date("S47ActualStartDate", s.start, required=True)
            s.icpc_target = c.date("InitialCPCtarget", s.icpc_target)
            s.icpc = c.date("DateOfInitialCPC", s.icpc)
            s.icpc_not_required = bool(_flag(s.icpc_not_required))
            if s.icpc:
                icpc_days.add(s.icpc)
                if is_weekend(s.icpc):
                    c.add(
                        "DateOfInitialCPC", "8875", f"Initial conference on {s.icpc} is a weekend."
                    )

        for p in e.cp_plans:
            p.start = c.date("CPPstartDate", p.start, required=True)
            p.end = c.date("CPPendDate", p.end)
            if p.start and p.start > last:
                c.add("CPPstartDate", "8720", f"CP plan start date {p.start} is after {last}.")
            if p.start and p.end and p.end < p.start:
                c.add("CPPendDate", "8925", f"CP plan ends {p.end}, before it starts {p.start}.")
            if p.start and p.end == p.start:
                c.add("CPPendDate", "8840", f"CP plan starts and ends on {p.start}.")
            if p.end and p.end > last:
                c.add("CPPendDate", "8930", f"CP plan end date {p.end} is after {last}.")
            if p.initial_category not in _CATEGORIES:
                c.add(
                    "InitialCategoryOfAbuse",
                    "8905",
                    f"Initial category of abuse '{p.initial_category}' is missing or invalid.",
                )
            if p.latest_category not in _CATEGORIES:
                c.add(
                    "LatestCategoryOfAbuse",
                    "8910",
                    f"Latest category of abuse '{p.latest_category}' is missing or invalid.",
                )
            try:
                p.number_of_previous_cpp = int(p.number_of_previous_cpp)
                if p.number_of_previous_cpp < 0:
                    raise ValueError
            except (TypeError, ValueError):
                c.add(
                    "NumberOfPreviousCPP",
                    "8730",
                    f"Number of previous CP plans '{p.number_of_previous_cpp}' is invalid.",
                )
                p.number_of_previous_cpp = None
            p.reviews = [c.date("CPPreviewDate", r, required=True) for r in p.reviews]
            if p.start:
                for review in p.reviews:
                    if review and review <= p.start:
                        c.add(
                            "CPPreviewDate",
                            "8841",
                            f"The review on {review} is not after the plan started on {p.start}.",
                        )
                if first <= p.start <= last and p.start not in icpc_days:
                    c.add(
                        "CPPstartDate",
                        "2885",
                        f"The CP plan starting {p.start} has no initial conference that day.",
                    )
        child.episodes.append(e)
    return child, c.issues


Period = tuple[dt.date, dt.date | None]


def history_check(
    child_id: str,
    cp_plans: dict[dt.date, Period],
    cin_plans: list[Period],
    new_cp: set[dt.date],
    new_cin: set[Period],
) -> list[Issue]:
    """8935/8940/4001 over the child's whole merged history (stored plus this return).

    `cp_plans` maps start date to period; only breaches touching a plan of this return
    (`new_cp`, `new_cin`) are reported, so a stored history is never blamed on a new return.
    """
    issues: dict[tuple[str, str], Issue] = {}
    periods = list(cp_plans.values())
    for start in sorted(new_cp):
        plan = cp_plans[start]
        others = [p for p in periods if p[0] != start]
        for breach in cp_plan_breaches(plan, others):
            if breach.rule in ("8935", "8940"):
                element = "CPPendDate" if breach.rule == "8935" else "CPPstartDate"
                issues.setdefault(
                    (breach.rule, element), Issue(child_id, element, breach.rule, breach.message)
                )
    for cin in cin_plans:
        if cin[1] is not None and cin[1] <= cin[0]:
            continue  # an empty or reversed plan is reported by 4011/4012Q, not here
        relevant = periods if cin in new_cin else [cp_plans[s] for s in new_cp]
        for breach in cin_plan_alongside_cp_breaches(cin, relevant):
            issues.setdefault(
                ("4001", "CINPlanStartDate"),
                Issue(child_id, "CINPlanStartDate", "4001", breach.message),
            )
    return list(issues.values())
