"""Synthetic census returns: the sample returns under tests/census/samples and the benchmark data.

Deterministic (seeded). Each child gets a full made-up history (CIN-only support, CP plans with
and without domestic abuse factors, step-downs to CIN, re-plans, plans spanning year ends, sibling
groups sharing dates); `child_in_year` then cuts each collection year's return from it, exactly as
a case system would. `broken_children()` adds one deliberately broken child per validation rule.

    python -m census.generator --samples tests/census/samples      # rewrite the samples
    python -m census.generator --children 100000 --year 2025 --out big.xml
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from cases.validation import is_weekend, weekday_on_or_after

from .codes import FIRST_SEX_YEAR, SEX_TO_GENDER
from .records import (
    AssessmentRecord,
    ChildRecord,
    CINPlanRecord,
    CPPlanRecord,
    EpisodeRecord,
    Header,
    Section47Record,
    child_in_year,
    reference_date_for,
)
from .xmlio import census_write

LA_CODE = "201"
CATEGORIES = ["NEG", "PHY", "SAB", "EMO", "MUL"]
ETHNICITIES = ["WBRI", "WBRI", "WBRI", "WOTH", "MWBC", "APKN", "BAFR", "BCRB", "CHNE", "OOTH"]
OTHER_FACTORS = ["1A", "2B", "4A", "4B", "5A", "6B", "8B", "9A", "10A", "16A", "22A"]
DA = ["3A", "3B", "3C"]
_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_for(number: int) -> str:
    """A UPN with a valid DfE check letter: LA code, 8 digits from `number`, a final digit."""
    body = f"{LA_CODE}{number % 10**9:09d}"  # characters 2-13, all digits
    total = sum(int(char) * weight for char, weight in zip(body, range(2, 14), strict=True))
    return _CHECK_LETTERS[total % 23] + body


def _working_days_after(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if not is_weekend(day):
            n -= 1
    return day


def _months_after(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def _episode(
    rng: random.Random, referral: dt.date, *, cp: bool, previous: int, da: bool
) -> EpisodeRecord:
    referral = weekday_on_or_after(referral)
    assessment_start = _working_days_after(referral, rng.randint(1, 3))
    authorised = assessment_start + dt.timedelta(days=rng.randint(10, 40))
    if da:
        factors = [rng.choice(DA), *rng.sample(OTHER_FACTORS, rng.randint(0, 2))]
    else:
        factors = rng.choice([["21"], rng.sample(OTHER_FACTORS, rng.randint(1, 3))])
    episode = EpisodeRecord(
        referral=referral,
        referral_source=rng.choice(["1A", "1B", "2A", "3A", "5A", "5B", "9"]),
        primary_need="N1" if cp else rng.choice(["N1", "N2", "N3", "N4", "N5"]),
        referral_nfa=False,
        assessments=[AssessmentRecord(assessment_start, authorised, factors)],
    )
    if cp:
        s47_start = assessment_start
        icpc = _working_days_after(s47_start, rng.randint(8, 14))
        episode.section47s.append(
            Section47Record(s47_start, _working_days_after(s47_start, 15), icpc, False)
        )
        end = weekday_on_or_after(icpc + dt.timedelta(days=rng.randint(125, 470)))
        reviews = []
        review = weekday_on_or_after(_months_after(icpc, 3))
        while review < end:
            reviews.append(review)
            review = weekday_on_or_after(_months_after(review, 6))
        category = rng.choice(CATEGORIES)
        episode.cp_plans.append(
            CPPlanRecord(
                start=icpc,
                end=end,
                initial_category=category,
                latest_category=category if rng.random() < 0.8 else rng.choice(CATEGORIES),
                number_of_previous_cpp=previous,
                reviews=reviews,
            )
        )
        if rng.random() < 0.75:  # step-down to a CIN plan
            cin_start = end + dt.timedelta(days=rng.choice([0, 0, 0, 1, 3, 7, 12]))
            cin_end = cin_start + dt.timedelta(days=rng.randint(60, 300))
            episode.cin_plans.append(CINPlanRecord(cin_start, cin_end))
            episode.closure = cin_end + dt.timedelta(days=rng.randint(0, 14))
        else:
            episode.closure = end + dt.timedelta(days=rng.randint(0, 5))
    else:
        cin_start = authorised + dt.timedelta(days=rng.randint(0, 10))
        cin_end = cin_start + dt.timedelta(days=rng.randint(60, 400))
        episode.cin_plans.append(CINPlanRecord(cin_start, cin_end))
        episode.closure = cin_end + dt.timedelta(days=rng.randint(0, 14))
    episode.reason_for_closure = "RC7"
    return episode


def _history(rng: random.Random, first: dt.date, last: dt.date) -> list[EpisodeRecord]:
    referral = first + dt.timedelta(days=rng.randint(0, (last - first).days))
    profile = rng.choices(["cin", "cp", "replan"], weights=[4, 4, 3])[0]
    if profile == "cin":
        return [_episode(rng, referral, cp=False, previous=0, da=False)]
    if profile == "cp":
        # Some plans are re-plans whose earlier plan predates our data (history missing).
        previous = 1 if rng.random() < 0.15 else 0
        return [_episode(rng, referral, cp=True, previous=previous, da=rng.random() < 0.5)]
    first_episode = _episode(rng, referral, cp=True, previous=0, da=rng.random() < 0.5)
    gap = dt.timedelta(days=rng.randint(20, 500))
    second = _episode(rng, first_episode.closure + gap, cp=True, previous=1, da=rng.random() < 0.8)
    return [first_episode, second]


def generate_children(
    count: int, *, seed: int = 2025, first: dt.date | None = None, last: dt.date | None = None
) -> Iterator[tuple[ChildRecord, str]]:
    """`count` children with full histories, each with its family reference (siblings share one).

    Referrals fall between `first` and `last` (default April 2022 to January 2025).
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    first = first or dt.date(2022, 4, 1)
    last = last or dt.date(2025, 1, 31)
    made = 0
    while made < count:
        episodes = _history(rng, first, last)
        family = f"GEN{made + 1:07d}"
        siblings = min(count - made, rng.choices([1, 2, 3], weights=[80, 14, 6])[0])
        for _ in range(siblings):
            made += 1
            sex = rng.choice(["M", "F", "F", "M", "U"] if rng.random() < 0.05 else ["M", "F"])
            yield (
                ChildRecord(
                    la_child_id=f"C{made:07d}",
                    upn=upn_for(made),
                    birth_date=dt.date(2008, 1, 1) + dt.timedelta(days=rng.randint(0, 4500)),
                    sex=sex,
                    gender_current=SEX_TO_GENDER[sex],
                    ethnicity=rng.choice(ETHNICITIES),
                    disabilities=["NONE"]
                    if rng.random() < 0.85
                    else rng.sample(
                        ["HAND", "HEAR", "LD", "AUT", "BEH", "COMM"], rng.randint(1, 2)
                    ),
                    episodes=episodes,
                ),
                family,
            )


def header_for(year: int) -> Header:
    return Header(year=year, reference_date=reference_date_for(year), la_code=LA_CODE)


def sex_element_for(year: int) -> str:
    return "Sex" if year >= FIRST_SEX_YEAR else "GenderCurrent"


def write_year(path: Path, children: list[ChildRecord], year: int) -> int:
    """Write `year`'s return of these full histories; returns the number of children in it."""
    reference_date = reference_date_for(year)
    in_year = (c for c in (child_in_year(child, reference_date) for child in children) if c)
    with path.open("wb") as out:
        return census_write(
            out, header=header_for(year), children=in_year, sex_element=sex_element_for(year)
        )


# --- Deliberately broken children: one per rule (2024-25 return) ---------------------------------
def _base(la_child_id: str | None, number: int = 0) -> ChildRecord:
    """A valid 2024-25 child: DA assessment, ICPC, CP plan, review, step-down to a CIN plan."""
    d = dt.date
    return ChildRecord(
        la_child_id=la_child_id,
        upn=upn_for(900_000_000 + number),
        birth_date=d(2014, 5, 1),
        sex="F",
        gender_current="2",
        ethnicity="WBRI",
        disabilities=["NONE"],
        episodes=[
            EpisodeRecord(
                referral=d(2024, 6, 3),
                referral_source="1A",
                primary_need="N1",
                referral_nfa=False,
                assessments=[AssessmentRecord(d(2024, 6, 4), d(2024, 7, 1), ["3A"])],
                section47s=[Section47Record(d(2024, 6, 4), d(2024, 6, 25), d(2024, 6, 17), False)],
                cp_plans=[
                    CPPlanRecord(d(2024, 6, 17), d(2024, 12, 16), "EMO", "EMO", 0, [d(2024, 9, 16)])
                ],
                cin_plans=[CINPlanRecord(d(2024, 12, 16))],
            )
        ],
    )


def _e(child: ChildRecord) -> EpisodeRecord:
    return child.episodes[0]


def _set(**changes: dict[str, Any]) -> Callable[[ChildRecord], None]:
    """Mutate the first episode's first record of a kind: _set(cp_plans={"end": ...})."""

    def mutate(child: ChildRecord) -> None:
        episode = _e(child)
        for attr, values in changes.items():
            if attr == "episode":
                for k, v in values.items():
                    setattr(episode, k, v)
            elif attr == "child":
                for k, v in values.items():
                    setattr(child, k, v)
            else:
                record = getattr(episode, attr)[0]
                for k, v in values.items():
                    setattr(record, k, v)

    return mutate


def _two_open_plans(child: ChildRecord) -> None:
    episode = _e(child)
    episode.cp_plans[0].end = None
    episode.cin_plans = []
    episode.cp_plans.append(CPPlanRecord(dt.date(2025, 2, 3), None, "NEG", "NEG", 1))
    episode.section47s.append(Section47Record(dt.date(2025, 1, 20), None, dt.date(2025, 2, 3)))


def _overlapping_plans(child: ChildRecord) -> None:
    episode = _e(child)
    episode.cin_plans = []
    episode.cp_plans.append(
        CPPlanRecord(dt.date(2024, 10, 7), dt.date(2025, 1, 6), "NEG", "NEG", 1)
    )
    episode.section47s.append(Section47Record(dt.date(2024, 9, 23), None, dt.date(2024, 10, 7)))


d = dt.date
#: rule -> (element the report names, how to break the base child). Q rules are warnings.
BROKEN: dict[str, tuple[str, Callable[[ChildRecord], None]]] = {
    "8500": ("Child", _set(child={"la_child_id": None})),
    "1570": ("Child", _set(child={"la_child_id": "X1570" + "0" * 20})),
    "1580": ("LAchildID", _set(child={"la_child_id": "X-1580"})),
    "ST02": ("ChildProtectionPlans", _set(cp_plans={"start": "2024-13-45"})),
    "8520": ("PersonBirthDate", _set(child={"birth_date": d(2025, 6, 1)})),
    "4180": ("Sex", _set(child={"sex": "X"})),
    "4220": ("Ethnicity", _set(child={"ethnicity": "ZZZZ"})),
    "8540": ("Disability", _set(child={"disabilities": ["FOO"]})),
    "8790": ("Disability", _set(child={"disabilities": ["NONE", "HAND"]})),
    "8794": ("Disability", _set(child={"disabilities": ["HAND", "HAND"]})),
    "8866": ("ReferralSource", _set(episode={"referral_source": "ZZ"})),
    "8650": ("PrimaryNeedCode", _set(episode={"primary_need": "N99"})),
    "8640": (
        "ReasonForClosure",
        _set(
            episode={"closure": d(2025, 3, 3), "reason_for_closure": "RC99"},
            cin_plans={"end": d(2025, 3, 3)},
        ),
    ),
    "8805": (
        "ReasonForClosure",
        _set(
            episode={"closure": d(2025, 3, 3), "reason_for_closure": None},
            cin_plans={"end": d(2025, 3, 3)},
        ),
    ),
    "8810": ("ReasonForClosure", _set(episode={"reason_for_closure": "RC7"})),
    "4010": ("CINPlanStartDate", _set(cin_plans={"start": d(2025, 4, 10)})),
    "8510": ("Child", lambda child: None),  # written twice: the second copy is held back
    "8600": ("CINreferralDate", _set(episode={"referral": d(2025, 4, 7)})),
    "8630": (
        "CINclosureDate",
        _set(episode={"closure": d(2024, 5, 1), "reason_for_closure": "RC7"}),
    ),
    "8620": (
        "CINclosureDate",
        _set(
            episode={"closure": d(2025, 4, 30), "reason_for_closure": "RC7"},
            cin_plans={"end": d(2025, 3, 3)},
        ),
    ),
    "8608": ("AssessmentAuthorisationDate", _set(assessments={"authorised": d(2024, 6, 1)})),
    "8696": ("AssessmentAuthorisationDate", _set(assessments={"authorised": d(2025, 4, 2)})),
    "8869": ("AssessmentFactors", _set(assessments={"factors": ["21", "3A"]})),
    "8898": ("AssessmentFactors", _set(assessments={"factors": ["3A", "3A"]})),
    "8950Q": ("AssessmentFactors", _set(assessments={"factors": ["3B", "19A"]})),
    "8945Q": ("AssessmentFactors", _set(assessments={"factors": ["3A", "18A"]})),
    "4011": ("CINPlanEndDate", _set(cin_plans={"end": d(2024, 12, 2)})),
    "4013": ("CINPlanEndDate", _set(cin_plans={"end": d(2025, 4, 10)})),
    "4012Q": ("CINPlanEndDate", _set(cin_plans={"end": d(2024, 12, 16)})),
    "4001": (
        "CINPlanStartDate",
        _set(cp_plans={"end": None, "reviews": []}, cin_plans={"start": d(2024, 11, 1)}),
    ),
    "8905": ("InitialCategoryOfAbuse", _set(cp_plans={"initial_category": "XXX"})),
    "8910": ("LatestCategoryOfAbuse", _set(cp_plans={"latest_category": "XXX"})),
    "8730": ("NumberOfPreviousCPP", _set(cp_plans={"number_of_previous_cpp": None})),
    "8925": ("CPPendDate", _set(cp_plans={"end": d(2024, 6, 10)})),
    "8840": ("CPPendDate", _set(cp_plans={"end": d(2024, 6, 17)})),
    "8930": (
        "CPPendDate",
        _set(cp_plans={"end": d(2025, 4, 14)}, cin_plans={"start": d(2025, 4, 14)}),
    ),
    "8720": (
        "CPPstartDate",
        _set(
            cp_plans={"start": d(2025, 4, 14), "end": None, "reviews": []},
            section47s={"icpc": d(2025, 4, 14)},
            cin_plans={"start": d(2024, 6, 5)},
        ),
    ),
    "8935": ("CPPendDate", _two_open_plans),
    "8940": ("CPPstartDate", _overlapping_plans),
    "8841": ("CPPreviewDate", _set(cp_plans={"reviews": [d(2024, 6, 17)]})),
    "2885": ("CPPstartDate", _set(section47s={"icpc": d(2024, 6, 18)})),
    "8875": (
        "DateOfInitialCPC",
        _set(section47s={"icpc": d(2024, 6, 15)}, cp_plans={"start": d(2024, 6, 15)}),
    ),
}


def broken_id(rule: str) -> str | None:
    """The LAchildID of the sample child that breaks `rule` (None for the child without one)."""
    if rule == "8500":
        return None
    if rule in {"1570", "1580"}:
        return {"1570": "X1570" + "0" * 20, "1580": "X-1580"}[rule]
    return f"X{rule}"


def broken_children() -> list[ChildRecord]:
    children = []
    for number, (rule, (_element, mutate)) in enumerate(BROKEN.items()):
        child = _base(f"X{rule}", number)
        mutate(child)
        children.append(child)
        if rule == "8510":
            children.append(_base(f"X{rule}", number))
    return children


def write_samples(folder: Path, *, count: int = 60, seed: int = 7) -> list[Path]:
    """Three consecutive years' returns (2023, 2024, 2025) and a families mapping.

    The 2025 return also holds one broken child per rule (`BROKEN`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    generated = list(generate_children(count, seed=seed, first=d(2022, 4, 1), last=d(2024, 12, 1)))
    children = [child for child, _family in generated]
    paths = []
    for year in (2023, 2024):
        path = folder / f"cin_census_{year}.xml"
        write_year(path, children, year)
        paths.append(path)
    path = folder / "cin_census_2025.xml"
    in_year = [c for c in (child_in_year(ch, reference_date_for(2025)) for ch in children) if c]
    with path.open("wb") as out:
        census_write(out, header=header_for(2025), children=in_year + broken_children())
    paths.append(path)
    with (folder / "families.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["la_child_id", "family_reference"])
        for child, family in generated:
            writer.writerow([child.la_child_id, family])
    for written in paths:  # indented, so a reviewer can read the samples
        tree = etree.parse(str(written), etree.XMLParser(remove_blank_text=True))
        tree.write(str(written), pretty_print=True, xml_declaration=True, encoding="utf-8")
    (folder / "not_census.xml").write_text(
        '<?xml version="1.0"?>\n<Invoice><Number>42</Number></Invoice>\n'
    )
    (folder / "malformed.xml").write_text(
        "<Message><Header><CollectionDetails><Collection>CIN</Collection>"
        "<Year>2025</Year><ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails>"
        "</Header><Children><Child><ChildIdentifiers>\n"
    )
    return paths


def write_big(path: Path, *, count: int, year: int = 2025, seed: int = 2025) -> int:
    """A one-year return with `count` children whose histories fall in that year, streamed."""
    reference_date = reference_date_for(year)
    first = d(year - 1, 4, 1) - dt.timedelta(days=300)

    def children() -> Iterator[ChildRecord]:
        for child, _family in generate_children(
            count, seed=seed, first=first, last=reference_date - dt.timedelta(days=60)
        ):
            sliced = child_in_year(child, reference_date)
            # A child wholly outside the year still counts: give it the year's last referral.
            yield sliced or _base(child.la_child_id, 500_000_000 + len(child.la_child_id or ""))

    with path.open("wb") as out:
        return census_write(
            out, header=header_for(year), children=children(), sex_element=sex_element_for(year)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=Path, help="write the test samples into this folder")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.samples:
        for path in write_samples(args.samples):
            print(path)
    if args.out:
        print(write_big(args.out, count=args.children, year=args.year), "children")


if __name__ == "__main__":
    main()
