"""Reading and writing census XML as a stream: memory stays flat whatever the file's size.

Reading: `census_file_check(path)` refuses anything that is not a well-formed census return (one
clear message) and counts its children; `census_children(path)` then yields one `ChildRecord` per
`Child`, with raw text values, clearing each element as it goes. Writing: `census_write(...)`
streams records out with `lxml.etree.xmlfile`, in the element order of the DfE schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree

from .records import (
    AssessmentRecord,
    ChildRecord,
    CINPlanRecord,
    CPPlanRecord,
    EpisodeRecord,
    Header,
    Section47Record,
)


class CensusFileRefused(Exception):
    """The file is not a children in need census return; nothing of it was imported."""


def _local(tag: Any) -> str:
    """Tag name without a namespace (some case systems add a default namespace)."""
    if tag.__class__ is not str:
        return ""  # a comment or processing instruction
    return tag if tag[:1] != "{" else tag.rsplit("}", 1)[-1]


def _text(elem: etree._Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def _children(elem: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in elem if _local(child.tag) == name]


def _header(elem: etree._Element) -> Header:
    """The header. The collection year comes from `Year` (or, without one, the year of the
    `ReferenceDate`); its 31 March is the reference date the rules use. A stated reference date
    that is not that day is kept for DfE rule 100 to report, not trusted (ADR 0052)."""
    details = next((c for c in elem if _local(c.tag) == "CollectionDetails"), None)
    source = next((c for c in elem if _local(c.tag) == "Source"), None)
    if details is None or (_text(details, "Collection") or "").upper() != "CIN":
        raise CensusFileRefused(
            "This file is not a children in need census return: its header does not name the "
            "CIN collection."
        )
    stated = _text(details, "ReferenceDate") or ""
    try:
        stated_date: dt.date | None = dt.date.fromisoformat(stated)
    except ValueError:
        stated_date = None
    year_text = _text(details, "Year") or ""
    if year_text.isdigit() and len(year_text) == 4:
        year = int(year_text)
    elif stated_date is not None:
        year = stated_date.year
    else:
        raise CensusFileRefused(
            "This census return names no collection year: its header has neither a valid Year "
            "nor a valid ReferenceDate."
        )
    la_code = (_text(source, "LEA") if source is not None else None) or ""
    return Header(
        year=year,
        reference_date=dt.date(year, 3, 31),
        la_code=la_code,
        stated_reference_date=stated,
    )


def _iter_events(path: str | Path) -> Iterator[tuple[str, etree._Element]]:
    try:
        # Only Header and Child reach Python; lxml skips every other event in C.
        yield from etree.iterparse(
            str(path),
            events=("end",),
            tag=("{*}Header", "{*}Child"),
            huge_tree=True,
            resolve_entities=False,
            no_network=True,
        )
    except etree.XMLSyntaxError as error:
        raise CensusFileRefused(
            f"This file is not a children in need census return: it is not well-formed XML "
            f"({error.msg})."
        ) from error
    except OSError as error:
        raise CensusFileRefused(f"The file could not be read: {error}.") from error


def _walk(path: str | Path) -> Iterator[Header | etree._Element]:
    """Yield the header, then each `Child` element (cleared by the caller's next step)."""
    seen_header = False
    root_checked = False
    for _event, elem in _iter_events(path):
        if not root_checked:
            if _local(elem.getroottree().getroot().tag) != "Message":
                raise CensusFileRefused(
                    "This file is not a children in need census return: it does not start with "
                    "a census <Message>."
                )
            root_checked = True
        parent = elem.getparent()
        if parent is None:
            continue
        name = _local(elem.tag)
        if name == "Header" and parent.getparent() is None:
            seen_header = True
            yield _header(elem)
            elem.clear()
        elif name == "Child" and _local(parent.tag) == "Children":
            if not seen_header:
                raise CensusFileRefused(
                    "This file is not a children in need census return: it has no header."
                )
            yield elem
            elem.clear()
            # Drop the cleared siblings too, or the tree keeps one empty element per child.
            while elem.getprevious() is not None:
                del parent[0]
    if not seen_header:
        raise CensusFileRefused(
            "This file is not a children in need census return: it has no header."
        )


def census_file_check(path: str | Path) -> tuple[Header, int]:
    """Refuse a file that is not a census return (raises `CensusFileRefused`); count children."""
    header: Header | None = None
    count = 0
    for item in _walk(path):
        if isinstance(item, Header):
            header = item
        else:
            count += 1
    if header is None:  # _walk raises first; this keeps the type checker informed
        raise CensusFileRefused("This census return has no header.")
    return header, count


def census_children(path: str | Path) -> Iterator[ChildRecord]:
    """Each child of a checked file, as raw text (dates unparsed)."""
    for item in _walk(path):
        if not isinstance(item, Header):
            yield _child(item)


def _index(elem: etree._Element) -> tuple[dict[str, str | None], dict[str, list[Any]]]:
    """One pass over an element's children: the text of each leaf (first of a name), and the
    elements of each name (for repeated groups). Cheaper than a lookup per field."""
    texts: dict[str, str | None] = {}
    groups: dict[str, list[Any]] = {}
    for child in elem:
        tag = child.tag
        if tag.__class__ is not str:
            continue  # a comment or processing instruction
        name = tag if tag[:1] != "{" else tag.rsplit("}", 1)[-1]
        groups.setdefault(name, []).append(child)
        if name not in texts:
            texts[name] = (child.text or "").strip() or None
    return texts, groups


def _child(elem: etree._Element) -> ChildRecord:
    _texts, parts = _index(elem)
    ids, _ = _index(parts["ChildIdentifiers"][0]) if "ChildIdentifiers" in parts else ({}, {})
    chars, char_groups = (
        _index(parts["ChildCharacteristics"][0]) if "ChildCharacteristics" in parts else ({}, {})
    )
    disabilities: list[str] = []
    for group in char_groups.get("Disabilities", []):
        disabilities += [(d.text or "").strip() for d in _children(group, "Disability")]
    return ChildRecord(
        la_child_id=ids.get("LAchildID"),
        upn=ids.get("UPN"),
        former_upn=ids.get("FormerUPN"),
        upn_unknown=ids.get("UPNunknown"),
        birth_date=ids.get("PersonBirthDate"),
        expected_birth_date=ids.get("ExpectedPersonBirthDate"),
        sex=ids.get("Sex"),
        gender_current=ids.get("GenderCurrent"),
        death_date=ids.get("PersonDeathDate"),
        ethnicity=chars.get("Ethnicity"),
        disabilities=disabilities,
        episodes=[_episode(e) for e in parts.get("CINdetails", [])],
    )


def _assessment(a: Any) -> AssessmentRecord:
    texts, groups = _index(a)
    return AssessmentRecord(
        start=texts.get("AssessmentActualStartDate"),
        authorised=texts.get("AssessmentAuthorisationDate"),
        factors=[
            (f.text or "").strip()
            for group in groups.get("FactorsIdentifiedAtAssessment", [])
            for f in _children(group, "AssessmentFactors")
        ],
    )


def _cp_plan(p: Any) -> CPPlanRecord:
    texts, groups = _index(p)
    return CPPlanRecord(
        start=texts.get("CPPstartDate"),
        end=texts.get("CPPendDate"),
        initial_category=texts.get("InitialCategoryOfAbuse"),
        latest_category=texts.get("LatestCategoryOfAbuse"),
        number_of_previous_cpp=texts.get("NumberOfPreviousCPP"),
        reviews=[
            (r.text or "").strip()
            for group in groups.get("Reviews", [])
            for r in _children(group, "CPPreviewDate")
        ],
    )


def _episode(elem: etree._Element) -> EpisodeRecord:
    texts, groups = _index(elem)
    cin_plans = []
    for c in groups.get("CINPlanDates", []):
        t, _ = _index(c)
        cin_plans.append(
            CINPlanRecord(start=t.get("CINPlanStartDate"), end=t.get("CINPlanEndDate"))
        )
    section47s = []
    for s in groups.get("Section47", []):
        t, _ = _index(s)
        section47s.append(
            Section47Record(
                start=t.get("S47ActualStartDate"),
                icpc_target=t.get("InitialCPCtarget"),
                icpc=t.get("DateOfInitialCPC"),
                icpc_not_required=t.get("ICPCnotRequired"),
            )
        )
    return EpisodeRecord(
        referral=texts.get("CINreferralDate"),
        referral_source=texts.get("ReferralSource"),
        primary_need=texts.get("PrimaryNeedCode"),
        closure=texts.get("CINclosureDate"),
        reason_for_closure=texts.get("ReasonForClosure"),
        icpc=texts.get("DateOfInitialCPC"),
        referral_nfa=texts.get("ReferralNFA"),
        assessments=[_assessment(a) for a in groups.get("Assessments", [])],
        cin_plans=cin_plans,
        section47s=section47s,
        cp_plans=[_cp_plan(p) for p in groups.get("ChildProtectionPlans", [])],
    )


# --- Writing -----------------------------------------------------------------------------------
def _value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _leaf(xf: Any, name: str, value: Any) -> None:
    if value is None or value == "":
        return
    with xf.element(name):
        xf.write(_value(value))


def census_write(
    out: IO[bytes],
    *,
    header: Header,
    children: Iterable[ChildRecord],
    sex_element: str = "Sex",
    software: str = "Safeguard Transitions",
) -> int:
    """Write one return. `sex_element` is "Sex" (2024-25 on) or "GenderCurrent" (earlier years).

    Returns the number of children written.
    """
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Message"):
            with xf.element("Header"):
                with xf.element("CollectionDetails"):
                    _leaf(xf, "Collection", "CIN")
                    _leaf(xf, "Year", header.year)
                    _leaf(
                        xf, "ReferenceDate", header.stated_reference_date or header.reference_date
                    )
                with xf.element("Source"):
                    _leaf(xf, "SourceLevel", "L")
                    _leaf(xf, "LEA", header.la_code)
                    _leaf(xf, "SoftwareCode", software)
                    _leaf(xf, "Release", "1")
                    _leaf(xf, "SerialNo", "001")
                    _leaf(xf, "DateTime", f"{header.reference_date.year}-05-01T09:00:00")
            with xf.element("Children"):
                for child in children:
                    _write_child(xf, child, sex_element)
                    count += 1
    return count


def _write_child(xf: Any, child: ChildRecord, sex_element: str) -> None:
    with xf.element("Child"):
        with xf.element("ChildIdentifiers"):
            _leaf(xf, "LAchildID", child.la_child_id)
            _leaf(xf, "UPN", child.upn)
            _leaf(xf, "FormerUPN", child.former_upn)
            _leaf(xf, "UPNunknown", child.upn_unknown)
            _leaf(xf, "PersonBirthDate", child.birth_date)
            _leaf(xf, "ExpectedPersonBirthDate", child.expected_birth_date)
            if sex_element == "Sex":
                _leaf(xf, "Sex", child.sex)
            else:
                _leaf(xf, "GenderCurrent", child.gender_current)
            _leaf(xf, "PersonDeathDate", child.death_date)
        with xf.element("ChildCharacteristics"):
            _leaf(xf, "Ethnicity", child.ethnicity)
            if child.disabilities:
                with xf.element("Disabilities"):
                    for code in child.disabilities:
                        _leaf(xf, "Disability", code)
        for episode in child.episodes:
            _write_episode(xf, episode)


def _write_episode(xf: Any, e: EpisodeRecord) -> None:
    with xf.element("CINdetails"):
        _leaf(xf, "CINreferralDate", e.referral)
        _leaf(xf, "ReferralSource", e.referral_source)
        _leaf(xf, "PrimaryNeedCode", e.primary_need)
        _leaf(xf, "CINclosureDate", e.closure)
        _leaf(xf, "ReasonForClosure", e.reason_for_closure)
        _leaf(xf, "DateOfInitialCPC", e.icpc)
        for a in e.assessments:
            with xf.element("Assessments"):
                _leaf(xf, "AssessmentActualStartDate", a.start)
                _leaf(xf, "AssessmentAuthorisationDate", a.authorised)
                if a.factors:
                    with xf.element("FactorsIdentifiedAtAssessment"):
                        for code in a.factors:
                            _leaf(xf, "AssessmentFactors", code)
        for c in e.cin_plans:
            with xf.element("CINPlanDates"):
                _leaf(xf, "CINPlanStartDate", c.start)
                _leaf(xf, "CINPlanEndDate", c.end)
        for s in e.section47s:
            with xf.element("Section47"):
                _leaf(xf, "S47ActualStartDate", s.start)
                _leaf(xf, "InitialCPCtarget", s.icpc_target)
                _leaf(xf, "DateOfInitialCPC", s.icpc)
                _leaf(xf, "ICPCnotRequired", s.icpc_not_required)
        _leaf(xf, "ReferralNFA", e.referral_nfa)
        for p in e.cp_plans:
            with xf.element("ChildProtectionPlans"):
                _leaf(xf, "CPPstartDate", p.start)
                _leaf(xf, "CPPendDate", p.end)
                _leaf(xf, "InitialCategoryOfAbuse", p.initial_category)
                _leaf(xf, "LatestCategoryOfAbuse", p.latest_category)
                _leaf(xf, "NumberOfPreviousCPP", p.number_of_previous_cpp)
                if p.reviews:
                    with xf.element("Reviews"):
                        for day in p.reviews:
                            _leaf(xf, "CPPreviewDate", day)
