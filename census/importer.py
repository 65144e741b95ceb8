"""The census import, batch by batch (ADR 0010).

For each batch of children: parse and check each child against the return (`child_check`), load
what is already stored for the batch's children in a few queries, merge, hold back the CP plans
the merged history cannot take (8935/8940 across years), then write only what is new or changed,
table by table, with bulk statements. DfE errors are reported, not acted on: only what our model
cannot hold is held back, element by element (ADR 0050). A batch that fails in the database is
retried child by child, so one child the database refuses never costs the others. The caller
runs a whole file in one transaction (ADR 0051).

Matching (DOMAIN.md): a child on LAchildID, an episode on the child and CINreferralDate, a CP plan
on the child and CPPstartDate, a CIN plan / assessment / section 47 enquiry on the episode and its
start date. A later return completes what an earlier one left open: a value the return leaves
empty never erases a stored one, so importing returns again (or an older one) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from queue import Full, Queue
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from psycopg2.extras import execute_values

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
)

from .dfe_checks import FileState
from .models import CensusChild
from .records import ChildRecord, EpisodeRecord, Header
from .validation import Checked, HeldBack, Issue, child_check, history_conflict, short_id
from .xmlio import census_children

BATCH_SIZE = 1000
#: The person's columns an import writes, LA child ID first.
PERSON_FIELDS = (
    "la_child_id",
    "date_of_birth",
    "sex",
    "ethnicity",
    "upn",
    "former_upn",
    "upn_unknown",
    "date_of_death",
)


def family_reference_for(la_child_id: str) -> str:
    """The family made for a child when no mapping is given: stable across imports."""
    return f"CIN-{la_child_id}"


@dataclass
class Counts:
    """What an import did, per file and in total (`as_dict` is what jobs and files store)."""

    children_read: int = 0
    #: Children written (in whole, or all but their held-back elements).
    children_imported: int = 0
    #: Children not written at all (no usable LA child ID, a second copy, the database refused).
    children_held_back: int = 0
    #: Held-back elements of imported children (a CP plan, a closure date, a value...).
    elements_held_back: int = 0
    errors: int = 0
    queries: int = 0
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, Any]:
        return {
            "children_read": self.children_read,
            "children_imported": self.children_imported,
            "children_held_back": self.children_held_back,
            "elements_held_back": self.elements_held_back,
            "errors": self.errors,
            "queries": self.queries,
            "rows_created": dict(self.created),
            "rows_updated": dict(self.updated),
            "rows_written": sum(self.created.values()) + sum(self.updated.values()),
        }

    def add(self, other: dict[str, Any]) -> None:
        """Add a file's stored counts to these totals."""
        for name in (
            "children_read",
            "children_imported",
            "children_held_back",
            "elements_held_back",
            "errors",
            "queries",
        ):
            setattr(self, name, getattr(self, name) + int(other.get(name, 0)))
        for table, n in other.get("rows_created", {}).items():
            self.created[table] += n
        for table, n in other.get("rows_updated", {}).items():
            self.updated[table] += n


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
    da_plans: set[int]
    member_of: dict[int, set[int]]

    _by_child: dict[int, dict[str, list[Any]]] | None = None

    def of_child(self, pid: int) -> dict[str, list[Any]]:
        """This child's stored rows per table (indexed once per batch, not scanned per child)."""
        if self._by_child is None:
            index: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
            child_of = {row["id"]: key[0] for key, row in self.episodes.items()}
            for row in self.episodes.values():
                index[row["child_id"]]["episodes"].append(row)
            for table in ("assessments", "section47s", "cin_plans"):
                for row in getattr(self, table).values():
                    index[child_of[row["episode_id"]]][table].append(row)
            for row in self.cp_plans.values():
                index[row["child_id"]]["cp_plans"].append(row)
            self._by_child = index
        return self._by_child.get(pid) or defaultdict(list)

    @classmethod
    def load(cls, la_child_ids: list[str]) -> Stored:
        persons = {
            row["la_child_id"]: row
            for row in Person.objects.filter(la_child_id__in=la_child_ids).values(
                "id", *PERSON_FIELDS
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
                "icpc_date",
            )
        }
        # Each table is filtered on its own foreign key (an index), never through a join.
        episode_ids = [row["id"] for row in episodes.values()]
        assessments = {
            (row["episode_id"], row["start_date"]): row
            for row in Assessment.objects.filter(episode_id__in=episode_ids).values(
                "id", "episode_id", "start_date", "authorisation_date"
            )
        }
        factors: dict[int, set[str]] = defaultdict(set)
        for assessment_id, code in AssessmentFactor.objects.filter(
            assessment_id__in=[row["id"] for row in assessments.values()]
        ).values_list("assessment_id", "code"):
            factors[assessment_id].add(code)
        members: dict[int, set[int]] = defaultdict(set)
        for person_id, family_id in FamilyMembership.objects.filter(person_id__in=pids).values_list(
            "person_id", "family_id"
        ):
            members[person_id].add(family_id)
        cp_plans = {
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
        }
        plan_ids = [row["id"] for row in cp_plans.values()]
        return cls(
            persons=persons,
            census={
                row["person_id"]: row
                for row in CensusChild.objects.filter(person_id__in=pids).values(
                    "person_id", "gender_current", "disabilities", "expected_birth_date"
                )
            },
            episodes=episodes,
            episode_referral={row["id"]: key[1] for key, row in episodes.items()},
            assessments=assessments,
            factors=factors,
            section47s={
                (row["episode_id"], row["start_date"]): row
                for row in Section47Enquiry.objects.filter(episode_id__in=episode_ids).values(
                    "id",
                    "episode_id",
                    "start_date",
                    "icpc_target_date",
                    "icpc_date",
                    "icpc_not_required",
                )
            },
            cp_plans=cp_plans,
            cin_plans={
                (row["episode_id"], row["start_date"]): row
                for row in CINPlan.objects.filter(episode_id__in=episode_ids).values(
                    "id", "episode_id", "start_date", "end_date"
                )
            },
            conferences=set(
                Conference.objects.filter(child_id__in=pids).values_list(
                    "child_id", "kind", "held_on"
                )
            ),
            da_plans=set(
                DARiskFlag.objects.filter(
                    plan_id__in=plan_ids, at_planning=True, source=DARiskFlag.Source.ASSESSMENT
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
    #: The CP plans as stored before this return (a held-back plan keeps these values).
    stored_cp: dict[dt.date, dict[str, Any]] = field(default_factory=dict)


def _merge(child: ChildRecord, stored: Stored) -> Merged:
    person = stored.persons.get(child.la_child_id or "")
    pid = person["id"] if person else None
    m = Merged(pid=pid)
    if pid is not None:
        ref = stored.episode_referral
        rows = stored.of_child(pid)
        for row in rows["episodes"]:
            m.episodes[row["referral_date"]] = dict(row)
        for row in rows["assessments"]:
            m.assessments[(ref[row["episode_id"]], row["start_date"])] = {
                **row,
                "factors": set(stored.factors.get(row["id"], ())),
            }
        for row in rows["section47s"]:
            m.section47s[(ref[row["episode_id"]], row["start_date"])] = dict(row)
        for row in rows["cp_plans"]:
            m.cp_plans[row["start_date"]] = {**row, "episode": ref[row["episode_id"]]}
        m.stored_cp = {start: dict(row) for start, row in m.cp_plans.items()}
        for row in rows["cin_plans"]:
            m.cin_plans[(ref[row["episode_id"]], row["start_date"])] = dict(row)
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
        "icpc_date": _pick(e.icpc, old.get("icpc_date")),
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


def _history_holds(
    m: Merged, stored_plans: dict[dt.date, dict[str, Any]], child_id: str
) -> list[Issue]:
    """Hold back each CP plan of this return that the child's merged history cannot take: two
    open plans (8935) or overlapping plans (8940). Stored plans come first (a return never
    overturns what an earlier one gave); then this return's plans, earliest start first. A held
    plan that was stored keeps its stored values; a new one is not written."""
    issues: list[Issue] = []
    accepted = [
        (start, row["end_date"]) for start, row in m.cp_plans.items() if start not in m.touched_cp
    ]
    for start in sorted(m.touched_cp):
        row = m.cp_plans[start]
        conflict = history_conflict((start, row["end_date"]), accepted)
        if conflict is None:
            accepted.append((start, row["end_date"]))
            continue
        rule, other = conflict
        end = f"ending {row['end_date']}" if row["end_date"] else "open"
        other_end = f"ending {other[1]}" if other[1] else "still open"
        text = (
            f"The CP plan starting {start} ({end}) cannot sit beside the child's CP plan starting "
            f"{other[0]} ({other_end}): "
            + ("a child has one open CP plan at a time." if rule == "8935" else "they overlap.")
        )
        held = HeldBack(
            short_id(child_id),
            "ChildProtectionPlans",
            rule,
            text,
            {
                "LAchildID": child_id,
                "CINreferralDate": row["episode"].isoformat(),
                "where": f"ChildProtectionPlans from {start}",
            },
            {
                "start": start.isoformat(),
                "end": row["end_date"].isoformat() if row["end_date"] else None,
                "initial_category": row["initial_category"],
                "latest_category": row["latest_category"],
                "number_of_previous_cpp": row["number_of_previous_cpp"],
                "reviews": [r.isoformat() for r in m.reviews.get(start, [])],
            },
        )
        issues.append(
            Issue(
                short_id(child_id),
                "ChildProtectionPlans",
                rule,
                text,
                where=f"ChildProtectionPlans from {start}",
                held=held,
            )
        )
        m.touched_cp.discard(start)
        m.reviews.pop(start, None)
        if start in stored_plans:
            m.cp_plans[start] = dict(stored_plans[start])
        else:
            del m.cp_plans[start]
    return issues


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
    columns: list[str],
    rows: list[tuple[Any, ...]],
    *,
    conflict: list[str],
    update: list[str] | None = None,
    returning: list[str] | None = None,
    counts: Counts,
    name: str,
) -> list[tuple[Any, ...]]:
    """INSERT ... ON CONFLICT (natural key) DO UPDATE/NOTHING for many rows in one statement.

    The ORM's bulk_create builds a model instance per row; at a million rows that alone takes
    longer than the database (ADR 0010), so rows go as tuples (`_insert_rows`). Table and column
    names come from the model's metadata. With `returning`, gives back those columns; whether
    each row was inserted or updated goes to `counts`.
    """
    if not rows:
        return []
    meta = model._meta
    stamped = any(f.name == "updated_at" for f in meta.concrete_fields)
    all_columns = columns + (["created_at", "updated_at"] if stamped else [])
    # Values the database driver cannot take as they are (JSON) are adapted by their field.
    adapted = {
        i: json_field
        for i, json_field in enumerate(meta.get_field(c) for c in columns)
        if isinstance(json_field, models.JSONField)
    }
    if adapted:
        rows = [
            tuple(
                adapted[i].get_db_prep_save(value, connection) if i in adapted else value
                for i, value in enumerate(row)
            )
            for row in rows
        ]
    # Timestamps in SQL, standard so on every backend (to the second on SQLite): as parameters
    # they would double psycopg2's work per row.
    stamps = ["CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"] if stamped else []
    template = "(" + ", ".join(["%s"] * len(columns) + stamps) + ")"
    # Identifiers come from model metadata and literals in this module, never from input.
    insert = f"INSERT INTO {meta.db_table} ({', '.join(all_columns)}) VALUES "  # noqa: S608
    tail = f" ON CONFLICT ({', '.join(conflict)}) "
    if update:
        assignments = [*update, *(["updated_at"] if stamped else [])]
        tail += "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in assignments)
    else:
        tail += "DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(returning)}"
    with connection.cursor() as cursor:
        result = _insert_rows(
            cursor, insert, template, tail, rows, model=model, returning=bool(returning)
        )
    if returning:
        inserted = sum(1 for row in result if row[-1])
        counts.created[name] += inserted
        counts.updated[name] += len(result) - inserted
        return [tuple(row[:-1]) for row in result]
    counts.created[name] += len(rows)  # DO NOTHING rows were checked absent beforehand
    return []


#: Stale factors deleted per statement (see write_children).
STALE_FACTORS_PER_DELETE = 400

#: Rows per statement (PostgreSQL's execute_values page; on other backends also capped by the
#: number of parameters a statement may have).
PAGE_SIZE = 2000


def _insert_rows(
    cursor: Any,
    insert: str,
    template: str,
    tail: str,
    rows: list[tuple[Any, ...]],
    *,
    model: Any,
    returning: bool,
) -> list[tuple[Any, ...]]:
    """Run `insert` + VALUES (`template` per row) + `tail` for `rows`, a page at a time.

    The only part of the write path whose statements differ by database. With `returning`,
    each returned row ends with whether the statement inserted it (rather than updated it).
    """
    if connection.vendor == "postgresql":
        # psycopg2's execute_values builds the VALUES list in C: the fastest way in (ADR 0010).
        # PostgreSQL's xmax is 0 for a row version this statement inserted.
        sql = insert + "%s" + tail + (", (xmax = 0)" if returning else "")
        # The raw cursor bypasses Django's error translation: restore it (callers catch
        # DatabaseError).
        with connection.wrap_database_errors:
            found: list[tuple[Any, ...]] = execute_values(
                cursor.cursor, sql, rows, template=template, page_size=PAGE_SIZE, fetch=returning
            )
        return found
    # Other backends (SQLite under `make run`, 3.35+ for RETURNING): ordinary placeholders, as
    # many rows per statement as the backend's parameter limit allows.
    pk = model._meta.pk.column
    width = len(rows[0])
    limit = connection.features.max_query_params  # None when the backend sets none
    per_page = PAGE_SIZE if limit is None else max(1, min(PAGE_SIZE, (limit - 1) // width))
    result: list[tuple[Any, ...]] = []
    for first in range(0, len(rows), per_page):
        page = rows[first : first + per_page]
        params = [value for row in page for value in row]
        sql = insert + ", ".join([template] * len(page)) + tail
        if returning:
            # No xmax here, but autoincrement keys only grow: a row whose key is above the
            # largest one before the statement was inserted by it.
            cursor.execute(f"SELECT MAX({pk}) FROM {model._meta.db_table}")  # noqa: S608
            sql += f", ({pk} > %s)"
            params.append(cursor.fetchone()[0] or 0)
        cursor.execute(sql, params)
        if returning:
            result += [tuple(row) for row in cursor.fetchall()]
    return result


def write_children(
    children: list[tuple[ChildRecord, Merged]],
    stored: Stored,
    families: dict[str, str] | None,
    counts: Counts,
) -> None:
    """Write what is new or changed for these accepted children. Call inside a transaction.

    Each table is one statement; unchanged rows are never sent, so a re-import writes nothing.
    """
    # People
    people = []
    for child, _m in children:
        old = stored.persons.get(child.la_child_id or "")
        row = {
            "date_of_birth": _pick(child.birth_date, old and old["date_of_birth"]),
            "sex": _pick(child.sex, old and old["sex"]) or "",
            "ethnicity": _pick(child.ethnicity, old and old["ethnicity"]) or "",
            "upn": _pick(child.upn, old and old["upn"]) or "",
            "former_upn": _pick(child.former_upn, old and old["former_upn"]) or "",
            "upn_unknown": _pick(child.upn_unknown, old and old["upn_unknown"]) or "",
            "date_of_death": _pick(child.death_date, old and old["date_of_death"]),
        }
        if _changed(row, old, row):
            people.append(
                (
                    Person.Kind.CHILD.value,
                    "",
                    "",
                    child.la_child_id,
                    *(row[f] for f in PERSON_FIELDS[1:]),
                )
            )
    pid = dict(
        _upsert(
            Person,
            ["kind", "first_name", "last_name", *PERSON_FIELDS],
            people,
            conflict=["la_child_id"],
            update=list(PERSON_FIELDS[1:]),
            returning=["la_child_id", "id"],
            counts=counts,
            name="person",
        )
    )
    for child, m in children:
        m.pid = m.pid or pid[child.la_child_id]

    # Census-only details
    extras = []
    for child, m in children:
        old = stored.census.get(m.pid)
        row = {
            "gender_current": child.gender_current or (old["gender_current"] if old else ""),
            "disabilities": child.disabilities or (old["disabilities"] if old else []),
            "expected_birth_date": _pick(
                child.expected_birth_date, old["expected_birth_date"] if old else None
            ),
        }
        if _changed(row, old, row):
            extras.append(
                (m.pid, row["gender_current"], row["disabilities"], row["expected_birth_date"])
            )
    _upsert(
        CensusChild,
        ["person_id", "gender_current", "disabilities", "expected_birth_date"],
        extras,
        conflict=["person_id"],
        update=["gender_current", "disabilities", "expected_birth_date"],
        returning=["person_id"],
        counts=counts,
        name="census_child",
    )

    # Families: the mapped one, or one per child; a child already in a family keeps it.
    wanted: dict[int, str] = {}
    for child, m in children:
        la = child.la_child_id or ""
        if families and la in families:
            wanted[m.pid] = families[la]
        elif not stored.member_of.get(m.pid):
            wanted[m.pid] = family_reference_for(la)
    if wanted:
        references = sorted(set(wanted.values()))
        family_ids = dict(
            Family.objects.filter(reference__in=references).values_list("reference", "id")
        )
        family_ids.update(
            _upsert(
                Family,
                ["reference", "address", "postcode", "address_confidential"],
                [(r, "", "", False) for r in references if r not in family_ids],
                conflict=["reference"],
                update=["reference"],
                returning=["reference", "id"],
                counts=counts,
                name="family",
            )
        )
        _upsert(
            FamilyMembership,
            ["family_id", "person_id", "relationship", "abuse_role"],
            [
                (family_ids[ref], person_id, "", FamilyMembership.AbuseRole.CHILD.value)
                for person_id, ref in wanted.items()
                if family_ids[ref] not in stored.member_of.get(person_id, ())
            ],
            conflict=["family_id", "person_id"],
            counts=counts,
            name="family_membership",
        )

    # Episodes
    episode_fields = [
        "referral_source",
        "primary_need",
        "referral_nfa",
        "closure_date",
        "reason_for_closure",
        "icpc_date",
    ]
    episodes = []
    for _child, m in children:
        for referral, row in m.episodes.items():
            if row.get("touched") and _changed(
                row, stored.episodes.get((m.pid, referral)), episode_fields
            ):
                episodes.append((m.pid, referral, *(row[f] for f in episode_fields)))
    episode_id: dict[tuple[int, dt.date], int] = {k: v["id"] for k, v in stored.episodes.items()}
    for child_id, referral, pk in _upsert(
        CINEpisode,
        ["child_id", "referral_date", *episode_fields],
        episodes,
        conflict=["child_id", "referral_date"],
        update=episode_fields,
        returning=["child_id", "referral_date", "id"],
        counts=counts,
        name="cin_episode",
    ):
        episode_id[(child_id, referral)] = pk

    # Assessments, section 47 enquiries, CIN plans (all keyed on the episode)
    s47_fields = ["icpc_target_date", "icpc_date", "icpc_not_required"]
    assessments, section47s, cin_plans = [], [], []
    for _child, m in children:
        for (referral, start), row in m.assessments.items():
            eid = episode_id[(m.pid, referral)]
            old = stored.assessments.get((eid, start))
            if row.get("touched") and _changed(row, old, ["authorisation_date"]):
                assessments.append((eid, start, row["authorisation_date"]))
        for (referral, start), row in m.section47s.items():
            eid = episode_id[(m.pid, referral)]
            old = stored.section47s.get((eid, start))
            if row.get("touched") and _changed(row, old, s47_fields):
                section47s.append((eid, start, *(row[f] for f in s47_fields)))
        for referral, start in m.touched_cin:
            row = m.cin_plans[(referral, start)]
            eid = episode_id[(m.pid, referral)]
            if _changed(row, stored.cin_plans.get((eid, start)), ["end_date"]):
                cin_plans.append((eid, start, row["end_date"]))
    assessment_id = {k: v["id"] for k, v in stored.assessments.items()}
    for eid, start, pk in _upsert(
        Assessment,
        ["episode_id", "start_date", "authorisation_date"],
        assessments,
        conflict=["episode_id", "start_date"],
        update=["authorisation_date"],
        returning=["episode_id", "start_date", "id"],
        counts=counts,
        name="assessment",
    ):
        assessment_id[(eid, start)] = pk
    _upsert(
        Section47Enquiry,
        ["episode_id", "start_date", *s47_fields],
        section47s,
        conflict=["episode_id", "start_date"],
        update=s47_fields,
        returning=["id"],
        counts=counts,
        name="section47",
    )
    cin_plan_id = {k: v["id"] for k, v in stored.cin_plans.items()}
    for eid, start, pk in _upsert(
        CINPlan,
        ["episode_id", "start_date", "end_date"],
        cin_plans,
        conflict=["episode_id", "start_date"],
        update=["end_date"],
        returning=["episode_id", "start_date", "id"],
        counts=counts,
        name="cin_plan",
    ):
        cin_plan_id[(eid, start)] = pk

    # Factors: a return that lists an assessment's factors states all of them (a corrected
    # return replaces them); one that lists none leaves the stored ones alone.
    factor_rows: list[tuple[Any, ...]] = []
    stale: list[tuple[int, str]] = []
    for _child, m in children:
        for (referral, start), row in m.assessments.items():
            aid = assessment_id[(episode_id[(m.pid, referral)], start)]
            have = stored.factors.get(aid, set())
            factor_rows += [(aid, code) for code in sorted(row["factors"] - have)]
            stale += [(aid, code) for code in sorted(have - row["factors"])]
    # A few hundred pairs per statement: SQLite refuses an expression nested 1,000 deep, and
    # each OR adds a level.
    for first in range(0, len(stale), STALE_FACTORS_PER_DELETE):
        condition = Q()
        for aid, code in stale[first : first + STALE_FACTORS_PER_DELETE]:
            condition |= Q(assessment_id=aid, code=code)
        AssessmentFactor.objects.filter(condition).delete()
    if stale:
        counts.updated["assessment_factor_removed"] += len(stale)
    _upsert(
        AssessmentFactor,
        ["assessment_id", "code"],
        factor_rows,
        conflict=["assessment_id", "code"],
        counts=counts,
        name="assessment_factor",
    )

    # CP plans: ordered by child and start, so a plan's end is written before the next one opens
    # (PostgreSQL checks "one open plan" and "no overlap" row by row).
    cp_fields = [
        "episode_id",
        "end_date",
        "initial_category",
        "latest_category",
        "number_of_previous_cpp",
        "end_reason",
    ]
    plans = []
    for _child, m in sorted(children, key=lambda item: item[1].pid):
        for start in sorted(m.touched_cp):
            row = m.cp_plans[start]
            row["episode_id"] = episode_id[(m.pid, row["episode"])]
            if _changed(row, stored.cp_plans.get((m.pid, start)), cp_fields):
                plans.append((m.pid, start, *(row[f] for f in cp_fields)))
    plan_id = {k: v["id"] for k, v in stored.cp_plans.items()}
    for child_id, start, pk in _upsert(
        CPPlan,
        ["child_id", "start_date", *cp_fields],
        plans,
        conflict=["child_id", "start_date"],
        update=cp_fields,
        returning=["child_id", "start_date", "id"],
        counts=counts,
        name="cp_plan",
    ):
        plan_id[(child_id, start)] = pk

    # Conferences (ICPC at the plan start, a review for each CPPreviewDate), never overwritten:
    # a decision recorded in our own screens outranks "not recorded" from the census.
    conferences = []
    for _child, m in children:
        for start in m.touched_cp:
            pk = plan_id[(m.pid, start)]
            days = [(Conference.Kind.INITIAL, start, Conference.Decision.START_PLAN)] + [
                (Conference.Kind.REVIEW, day, Conference.Decision.NOT_RECORDED)
                for day in m.reviews[start]
            ]
            for kind, day, decision in days:
                if (m.pid, kind, day) not in stored.conferences:
                    conferences.append((m.pid, pk, kind.value, day, decision.value, ""))
    _upsert(
        Conference,
        ["child_id", "plan_id", "kind", "held_on", "decision", "notes"],
        conferences,
        conflict=["child_id", "kind", "held_on"],
        counts=counts,
        name="conference",
    )

    # DA at planning, from the assessment factors (the cohort rule reads these flags).
    flags = []
    for _child, m in children:
        for start, row in m.cp_plans.items():
            pk = plan_id[(m.pid, start)]
            if pk in stored.da_plans:
                continue
            found = _da_assessment(m, row)
            if found:
                aid = assessment_id[(episode_id[(m.pid, found[0])], found[1])]
                flags.append(
                    DARiskFlag(
                        plan_id=pk,
                        recorded_on=start,
                        at_planning=True,
                        source=DARiskFlag.Source.ASSESSMENT,
                        assessment_id=aid,
                    )
                )
    # No natural key to conflict on: absence was checked against the stored flags above.
    DARiskFlag.objects.bulk_create(flags, batch_size=5000)
    counts.created["da_risk_flag"] += len(flags)


#: The tables an import writes (ANALYZE keeps the planner's statistics in step as they grow).
WRITTEN_MODELS = (
    Person,
    CensusChild,
    Family,
    FamilyMembership,
    CINEpisode,
    Assessment,
    AssessmentFactor,
    Section47Enquiry,
    CPPlan,
    CINPlan,
    Conference,
    DARiskFlag,
)


def statistics_refresh() -> None:
    """ANALYZE the tables the import writes (PostgreSQL; nothing to do on SQLite).

    A first import grows them from nothing; with stale statistics PostgreSQL reads whole tables
    to load each batch's stored rows (seen at 100,000 children: several times slower). The
    importer calls this each time the data may have doubled (batches 1, 2, 4, 8, ...). SQLite's
    planner, without statistics, takes an index on the looked-up key as selective, which is what
    these lookups need, so `make run` skips the full scans ANALYZE would make.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(m._meta.db_table for m in WRITTEN_MODELS))


def relax_commit() -> None:
    """Do not wait for the WAL flush at the file's commit (ADR 0010; PostgreSQL only).

    A crash can lose the last file committed, never corrupt it, and an import is idempotent:
    running it again completes it. Applies to this transaction only. SQLite (`make run`) has no
    per-transaction setting (`PRAGMA synchronous` cannot change inside a transaction) and a
    local database needs none, so it keeps its own.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


CheckedBatch = list[Checked]


def checked_batches(path: Any, header: Header, state: FileState) -> Iterator[CheckedBatch]:
    """Parse and check a file's children batch by batch (pure Python, no database).

    `state` gathers what the rules over the whole return need; report them (`file_issues`)
    once this is exhausted.
    """
    for batch in batched(census_children(path), BATCH_SIZE):
        yield [child_check(raw, header, state) for raw in batch]


def prefetched(batches: Iterator[CheckedBatch], depth: int = 2) -> Iterator[CheckedBatch]:
    """Run `batches` in a thread, `depth` ahead: parsing the next batch overlaps the database
    writing this one (psycopg2 releases the GIL while PostgreSQL works). Errors are re-raised."""
    queue: Queue[Any] = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        queue.put(batch, timeout=0.5)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as error:  # handed to the consumer, raised there
            queue.put(error)

    thread = threading.Thread(target=produce, name="census-parse", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _count_issues(counts: Counts, issues: list[Issue]) -> None:
    for issue in issues:
        if issue.is_error:
            counts.errors += 1
        else:
            counts.queries += 1
        if issue.held is not None:
            if issue.held.element == "Child":
                counts.children_held_back += 1
            else:
                counts.elements_held_back += 1


def _refused_by_database(child: ChildRecord, error: DatabaseError) -> Issue:
    child_id = child.la_child_id or ""
    text = f"The database refused this child's record: {str(error).splitlines()[0][:300]}"
    held = HeldBack(
        short_id(child_id),
        "Child",
        "ST09",
        text,
        {"LAchildID": child_id, "where": ""},
        {"LAchildID": child_id},
    )
    return Issue(short_id(child_id), "Child", "ST09", text, held=held)


def batch_import(
    checked_children: CheckedBatch,
    *,
    families: dict[str, str] | None,
    counts: Counts,
    dry_run: bool = False,
) -> list[Issue]:
    """Write one checked batch: merge with stored history, hold back the CP plans it cannot take,
    write the rest. Call inside the file's transaction (each batch is a savepoint in it).

    Returns every issue found (errors and queries, held-back elements among them).
    """
    issues: list[Issue] = []
    writable: list[ChildRecord] = []
    for checked in checked_children:
        counts.children_read += 1
        issues += checked.issues
        if checked.child is not None:
            writable.append(checked.child)
    stored = Stored.load([c.la_child_id or "" for c in writable])
    accepted: list[tuple[ChildRecord, Merged]] = []
    for child in writable:
        merged = _merge(child, stored)
        issues += _history_holds(merged, merged.stored_cp, child.la_child_id or "")
        accepted.append((child, merged))
    before = (dict(counts.created), dict(counts.updated))
    try:
        with transaction.atomic():
            write_children(accepted, stored, families, counts)
            if dry_run:
                transaction.set_rollback(True)
        counts.children_imported += len(accepted)
    except DatabaseError:
        # Something our checks did not foresee: find the child by writing one at a time.
        counts.created = defaultdict(int, before[0])
        counts.updated = defaultdict(int, before[1])
        for child, _merged in accepted:
            one = Stored.load([child.la_child_id or ""])
            merged = _merge(child, one)
            _history_holds(merged, merged.stored_cp, child.la_child_id or "")
            try:
                with transaction.atomic():
                    write_children([(child, merged)], one, families, counts)
                    if dry_run:
                        transaction.set_rollback(True)
                counts.children_imported += 1
            except DatabaseError as error:
                issues.append(_refused_by_database(child, error))
    _count_issues(counts, issues)
    return issues
