"""The children in need census as plain records, shared by the parser, the generator and the export.

A record mirrors one census element. Field values are dates once parsed or generated; the parser
first fills them with the raw text of the file (or None when the element is absent), so a
deliberately broken sample can carry a bad value through the same writer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

#: A date once parsed; the raw string (or None) before.
DateValue = Any


@dataclass
class CPPlanRecord:
    start: DateValue
    end: DateValue = None
    initial_category: str | None = None
    latest_category: str | None = None
    number_of_previous_cpp: Any = None
    reviews: list[DateValue] = field(default_factory=list)


@dataclass
class CINPlanRecord:
    start: DateValue
    end: DateValue = None


@dataclass
class AssessmentRecord:
    start: DateValue
    authorised: DateValue = None
    factors: list[str] = field(default_factory=list)


@dataclass
class Section47Record:
    start: DateValue
    icpc_target: DateValue = None
    icpc: DateValue = None
    icpc_not_required: Any = False


@dataclass
class EpisodeRecord:
    """One `CINdetails`: a CIN episode with everything recorded in it."""

    referral: DateValue
    referral_source: str | None = None
    primary_need: str | None = None
    closure: DateValue = None
    reason_for_closure: str | None = None
    icpc: DateValue = None
    referral_nfa: Any = False
    assessments: list[AssessmentRecord] = field(default_factory=list)
    cin_plans: list[CINPlanRecord] = field(default_factory=list)
    section47s: list[Section47Record] = field(default_factory=list)
    cp_plans: list[CPPlanRecord] = field(default_factory=list)


@dataclass
class ChildRecord:
    la_child_id: str | None
    upn: str | None = None
    former_upn: str | None = None
    upn_unknown: str | None = None
    birth_date: DateValue = None
    expected_birth_date: DateValue = None
    #: `Sex` (M/F/U) from 2024-25; `GenderCurrent` (1/2/0/9) before. Exactly one is written.
    sex: str | None = None
    gender_current: str | None = None
    death_date: DateValue = None
    ethnicity: str | None = None
    disabilities: list[str] = field(default_factory=list)
    episodes: list[EpisodeRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    year: int
    #: 31 March of the collection year: the end of the period the rules check against.
    reference_date: dt.date
    la_code: str
    #: The ReferenceDate as the file states it (DfE rule 100 reports one that is not 31 March).
    stated_reference_date: str | None = None


def collection_start(reference_date: dt.date) -> dt.date:
    """1 April of the year before the reference date (31 March)."""
    return dt.date(reference_date.year - 1, 4, 1)


def reference_date_for(year: int) -> dt.date:
    return dt.date(year, 3, 31)


def _open_in(start: dt.date, end: dt.date | None, first: dt.date, last: dt.date) -> bool:
    return start <= last and (end is None or end >= first)


def _cut(day: dt.date | None, last: dt.date) -> dt.date | None:
    """A date after the reference date was not known then: the return shows it as absent."""
    return day if day is not None and day <= last else None


def child_in_year(child: ChildRecord, reference_date: dt.date) -> ChildRecord | None:
    """The part of a child's full history that one year's return holds (DOMAIN.md), or None.

    Episodes, assessments, section 47 enquiries, CIN and CP plans open at some point between
    1 April and the reference date; nothing dated after the reference date. Factors are reported
    only for an assessment completed by then (DfE 8614).
    """
    first, last = collection_start(reference_date), reference_date
    episodes = []
    for episode in child.episodes:
        if not _open_in(episode.referral, episode.closure, first, last):
            continue
        closure = _cut(episode.closure, last)
        assessments = []
        for a in episode.assessments:
            if _open_in(a.start, a.authorised, first, last):
                authorised = _cut(a.authorised, last)
                factors = list(a.factors) if authorised else []
                assessments.append(AssessmentRecord(a.start, authorised, factors))
        section47s = [
            replace(s, icpc=_cut(s.icpc, last))
            for s in episode.section47s
            if _open_in(s.start, s.icpc, first, last)
        ]
        cin_plans = [
            CINPlanRecord(p.start, _cut(p.end, last))
            for p in episode.cin_plans
            if _open_in(p.start, p.end, first, last)
        ]
        cp_plans = [
            replace(p, end=_cut(p.end, last), reviews=[r for r in p.reviews if r <= last])
            for p in episode.cp_plans
            if _open_in(p.start, p.end, first, last)
        ]
        icpc = episode.icpc if episode.icpc and first <= episode.icpc <= last else None
        episodes.append(
            replace(
                episode,
                closure=closure,
                reason_for_closure=episode.reason_for_closure if closure else None,
                icpc=icpc,
                assessments=assessments,
                cin_plans=cin_plans,
                section47s=section47s,
                cp_plans=cp_plans,
            )
        )
    if not episodes:
        return None
    return replace(child, episodes=episodes, death_date=_cut(child.death_date, last))


def iter_dates(child: ChildRecord) -> Iterator[tuple[str, DateValue]]:
    """Every (element, value) date of a child, for rules that apply to all dates alike."""
    yield "PersonBirthDate", child.birth_date
    yield "ExpectedPersonBirthDate", child.expected_birth_date
    yield "PersonDeathDate", child.death_date
    for e in child.episodes:
        yield "CINreferralDate", e.referral
        yield "CINclosureDate", e.closure
        yield "DateOfInitialCPC", e.icpc
        for a in e.assessments:
            yield "AssessmentActualStartDate", a.start
            yield "AssessmentAuthorisationDate", a.authorised
        for c in e.cin_plans:
            yield "CINPlanStartDate", c.start
            yield "CINPlanEndDate", c.end
        for s in e.section47s:
            yield "S47ActualStartDate", s.start
            yield "InitialCPCtarget", s.icpc_target
            yield "DateOfInitialCPC", s.icpc
        for p in e.cp_plans:
            yield "CPPstartDate", p.start
            yield "CPPendDate", p.end
            for r in p.reviews:
                yield "CPPreviewDate", r


#: Dates already parsed: a return repeats a few thousand distinct dates over 100,000 children.
_PARSED: dict[str, dt.date | None] = {}


def parse_date(value: Any) -> dt.date | None:
    """A date as the DfE reads it (YYYY-MM-DD), or None when absent or not a date."""
    if type(value) is str:
        try:
            return _PARSED[value]
        except KeyError:
            return _parse_text(value)
    if isinstance(value, dt.date):
        return value
    return None


def _parse_text(text: str) -> dt.date | None:
    stripped = text.strip()
    try:
        day = dt.date.fromisoformat(stripped) if len(stripped) == 10 else None
    except ValueError:
        day = None
    if len(_PARSED) < 100_000:  # bounded: a file of odd values cannot grow it without end
        _PARSED[text] = day
    return day
