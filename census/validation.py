"""Checking one child of a census return (ADR 0050).

Two separate questions, never mixed:

1. **What the DfE rules say** (`census/dfe_checks.py`): every rule we check, reported as the DfE
   rule set of the file's collection year has it (an error or a query, or not at all in a year
   whose rule set lacks it). Reporting only: a DfE error does not stop anything being imported.
2. **What our model cannot hold** (here): only those elements are held back, each named with
   the child, the element, the rule and its values, for a person to correct on the data quality
   page. Everything else of the child is imported. See `HOLD_RULES` for the list.

`child_check` works on one return's child; `history_holds` (called by the importer) works on the
child's CP plans after merging the return with what is already stored, so a return can never
contradict an earlier one (8935/8940 across years).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from . import dfe_rules
from .dfe_checks import FileState, child_checks
from .records import (
    AssessmentRecord,
    ChildRecord,
    CINPlanRecord,
    CPPlanRecord,
    EpisodeRecord,
    Header,
    Section47Record,
    parse_date,
)

#: Our own rules: what the DfE schema enforces before its rules run, or what our storage needs.
#: Severity first. Rules ending in Q are queries.
OUR_RULES: dict[str, tuple[str, str]] = {
    "ST01": ("error", "LA child ID longer than 20 characters: it cannot be stored"),
    "ST02": ("error", "A date that is missing where it is needed, or is not a date (YYYY-MM-DD)"),
    "ST04": ("error", "A value longer than any census code it could be: it cannot be stored"),
    "ST05": ("error", "A second element with the same start date: the same record for us"),
    "ST09": ("error", "The database refused the child's record"),
    "ST10Q": ("query", "The return's LA code is not this authority's"),
}

#: Longest value each stored code column holds (longer values are held back, ST04 or its rule).
CODE_LIMITS = {
    "UPN": 13,
    "FormerUPN": 13,
    "UPNunknown": 4,
    "Ethnicity": 10,
    "Disability": 10,
    "ReferralSource": 10,
    "PrimaryNeedCode": 10,
    "ReasonForClosure": 10,
    "AssessmentFactors": 10,
    "InitialCategoryOfAbuse": 10,
    "LatestCategoryOfAbuse": 10,
}
#: The longest text a held-back value or a message shows of a value.
SHOWN_CHARACTERS = 60
#: The longest value kept on a held-back element (longer ones must be corrected to re-apply).
KEPT_CHARACTERS = 200
MAX_LA_CHILD_ID = 20


def shown(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """A value for a message: quoted, and cut with its length when long (ADR 0052)."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return f"'{text}'"
    return f"'{text[:limit]}…' ({len(text):,} characters)"


def kept(value: Any) -> Any:
    """A raw value as a held-back element keeps it (long text cut, its length noted)."""
    if isinstance(value, list):
        return [kept(v) for v in value]
    if isinstance(value, str) and len(value) > KEPT_CHARACTERS:
        return f"{value[:KEPT_CHARACTERS]}… ({len(value):,} characters)"
    return value


def short_id(la_child_id: str | None) -> str:
    """An LA child ID as reports store it (at most 60 characters)."""
    text = la_child_id or ""
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text):,} characters)"


@dataclass
class HeldBack:
    """An element the import did not write (see the module docstring)."""

    la_child_id: str
    element: str
    rule: str
    message: str
    context: dict[str, Any]
    values: dict[str, Any]


@dataclass
class Issue:
    """One line of the report."""

    la_child_id: str
    element: str
    rule: str
    message: str
    severity: str = dfe_rules.ERROR
    where: str = ""
    held: HeldBack | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == dfe_rules.ERROR


def rule_severity(code: str, year: int) -> str | None:
    if code in OUR_RULES:
        return OUR_RULES[code][0]
    return dfe_rules.severity(code, year)


def bad_date(value: Any) -> bool:
    """Present but not a date."""
    return value not in (None, "") and parse_date(value) is None


def flag(value: Any) -> bool | None:
    """ReferralNFA / ICPCnotRequired: true/1, false/0, or None when absent or invalid."""
    if isinstance(value, bool) or value is None:
        return value
    return {"true": True, "1": True, "false": False, "0": False}.get(str(value).strip().lower())


@dataclass
class Checked:
    """A child after `child_check`: what can be written, and what was reported and held back."""

    child: ChildRecord | None  # None: the whole child is held back
    issues: list[Issue] = field(default_factory=list)
    holds: list[HeldBack] = field(default_factory=list)


class _Report:
    """Collects one child's issues and holds (holds also appear in the report, once)."""

    def __init__(self, child_id: str, year: int) -> None:
        self.child_id = short_id(child_id)
        self.year = year
        self.issues: list[Issue] = []
        self.holds: list[HeldBack] = []

    def issue(self, rule: str, element: str, message: str, where: str = "") -> Issue | None:
        severity = rule_severity(rule, self.year)
        if severity is None:
            return None  # not a rule in this year's rule set
        found = Issue(self.child_id, element, rule, message, severity, where)
        self.issues.append(found)
        return found

    def hold(
        self,
        rule: str,
        element: str,
        message: str,
        *,
        where: str = "",
        context: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
    ) -> HeldBack:
        held = HeldBack(
            self.child_id,
            element,
            rule,
            message,
            {**(context or {}), "where": where},
            {k: kept(v) for k, v in (values or {}).items()},
        )
        self.holds.append(held)
        same = next(
            (
                i
                for i in self.issues
                if (i.rule, i.element, i.where) == (rule, element, where) and i.held is None
            ),
            None,
        )
        if same is None:
            same = Issue(
                self.child_id,
                element,
                rule,
                message,
                rule_severity(rule, self.year) or dfe_rules.ERROR,
                where,
            )
            self.issues.append(same)
        same.held = held
        return held


def header_issues(header: Header, *, la_code: str) -> list[Issue]:
    """Rule 100 (ReferenceDate is 31 March of the collection year) and ST10Q (not our LA)."""
    issues = []
    if header.stated_reference_date != header.reference_date.isoformat():
        issues.append(
            Issue(
                "",
                "ReferenceDate",
                "100",
                f"{dfe_rules.message('100')}: the return states "
                f"{shown(header.stated_reference_date)}; the collection year {header.year} ends "
                f"on {header.reference_date}, and the rules were applied to that year.",
                rule_severity("100", header.year) or dfe_rules.ERROR,
            )
        )
    if header.la_code != la_code:
        issues.append(
            Issue(
                "",
                "LEA",
                "ST10Q",
                f"The return is from LA {shown(header.la_code)}; this authority is {la_code}. "
                "Its children were imported: check it is the right file.",
                dfe_rules.QUERY,
            )
        )
    return issues


# --- The whole child --------------------------------------------------------------------------
def child_record_json(child: ChildRecord) -> dict[str, Any]:
    """A raw child as JSON (long values cut): what a held-back child keeps to be re-applied."""
    return kept_tree(asdict(child))


def kept_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: kept_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [kept_tree(v) for v in value]
    return kept(value)


def child_from_json(data: dict[str, Any]) -> ChildRecord:
    """The inverse of `child_record_json` (a raw child, text values)."""
    episodes = []
    for e in data.get("episodes", []):
        episodes.append(
            EpisodeRecord(
                **{
                    k: v
                    for k, v in e.items()
                    if k not in {"assessments", "cin_plans", "section47s", "cp_plans"}
                },
                assessments=[AssessmentRecord(**a) for a in e.get("assessments", [])],
                cin_plans=[CINPlanRecord(**c) for c in e.get("cin_plans", [])],
                section47s=[Section47Record(**s) for s in e.get("section47s", [])],
                cp_plans=[CPPlanRecord(**p) for p in e.get("cp_plans", [])],
            )
        )
    return ChildRecord(**{k: v for k, v in data.items() if k != "episodes"}, episodes=episodes)


def _whole_child_rule(child_id: str, year: int, state: FileState) -> tuple[str, str] | None:
    """Why the child cannot be stored at all (no usable LA child ID), if it cannot."""
    if not child_id:
        return "8500", "LA child ID is missing: the child cannot be matched or stored."
    if len(child_id) > MAX_LA_CHILD_ID:
        rule = "1570" if dfe_rules.severity("1570", year) else "ST01"
        return rule, (
            f"LA child ID {shown(child_id)} is longer than {MAX_LA_CHILD_ID} characters: "
            "the child cannot be stored."
        )
    if state.seen_before(child_id):
        return "8510", (
            f"A second child record with LA child ID {shown(child_id)} in this return: the first "
            "was imported, this one is held back (is it another child, or the same one twice?)."
        )
    return None


def child_check(raw: ChildRecord, header: Header, state: FileState | None = None) -> Checked:
    """Check one child of a return: report the DfE rules, hold back what our model cannot hold.

    Returns the child as it can be written (dates parsed, held-back elements removed), or no
    child when it cannot be stored at all.
    """
    state = state or FileState(header)
    child_id = raw.la_child_id or ""
    report = _Report(child_id, header.year)
    child_checks(raw, header, state, report.issue)
    whole = _whole_child_rule(child_id, header.year, state)
    state.count_child(raw)
    if whole is not None:
        rule, text = whole
        held = report.hold(
            rule,
            "Child",
            text,
            context={"child": child_record_json(raw)},
            values={"LAchildID": child_id},
        )
        del held
        return Checked(None, report.issues, report.holds)
    child = _kept_child(raw, report)
    return Checked(child, report.issues, report.holds)


# --- What is kept of a child -------------------------------------------------------------------
def _code(report: _Report, element: str, value: Any, where: str, context: dict[str, Any]) -> Any:
    """A code value as stored, or None (held back) when no column could hold it."""
    if value is None or len(str(value)) <= CODE_LIMITS[element]:
        return value
    report.hold(
        "ST04",
        element,
        f"{element} {shown(value)} is longer than any census code: not stored.",
        where=where,
        context=context,
        values={element: value},
    )
    return None


def _date_value(
    report: _Report, element: str, value: Any, where: str, context: dict[str, Any]
) -> dt.date | None:
    """A child-level or episode-level date that stands alone: held back when not a date."""
    if bad_date(value):
        report.hold(
            "ST02",
            element,
            f"{element} {shown(value)} is not a date (YYYY-MM-DD): not stored.",
            where=where,
            context=context,
            values={element: value},
        )
    return parse_date(value)


def _kept_child(raw: ChildRecord, report: _Report) -> ChildRecord:
    ctx = {"LAchildID": raw.la_child_id}
    child = ChildRecord(
        la_child_id=raw.la_child_id,
        upn=_code(report, "UPN", raw.upn, "", ctx),
        former_upn=_code(report, "FormerUPN", raw.former_upn, "", ctx),
        upn_unknown=_code(report, "UPNunknown", raw.upn_unknown, "", ctx),
        birth_date=_date_value(report, "PersonBirthDate", raw.birth_date, "", ctx),
        expected_birth_date=_date_value(
            report, "ExpectedPersonBirthDate", raw.expected_birth_date, "", ctx
        ),
        death_date=_date_value(report, "PersonDeathDate", raw.death_date, "", ctx),
        ethnicity=_code(report, "Ethnicity", raw.ethnicity, "", ctx),
    )
    child.sex, child.gender_current = _sex(raw)
    disabilities = [_code(report, "Disability", d, "", ctx) for d in raw.disabilities]
    child.disabilities = [d for d in disabilities if d]
    referrals: set[dt.date] = set()
    for e in raw.episodes:
        episode = _kept_episode(e, report, ctx, referrals)
        if episode is not None:
            child.episodes.append(episode)
    _hold_duplicate_cp_plans(child, report, ctx)
    return child


def _sex(raw: ChildRecord) -> tuple[str, str]:
    """`Person.sex` (M/F/U) and the GenderCurrent code as recorded, from whichever was sent."""
    from .codes import GENDER_TO_SEX, SEX

    sex = raw.sex if raw.sex in SEX else ""
    gender = raw.gender_current if raw.gender_current in GENDER_TO_SEX else ""
    return sex or GENDER_TO_SEX.get(gender, ""), gender


def _where(first: str, second: str = "") -> str:
    return f"{first}, {second}" if first and second else first or second


def _kept_episode(
    e: EpisodeRecord, report: _Report, ctx: dict[str, Any], referrals: set[dt.date]
) -> EpisodeRecord | None:
    referral = parse_date(e.referral)
    where = f"CINdetails referred {e.referral or '(no date)'}"
    if referral is None or referral in referrals:
        duplicate = referral is not None
        report.hold(
            "ST05" if duplicate else ("ST02" if bad_date(e.referral) else "8600"),
            "CINdetails",
            (
                f"A second CINdetails referred on {referral}: one CIN episode for us."
                if duplicate
                else f"CINreferralDate {shown(e.referral)} is missing or not a date: the CIN "
                "episode (and everything in it) cannot be matched or stored."
            ),
            where=where,
            context={**ctx, "episode": asdict(e)},
            values={"CINreferralDate": e.referral},
        )
        return None
    referrals.add(referral)
    ectx = {**ctx, "CINreferralDate": referral.isoformat()}
    closure = parse_date(e.closure)
    reason = e.reason_for_closure
    if bad_date(e.closure) or (closure is not None and closure < referral):
        report.hold(
            "ST02" if bad_date(e.closure) else "8630",
            "CINclosureDate",
            f"CINclosureDate {shown(e.closure)} is not a date or is before the referral on "
            f"{referral}: the episode is imported as open, its closure held back.",
            where=where,
            context=ectx,
            values={"CINclosureDate": e.closure, "ReasonForClosure": e.reason_for_closure},
        )
        closure, reason = None, None
    episode = EpisodeRecord(
        referral=referral,
        referral_source=_code(report, "ReferralSource", e.referral_source, where, ectx),
        primary_need=_code(report, "PrimaryNeedCode", e.primary_need, where, ectx),
        closure=closure,
        reason_for_closure=_code(report, "ReasonForClosure", reason, where, ectx),
        icpc=_date_value(report, "DateOfInitialCPC", e.icpc, where, ectx),
        referral_nfa=flag(e.referral_nfa),
    )
    episode.assessments = _kept_list(e.assessments, _assessment, report, where, ectx)
    episode.cin_plans = _kept_list(e.cin_plans, _cin_plan, report, where, ectx)
    episode.section47s = _kept_list(e.section47s, _section47, report, where, ectx)
    episode.cp_plans = _kept_list(e.cp_plans, _cp_plan, report, where, ectx)
    return episode


def _kept_list(
    items: list[Any],
    keep: Callable[[Any, _Report, str, dict[str, Any]], tuple[Any, str | None]],
    report: _Report,
    where: str,
    ctx: dict[str, Any],
) -> list[Any]:
    """Each element through `keep` (which holds back what cannot be stored), then a second
    element with the same start held back too (the same record for us)."""
    out: list[Any] = []
    starts: set[dt.date] = set()
    for item in items:
        parsed, _element = keep(item, report, where, ctx)
        if parsed is None:
            continue
        if parsed.start in starts and not isinstance(parsed, CPPlanRecord):
            element = type(item).__name__
            report.hold(
                "ST05",
                ELEMENT_NAMES[element],
                f"A second {ELEMENT_NAMES[element]} starting {parsed.start} in this CIN episode: "
                "the same record for us, so this one is held back.",
                where=_where(where, f"{ELEMENT_NAMES[element]} {parsed.start}"),
                context={**ctx, ELEMENT_NAMES[element]: asdict(item)},
                values=asdict(item),
            )
            continue
        starts.add(parsed.start)
        out.append(parsed)
    return out


ELEMENT_NAMES = {
    "AssessmentRecord": "Assessments",
    "CINPlanRecord": "CINPlanDates",
    "Section47Record": "Section47",
    "CPPlanRecord": "ChildProtectionPlans",
}


def _hold_element(
    report: _Report, rule: str, item: Any, message: str, where: str, ctx: dict[str, Any]
) -> tuple[None, str]:
    element = ELEMENT_NAMES[type(item).__name__]
    report.hold(
        rule,
        element,
        message,
        where=where,
        context={**ctx, "element": element},
        values=asdict(item),
    )
    return None, element


def _bad_dates(item: Any, names: dict[str, str]) -> list[str]:
    return [element for attr, element in names.items() if bad_date(getattr(item, attr))]


def _assessment(
    a: AssessmentRecord, report: _Report, where: str, ctx: dict[str, Any]
) -> tuple[AssessmentRecord | None, str | None]:
    where = _where(where, f"Assessments started {a.start or '(no date)'}")
    bad = _bad_dates(
        a, {"start": "AssessmentActualStartDate", "authorised": "AssessmentAuthorisationDate"}
    )
    start, authorised = parse_date(a.start), parse_date(a.authorised)
    if bad or start is None:
        return _hold_element(
            report,
            "ST02",
            a,
            f"{' and '.join(bad) or 'AssessmentActualStartDate'} missing or "
            "not a date: the assessment cannot be stored.",
            where,
            ctx,
        )
    if authorised is not None and authorised < start:
        return _hold_element(
            report,
            "8608",
            a,
            f"Assessment authorised {authorised}, before it started {start}.",
            where,
            ctx,
        )
    factors = [_code(report, "AssessmentFactors", f, where, ctx) for f in a.factors]
    return AssessmentRecord(start, authorised, [f for f in factors if f]), None


def _cin_plan(
    c: CINPlanRecord, report: _Report, where: str, ctx: dict[str, Any]
) -> tuple[CINPlanRecord | None, str | None]:
    where = _where(where, f"CINPlanDates from {c.start or '(no date)'}")
    bad = _bad_dates(c, {"start": "CINPlanStartDate", "end": "CINPlanEndDate"})
    start, end = parse_date(c.start), parse_date(c.end)
    if bad or start is None:
        return _hold_element(
            report,
            "ST02" if bad else "4010",
            c,
            f"{' and '.join(bad) or 'CINPlanStartDate'} missing or not a date: the CIN plan "
            "cannot be stored.",
            where,
            ctx,
        )
    if end is not None and end < start:
        return _hold_element(
            report, "4011", c, f"CIN plan ends {end}, before it starts {start}.", where, ctx
        )
    return CINPlanRecord(start, end), None


def _section47(
    s: Section47Record, report: _Report, where: str, ctx: dict[str, Any]
) -> tuple[Section47Record | None, str | None]:
    where = _where(where, f"Section47 from {s.start or '(no date)'}")
    names = {
        "start": "S47ActualStartDate",
        "icpc_target": "InitialCPCtarget",
        "icpc": "DateOfInitialCPC",
    }
    bad = _bad_dates(s, names)
    start = parse_date(s.start)
    if bad or start is None:
        return _hold_element(
            report,
            "ST02",
            s,
            f"{' and '.join(bad) or 'S47ActualStartDate'} missing or not a date: the section 47 "
            "enquiry cannot be stored.",
            where,
            ctx,
        )
    record = Section47Record(
        start, parse_date(s.icpc_target), parse_date(s.icpc), bool(flag(s.icpc_not_required))
    )
    return record, None


def _cp_plan(
    p: CPPlanRecord, report: _Report, where: str, ctx: dict[str, Any]
) -> tuple[CPPlanRecord | None, str | None]:
    where = _where(where, f"ChildProtectionPlans from {p.start or '(no date)'}")
    bad = _bad_dates(p, {"start": "CPPstartDate", "end": "CPPendDate"})
    start, end = parse_date(p.start), parse_date(p.end)
    if bad or start is None:
        return _hold_element(
            report,
            "ST02" if bad else "8720",
            p,
            f"{' and '.join(bad) or 'CPPstartDate'} missing or not a date: the CP plan cannot be "
            "stored.",
            where,
            ctx,
        )
    if end is not None and end <= start:
        rule = "8840" if end == start else "8925"
        text = (
            f"CP plan starts and ends on {start}."
            if end == start
            else f"CP plan ends {end}, before it starts {start}."
        )
        return _hold_element(report, rule, p, text, where, ctx)
    try:
        previous: int | None = int(str(p.number_of_previous_cpp).strip())
        if not 0 <= previous < 32768:  # type: ignore[operator]
            raise ValueError
    except (TypeError, ValueError):
        previous = None
        if p.number_of_previous_cpp not in (None, ""):
            report.hold(
                "8730",
                "NumberOfPreviousCPP",
                f"NumberOfPreviousCPP {shown(p.number_of_previous_cpp)} is not a whole number: "
                "the plan is imported without it.",
                where=where,
                context={**ctx, "CPPstartDate": start.isoformat()},
                values={"NumberOfPreviousCPP": p.number_of_previous_cpp},
            )
    reviews = []
    for review in p.reviews:
        day = parse_date(review)
        if day is None:
            report.hold(
                "ST02",
                "CPPreviewDate",
                f"CPPreviewDate {shown(review)} is not a date: that review is not stored.",
                where=where,
                context={**ctx, "CPPstartDate": start.isoformat()},
                values={"CPPreviewDate": review},
            )
        else:
            reviews.append(day)
    categories = {
        "initial": _code(report, "InitialCategoryOfAbuse", p.initial_category, where, ctx),
        "latest": _code(report, "LatestCategoryOfAbuse", p.latest_category, where, ctx),
    }
    record = CPPlanRecord(
        start, end, categories["initial"], categories["latest"], previous, sorted(set(reviews))
    )
    return record, None


def _hold_duplicate_cp_plans(child: ChildRecord, report: _Report, ctx: dict[str, Any]) -> None:
    """CP plans are the child's, across CIN episodes: one start, one plan (DfE 8940)."""
    seen: set[dt.date] = set()
    for episode in child.episodes:
        kept_plans = []
        for plan in episode.cp_plans:
            if plan.start in seen:
                report.hold(
                    "8940",
                    "ChildProtectionPlans",
                    f"A second CP plan starting {plan.start}: this one is held back.",
                    where=_where(
                        f"CINdetails referred {episode.referral}",
                        f"ChildProtectionPlans from {plan.start}",
                    ),
                    context={**ctx, "CINreferralDate": episode.referral.isoformat()},
                    values=_plan_values(plan),
                )
                continue
            seen.add(plan.start)
            kept_plans.append(plan)
        episode.cp_plans = kept_plans


def _plan_values(plan: CPPlanRecord) -> dict[str, Any]:
    return {
        "start": _iso(plan.start),
        "end": _iso(plan.end),
        "initial_category": plan.initial_category,
        "latest_category": plan.latest_category,
        "number_of_previous_cpp": plan.number_of_previous_cpp,
        "reviews": [_iso(r) for r in plan.reviews],
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --- Across the child's stored history ----------------------------------------------------------
Period = tuple[dt.date, dt.date | None]


def _overlaps(a: Period, b: Period) -> bool:
    """Half-open: a plan may start the day the previous one ends (as the database constraint)."""
    return (a[1] is None or b[0] < a[1]) and (b[1] is None or a[0] < b[1])


def history_conflict(plan: Period, others: list[Period]) -> tuple[str, Period] | None:
    """The first plan `plan` cannot sit beside (8935: both open; 8940: overlapping), if any."""
    for other in others:
        if plan[1] is None and other[1] is None:
            return "8935", other
        if _overlaps(plan, other):
            return "8940", other
    return None
