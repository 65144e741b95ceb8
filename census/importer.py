"""The census import, batch by batch (ADR 0010).

For each batch of children: parse and check each child against the return (`child_check`), load
what is already stored for the batch's children in a few queries, merge, check the merged history
(`history_check`), then write only what is new or changed, table by table, with bulk statements in
one transaction. A child with an error is left out whole; a batch that fails in the database is
retried child by child, so one bad child never costs the others.

Matching (DOMAIN.md): a child on LAchildID, an episode on the child and CINreferralDate, a CP plan
on the child and CPPstartDate, a CIN plan / assessment / section 47 enquiry on the episode and its
start date. A later return completes what an earlier one left open: a value the return leaves
empty never erases a stored one, so importing returns again (or an older one) changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from cases.codes import DA_FACTORS
from cases.models import (
    Assessment,
    AssessmentFactor,
    CINEpisode,
    CINPlan,
    Conference,
    CPPlan,
    DARiskFlag,
    Family,
    FamilyMembership,
    Person,
    Section47Enquiry,
    StepDown,
)

from .models import CensusChild
from .records import ChildRecord, EpisodeRecord, Header
from .validation import Issue, child_check, history_check

BATCH_SIZE = 1000


def family_reference_for(la_child_id: str) -> str:
    """The family made for a child when no mapping is given: stable across imports."""
    return f"CIN-{la_child_id}"


@dataclass
class Counts:
    children_read: int = 0
    children_imported: int = 0
    children_rejected: int = 0
    warnings: int = 0
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, Any]:
        return {
            "children_read": self.children_read,
            "children_imported": self.children_imported,
            "children_rejected": self.children_rejected,
            "warnings": self.warnings,
            "rows_created": dict(self.created),
            "rows_updated": dict(self.updated),
            "rows_written": sum(self.created.values()) + sum(self.updated.values()),
        }


def batched(items: Iterable[ChildRecord], size: int) -> Iterator[list[ChildRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# --- What is stored already, for one batch's children -----------------------------------------
@dataclass
class Stored:
    # Rows as dicts (`.values()`), keyed by their natural keys.
    persons: dict[Any, Any]
    census: dict[Any, Any]
    episodes: dict[Any, Any]
    episode_referral: dict[int, dt.date]
    assessments: dict[Any, Any]
    factors: dict[int, set[str]]
    section47s: dict[Any, Any]
    cp_plans: dict[Any, Any]
    cin_plans: dict[Any, Any]
    conferences: set[tuple[int, str, dt.date]]
    step_down_plans: set[int]
    da_plans: set[int]
    member_of: dict[int, set[int]]

    @classmethod
    def load(cls, la_child_ids: list[str]) -> Stored:
        persons = {
            row["la_child_id"]: row
            for row in Person.objects.filter(la_child_id__in=la_child_ids).values(
                "id", "la_child_id", "date_of_birth", "sex", "ethnicity", "upn"
            )
        }
        pids = [row["id"] for row in persons.values()]
        episodes = {
            (row["child_id"], row["referral_date"]): row
            for row in CINEpisode.objects.filter(child_id__in=pids).values(
                "id",
                "child_id",
                "referral_date",
                "referral_source",
                "primary_need",
                "referral_nfa",
                "closure_date",
                "reason_for_closure",
            )
        }
        assessments = {
            (row["episode_id"], row["start_date"]): row
            for row in Assessment.objects.filter(episode__child_id__in=pids).values(
                "id", "episode_id", "start_date", "authorisation_date"
            )
        }
        factors: dict[int, set[str]] = defaultdict(set)
        for assessment_id, code in AssessmentFactor.objects.filter(
            assessment__episode__child_id__in=pids
        ).values_list("assessment_id", "code"):
            factors[assessment_id].add(code)
        members: dict[int, set[int]] = defaultdict(set)
        for person_id, family_id in FamilyMembership.objects.filter(person_id__in=pids).values_list(
            "person_id", "family_id"
        ):
            members[person_id].add(family_id)
        return cls(
            persons=persons,
            census={
                row["person_id"]: row
                for row in CensusChild.objects.filter(person_id__in=pids).values(
                    "person_id", "gender_current", "disabilities"
                )
            },
            episodes=episodes,
            episode_referral={row["id"]: key[1] for key, row in episodes.items()},
            assessments=assessments,
            factors=factors,
            section47s={
                (row["episode_id"], row["start_date"]): row
                for row in Section47Enquiry.objects.filter(episode__child_id__in=pids).values(
                    "id",
                    "episode_id",
                    "start_date",
                    "icpc_target_date",
                    "icpc_date",
                    "icpc_not_required",
                )
            },
            cp_plans={
                (row["child_id"], row["start_date"]): row
                for row in CPPlan.objects.filter(child_id__in=pids).values(
                    "id",
                    "child_id",
                    "episode_id",
                    "start_date",
                    "end_date",
                    "initial_category",
                    "latest_category",
                    "number_of_previous_cpp",
                    "end_reason",
                )
            },
            cin_plans={
                (row["episode_id"], row["start_date"]): row
                for row in CINPlan.objects.filter(episode__child_id__in=pids).values(
                    "id", "episode_id", "start_date", "end_date"
                )
            },
            conferences=set(
                Conference.objects.filter(child_id__in=pids).values_list(
                    "child_id", "kind", "held_on"
                )
            ),
            step_down_plans=set(
                StepDown.objects.filter(plan__child_id__in=pids).values_list("plan_id", flat=True)
            ),
            da_plans=set(
                DARiskFlag.objects.filter(
                    plan__child_id__in=pids, at_planning=True, source=DARiskFlag.Source.ASSESSMENT
                ).values_list("plan_id", flat=True)
            ),
            member_of=members,
        )


# --- A child's history merged (stored + this return), keyed by natural keys --------------------
def _pick(new: Any, old: Any) -> Any:
    """A later return completes what an earlier one left open; an empty value erases nothing."""
    return old if new is None or new == "" else new


@dataclass
class Merged:
    """One child's history after this return, with episodes named by their referral date."""

    #: The person's id (None until a new child is written).
    pid: Any
    episodes: dict[dt.date, dict[str, Any]] = field(default_factory=dict)
    assessments: dict[tuple[dt.date, dt.date], dict[str, Any]] = field(default_factory=dict)
    section47s: dict[tuple[dt.date, dt.date], dict[str, Any]] = field(default_factory=dict)
    cp_plans: dict[dt.date, dict[str, Any]] = field(default_factory=dict)
    cin_plans: dict[tuple[dt.date, dt.date], dict[str, Any]] = field(default_factory=dict)
    reviews: dict[dt.date, list[dt.date]] = field(default_factory=dict)
    #: keys that this return touches (written only when new or changed)
    touched_cp: set[dt.date] = field(default_factory=set)
    touched_cin: set[tuple[dt.date, dt.date]] = field(default_factory=set)


def _merge(child: ChildRecord, stored: Stored) -> Merged:
    person = stored.persons.get(child.la_child_id or "")
    pid = person["id"] if person else None
    m = Merged(pid=pid)
    if pid is not None:
        ref = stored.episode_referral
        for (child_id, referral), row in stored.episodes.items():
            if child_id == pid:
                m.episodes[referral] = dict(row)
        episode_ids = {row["id"] for row in m.episodes.values()}
        for (episode_id, start), row in stored.assessments.items():
            if episode_id in episode_ids:
                m.assessments[(ref[episode_id], start)] = {
                    **row,
                    "factors": set(stored.factors.get(row["id"], ())),
                }
        for (episode_id, start), row in stored.section47s.items():
            if episode_id in episode_ids:
                m.section47s[(ref[episode_id], start)] = dict(row)
        for (child_id, start), row in stored.cp_plans.items():
            if child_id == pid:
                m.cp_plans[start] = {**row, "episode": ref[row["episode_id"]]}
        for (episode_id, start), row in stored.cin_plans.items():
            if episode_id in episode_ids:
                m.cin_plans[(ref[episode_id], start)] = dict(row)
    for e in child.episodes:
        _merge_episode(m, e)
    return m


def _merge_episode(m: Merged, e: EpisodeRecord) -> None:
    old = m.episodes.get(e.referral, {})
    m.episodes[e.referral] = {
        **old,
        "referral_date": e.referral,
        "referral_source": _pick(e.referral_source, old.get("referral_source")) or "",
        "primary_need": _pick(e.primary_need, old.get("primary_need")) or "",
        "referral_nfa": _pick(e.referral_nfa, old.get("referral_nfa")),
        "closure_date": _pick(e.closure, old.get("closure_date")),
        "reason_for_closure": _pick(e.reason_for_closure, old.get("reason_for_closure")) or "",
        "touched": True,
    }
    for a in e.assessments:
        key = (e.referral, a.start)
        old = m.assessments.get(key, {})
        m.assessments[key] = {
            **old,
            "start_date": a.start,
            "authorisation_date": _pick(a.authorised, old.get("authorisation_date")),
            # A return lists factors only once the assessment is complete; none erases none.
            "factors": set(a.factors) or old.get("factors", set()),
            "touched": True,
        }
    for s in e.section47s:
        key = (e.referral, s.start)
        old = m.section47s.get(key, {})
        m.section47s[key] = {
            **old,
            "start_date": s.start,
            "icpc_target_date": _pick(s.icpc_target, old.get("icpc_target_date")),
            "icpc_date": _pick(s.icpc, old.get("icpc_date")),
            "icpc_not_required": bool(s.icpc_not_required or old.get("icpc_not_required")),
            "touched": True,
        }
    for c in e.cin_plans:
        key = (e.referral, c.start)
        old = m.cin_plans.get(key, {})
        m.cin_plans[key] = {
            **old,
            "start_date": c.start,
            "end_date": _pick(c.end, old.get("end_date")),
        }
        m.touched_cin.add(key)
    for p in e.cp_plans:
        old = m.cp_plans.get(p.start, {})
        m.cp_plans[p.start] = {
            **old,
            "episode": e.referral,
            "start_date": p.start,
            "end_date": _pick(p.end, old.get("end_date")),
            "initial_category": _pick(p.initial_category, old.get("initial_category")) or "",
            "latest_category": _pick(p.latest_category, old.get("latest_category")) or "",
            "number_of_previous_cpp": _pick(
                p.number_of_previous_cpp, old.get("number_of_previous_cpp")
            ),
            "end_reason": old.get("end_reason", ""),
        }
        m.touched_cp.add(p.start)
        m.reviews[p.start] = [r for r in p.reviews if r]


def _history_issues(child_id: str, m: Merged) -> list[Issue]:
    cp = {start: (start, row["end_date"]) for start, row in m.cp_plans.items()}
    cin_periods = {key: (row["start_date"], row["end_date"]) for key, row in m.cin_plans.items()}
    return history_check(
        child_id,
        cp,
        list(cin_periods.values()),
        m.touched_cp,
        {cin_periods[key] for key in m.touched_cin},
    )


def _step_down_cin(m: Merged, plan: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The CIN plan (episode referral, start) that a census step-down links to, if any."""
    end = plan["end_date"]
    if end is None:
        return None
    last = end + dt.timedelta(days=settings.STEP_DOWN_LINK_DAYS)
    starts = sorted(
        start
        for (episode, start) in m.cin_plans
        if episode == plan["episode"] and end <= start <= last
    )
    return (plan["episode"], starts[0]) if starts else None


def _da_assessment(m: Merged, plan: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The latest assessment of the plan's episode, started by the plan's start, with 3A/3B/3C."""
    keys = sorted(
        (episode, start)
        for (episode, start), row in m.assessments.items()
        if episode == plan["episode"]
        and start <= plan["start_date"]
        and row["factors"] & DA_FACTORS
    )
    return keys[-1] if keys else None


# --- Writing one batch ---------------------------------------------------------------------------
def _changed(new: dict[str, Any], old: dict[str, Any] | None, fields: Iterable[str]) -> bool:
    return old is None or any(new[f] != old.get(f) for f in fields)


def _upsert(
    model: Any,
    rows: list[Any],
    unique: list[str],
    update: list[str],
    counts: Counts,
    name: str,
    new_count: int,
) -> None:
    if not rows:
        return
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=unique, update_fields=update, batch_size=2000
    )
    counts.created[name] += new_count
    counts.updated[name] += len(rows) - new_count


def write_children(
    children: list[tuple[ChildRecord, Merged]],
    stored: Stored,
    families: dict[str, str] | None,
    counts: Counts,
) -> None:
    """Write what is new or changed for these accepted children. Call inside a transaction."""
    # People
    people: list[Person] = []
    new = 0
    for child, _m in children:
        old = stored.persons.get(child.la_child_id or "")
        row = {
            "date_of_birth": _pick(child.birth_date, old and old["date_of_birth"]),
            "sex": _pick(child.sex, old and old["sex"]) or "",
            "ethnicity": _pick(child.ethnicity, old and old["ethnicity"]) or "",
            "upn": _pick(child.upn, old and old["upn"]) or "",
        }
        if _changed(row, old, row):
            new += old is None
            people.append(Person(kind=Person.Kind.CHILD, la_child_id=child.la_child_id, **row))
    _upsert(
        Person,
        people,
        ["la_child_id"],
        ["date_of_birth", "sex", "ethnicity", "upn", "updated_at"],
        counts,
        "person",
        new,
    )
    pid = {p.la_child_id: p.pk for p in people}
    for child, m in children:
        m.pid = m.pid or pid[child.la_child_id]

    # Census-only details
    extras: list[CensusChild] = []
    new = 0
    for child, m in children:
        old = stored.census.get(m.pid)  # type: ignore[arg-type]
        row = {
            "gender_current": child.gender_current or (old["gender_current"] if old else ""),
            "disabilities": child.disabilities or (old["disabilities"] if old else []),
        }
        if _changed(row, old, row):
            new += old is None
            extras.append(CensusChild(person_id=m.pid, **row))
    _upsert(
        CensusChild,
        extras,
        ["person"],
        ["gender_current", "disabilities"],
        counts,
        "census_child",
        new,
    )

    # Families: the mapped one, or one per child; a child already in a family keeps it.
    wanted: dict[int, str] = {}
    for child, m in children:
        la = child.la_child_id or ""
        if families and la in families:
            wanted[m.pid] = families[la]  # type: ignore[index]
        elif not stored.member_of.get(m.pid):  # type: ignore[arg-type]
            wanted[m.pid] = family_reference_for(la)  # type: ignore[index]
    if wanted:
        references = set(wanted.values())
        before = Family.objects.filter(reference__in=references).count()
        Family.objects.bulk_create(
            [Family(reference=r) for r in sorted(references)], ignore_conflicts=True
        )
        family_ids = dict(
            Family.objects.filter(reference__in=references).values_list("reference", "id")
        )
        counts.created["family"] += len(family_ids) - before
        memberships = [
            FamilyMembership(
                family_id=family_ids[ref],
                person_id=person_id,
                abuse_role=FamilyMembership.AbuseRole.CHILD,
            )
            for person_id, ref in wanted.items()
            if family_ids[ref] not in stored.member_of.get(person_id, ())
        ]
        FamilyMembership.objects.bulk_create(memberships, ignore_conflicts=True)
        counts.created["family_membership"] += len(memberships)

    # Episodes
    episode_fields = [
        "referral_source",
        "primary_need",
        "referral_nfa",
        "closure_date",
        "reason_for_closure",
    ]
    episodes: list[CINEpisode] = []
    new = 0
    for _child, m in children:
        for referral, row in m.episodes.items():
            if not row.get("touched"):
                continue
            old = stored.episodes.get((m.pid, referral))  # type: ignore[arg-type]
            if _changed(row, old, episode_fields):
                new += old is None
                episodes.append(
                    CINEpisode(
                        child_id=m.pid,
                        referral_date=referral,
                        **{f: row[f] for f in episode_fields},
                    )
                )
    _upsert(
        CINEpisode,
        episodes,
        ["child", "referral_date"],
        [*episode_fields, "updated_at"],
        counts,
        "cin_episode",
        new,
    )
    episode_id: dict[tuple[int, dt.date], int] = {k: v["id"] for k, v in stored.episodes.items()}
    episode_id.update({(e.child_id, e.referral_date): e.pk for e in episodes})

    # Assessments and their factors, section 47 enquiries, CIN plans (all keyed on the episode)
    assessments: list[Assessment] = []
    section47s: list[Section47Enquiry] = []
    cin_plans: list[CINPlan] = []
    new_a = new_s = new_c = 0
    for _child, m in children:
        for (referral, start), row in m.assessments.items():
            eid = episode_id[(m.pid, referral)]  # type: ignore[index]
            old = stored.assessments.get((eid, start))
            if row.get("touched") and _changed(row, old, ["authorisation_date"]):
                new_a += old is None
                assessments.append(
                    Assessment(
                        episode_id=eid,
                        start_date=start,
                        authorisation_date=row["authorisation_date"],
                    )
                )
        for (referral, start), row in m.section47s.items():
            eid = episode_id[(m.pid, referral)]  # type: ignore[index]
            old = stored.section47s.get((eid, start))
            fields_ = ["icpc_target_date", "icpc_date", "icpc_not_required"]
            if row.get("touched") and _changed(row, old, fields_):
                new_s += old is None
                section47s.append(
                    Section47Enquiry(
                        episode_id=eid, start_date=start, **{f: row[f] for f in fields_}
                    )
                )
        for referral, start in m.touched_cin:
            row = m.cin_plans[(referral, start)]
            eid = episode_id[(m.pid, referral)]  # type: ignore[index]
            old = stored.cin_plans.get((eid, start))
            if _changed(row, old, ["end_date"]):
                new_c += old is None
                cin_plans.append(
                    CINPlan(episode_id=eid, start_date=start, end_date=row["end_date"])
                )
    _upsert(
        Assessment,
        assessments,
        ["episode", "start_date"],
        ["authorisation_date", "updated_at"],
        counts,
        "assessment",
        new_a,
    )
    _upsert(
        Section47Enquiry,
        section47s,
        ["episode", "start_date"],
        ["icpc_target_date", "icpc_date", "icpc_not_required", "updated_at"],
        counts,
        "section47",
        new_s,
    )
    _upsert(
        CINPlan,
        cin_plans,
        ["episode", "start_date"],
        ["end_date", "updated_at"],
        counts,
        "cin_plan",
        new_c,
    )
    assessment_id = {k: v["id"] for k, v in stored.assessments.items()}
    assessment_id.update({(a.episode_id, a.start_date): a.pk for a in assessments})
    cin_plan_id = {k: v["id"] for k, v in stored.cin_plans.items()}
    cin_plan_id.update({(c.episode_id, c.start_date): c.pk for c in cin_plans})

    factor_rows: list[AssessmentFactor] = []
    for _child, m in children:
        for (referral, start), row in m.assessments.items():
            aid = assessment_id[(episode_id[(m.pid, referral)], start)]  # type: ignore[index]
            have = stored.factors.get(aid, set())
            factor_rows += [
                AssessmentFactor(assessment_id=aid, code=c) for c in sorted(row["factors"] - have)
            ]
    AssessmentFactor.objects.bulk_create(factor_rows, ignore_conflicts=True, batch_size=5000)
    counts.created["assessment_factor"] += len(factor_rows)

    # CP plans: ordered by child and start, so a plan's end is written before the next one opens.
    cp_fields = [
        "episode_id",
        "end_date",
        "initial_category",
        "latest_category",
        "number_of_previous_cpp",
        "end_reason",
    ]
    plans: list[CPPlan] = []
    new = 0
    step_downs: list[tuple[int, dt.date, dict[str, Any], tuple[dt.date, dt.date]]] = []
    for _child, m in sorted(children, key=lambda item: item[1].pid or 0):
        for start in sorted(m.cp_plans):
            row = m.cp_plans[start]
            row["episode_id"] = episode_id[(m.pid, row["episode"])]  # type: ignore[index]
            link = _step_down_cin(m, row)
            if link and not row["end_reason"]:
                row["end_reason"] = CPPlan.EndReason.STEP_DOWN_CIN
            if link:
                step_downs.append((m.pid, start, row, link))  # type: ignore[arg-type]
            old = stored.cp_plans.get((m.pid, start))  # type: ignore[arg-type]
            if (
                start in m.touched_cp or row["end_reason"] != (old or {}).get("end_reason")
            ) and _changed(row, old, cp_fields):
                new += old is None
                plans.append(
                    CPPlan(child_id=m.pid, start_date=start, **{f: row[f] for f in cp_fields})
                )
    _upsert(
        CPPlan,
        plans,
        ["child", "start_date"],
        [*cp_fields[:-1], "end_reason", "updated_at"],
        counts,
        "cp_plan",
        new,
    )
    plan_id = {k: v["id"] for k, v in stored.cp_plans.items()}
    plan_id.update({(p.child_id, p.start_date): p.pk for p in plans})

    # Conferences (ICPC at the plan start, a review for each CPPreviewDate), never overwritten:
    # a decision recorded in our own screens outranks "not recorded" from the census.
    conferences: list[Conference] = []
    for _child, m in children:
        for start in m.touched_cp:
            pk = plan_id[(m.pid, start)]  # type: ignore[index]
            days = [(Conference.Kind.INITIAL, start, Conference.Decision.START_PLAN)] + [
                (Conference.Kind.REVIEW, day, Conference.Decision.NOT_RECORDED)
                for day in m.reviews[start]
            ]
            for kind, day, decision in days:
                if (m.pid, kind, day) not in stored.conferences:
                    conferences.append(
                        Conference(
                            child_id=m.pid, plan_id=pk, kind=kind, held_on=day, decision=decision
                        )
                    )
    Conference.objects.bulk_create(conferences, ignore_conflicts=True, batch_size=5000)
    counts.created["conference"] += len(conferences)

    # DA at planning, from the assessment factors (the cohort rule reads these flags).
    flags: list[DARiskFlag] = []
    for _child, m in children:
        for start, row in m.cp_plans.items():
            pk = plan_id[(m.pid, start)]  # type: ignore[index]
            if pk in stored.da_plans:
                continue
            found = _da_assessment(m, row)
            if found:
                aid = assessment_id[(episode_id[(m.pid, found[0])], found[1])]  # type: ignore[index]
                flags.append(
                    DARiskFlag(
                        plan_id=pk,
                        recorded_on=start,
                        at_planning=True,
                        source=DARiskFlag.Source.ASSESSMENT,
                        assessment_id=aid,
                    )
                )
    DARiskFlag.objects.bulk_create(flags, batch_size=5000)
    counts.created["da_risk_flag"] += len(flags)

    # Step-downs inferred from a CIN plan starting as the CP plan ends.
    rows = []
    for child_pid, start, row, (referral, cin_start) in step_downs:
        pk = plan_id[(child_pid, start)]
        if pk in stored.step_down_plans:
            continue
        rows.append(
            StepDown(
                plan_id=pk,
                decided_on=row["end_date"],
                planned_cin_start=cin_start,
                cin_plan_id=cin_plan_id[(episode_id[(child_pid, referral)], cin_start)],
                source=StepDown.Source.CENSUS,
            )
        )
    StepDown.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    counts.created["step_down"] += len(rows)


def batch_import(
    raw_children: list[ChildRecord],
    header: Header,
    *,
    families: dict[str, str] | None,
    counts: Counts,
    seen: set[str],
    dry_run: bool = False,
) -> list[Issue]:
    """Check and write one batch. Returns every issue found (errors and warnings)."""
    issues: list[Issue] = []
    checked: list[ChildRecord] = []
    for raw in raw_children:
        child, found = child_check(raw, header)
        counts.children_read += 1
        la = child.la_child_id or ""
        if la and la in seen:
            found.append(
                Issue(la, "LAchildID", "8510", "More than one child record with this LA child ID.")
            )
        seen.add(la)
        issues += found
        if any(i.is_error for i in found):
            counts.children_rejected += 1
        else:
            checked.append(child)
    stored = Stored.load([c.la_child_id or "" for c in checked])
    accepted: list[tuple[ChildRecord, Merged]] = []
    for child in checked:
        merged = _merge(child, stored)
        found = _history_issues(child.la_child_id or "", merged)
        issues += found
        if any(i.is_error for i in found):
            counts.children_rejected += 1
        else:
            accepted.append((child, merged))
    before = (dict(counts.created), dict(counts.updated))
    try:
        with transaction.atomic():
            write_children(accepted, stored, families, counts)
            if dry_run:
                transaction.set_rollback(True)
        counts.children_imported += len(accepted)
    except IntegrityError:
        # Something our checks did not foresee: find the child by writing one at a time.
        counts.created = defaultdict(int, before[0])
        counts.updated = defaultdict(int, before[1])
        for child, _merged in accepted:
            one = Stored.load([child.la_child_id or ""])
            try:
                with transaction.atomic():
                    write_children([(child, _merge(child, one))], one, families, counts)
                    if dry_run:
                        transaction.set_rollback(True)
                counts.children_imported += 1
            except IntegrityError as error:
                counts.children_rejected += 1
                issues.append(
                    Issue(
                        child.la_child_id or "",
                        "Child",
                        "ST09",
                        f"The database refused this record: {str(error).splitlines()[0]}",
                    )
                )
    counts.warnings += sum(1 for i in issues if not i.is_error)
    return issues
