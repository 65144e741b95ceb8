"""The measures as SQL, stated once (DOMAIN.md "Measures", ADR 0090).

- `plan_facts_cte`: each CP plan with what the re-plan measures need (how many earlier plans of
  the child we hold, the previous plan's end, NumberOfPreviousCPP as recorded, DA at planning),
  classified: re-plan ever, previous plan known, within 24 months, within the window.
- `build_sql`: the nightly build, one INSERT ... SELECT of `DailyFigures` from those facts, the
  plans' ends and the duration-band intervals of every plan (running totals of open plans).
- `*_ids_sql`: the plans behind one figure, for the drill-down lists, from the same pieces.

Re-plans (DOMAIN.md): a plan is a second or subsequent plan ("ever") when the child has an earlier
plan in our data or its NumberOfPreviousCPP is above 0. "Within N months" counts only where the
previous plan is known: the child has an earlier plan in our data and we hold at least as many
earlier plans as NumberOfPreviousCPP says (otherwise the most recent earlier plan may be one we do
not have). Then the plan is within N months when `start <= previous end + N months`.
"""

# SQL here is built from model table names and constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from cases.models import CPPlan, FamilyMembership

from .measures import DURATION_BANDS
from .models import DailyFigures
from .sources import da_at_planning_sql
from .vendor import add_months_sql, band_start_sql

#: Columns of `DailyFigures` the build fills, in order.
FLOW_COLUMNS = (
    "plans_started",
    "replans",
    "replans_previous_known",
    "replans_within_24_months",
    "replans_within_window",
    "da_at_planning",
    "da_replans",
)
ENDED_COLUMNS = ("plans_ended", *(f"ended_band_{band.index}" for band in DURATION_BANDS))
OPEN_COLUMNS = tuple(f"open_band_{band.index}" for band in DURATION_BANDS)
ALL_COLUMNS = ("day", *FLOW_COLUMNS, *ENDED_COLUMNS, *OPEN_COLUMNS)


def _band_edges(vendor: str, column: str) -> list[str]:
    return [
        band_start_sql(vendor, column, band.starts_after_months, band.starts_after_days)
        for band in DURATION_BANDS
    ]


def band_case_sql(vendor: str, start: str, day: str) -> str:
    """The duration band (0-4) of a plan that started on `start`, on `day`."""
    edges = _band_edges(vendor, start)
    whens = " ".join(
        f"WHEN {day} >= {edges[band.index]} THEN {band.index}"
        for band in reversed(DURATION_BANDS[1:])
    )
    return f"(CASE {whens} ELSE 0 END)"


def plan_facts_cte(vendor: str, *, children_starting_between: bool = False) -> str:
    """Two CTEs, `plan_facts` and `classified_plans`, one row per CP plan.

    With `children_starting_between`, only the plans of children with a plan starting between
    the parameters `from` and `to` are read (the drill-down lists); the window over each child's
    plans still sees all of that child's plans, so the classification is the same as the build's.
    """
    plan = CPPlan._meta.db_table
    where = (
        f"WHERE p.child_id IN (SELECT q.child_id FROM {plan} q "
        "WHERE q.start_date >= %(from)s AND q.start_date <= %(to)s)"
        if children_starting_between
        else ""
    )
    known = "f.earlier_plans > 0 AND f.earlier_plans >= f.recorded_previous"
    within_24 = add_months_sql(vendor, "f.previous_end", "24")
    within_window = add_months_sql(vendor, "f.previous_end", "%(window_months)s")
    return f"""
plan_facts AS (
    SELECT p.id AS plan_id, p.child_id, p.start_date, p.end_date,
           COALESCE(p.number_of_previous_cpp, 0) AS recorded_previous,
           ROW_NUMBER() OVER by_child - 1 AS earlier_plans,
           LAG(p.end_date) OVER by_child AS previous_end,
           CASE WHEN {da_at_planning_sql("p")} THEN 1 ELSE 0 END AS da
    FROM {plan} p
    {where}
    WINDOW by_child AS (PARTITION BY p.child_id ORDER BY p.start_date)
),
classified_plans AS (
    SELECT f.plan_id, f.child_id, f.start_date, f.end_date, f.previous_end, f.da,
           CASE WHEN f.earlier_plans > 0 OR f.recorded_previous > 0 THEN 1 ELSE 0 END AS replan,
           CASE WHEN {known} THEN 1 ELSE 0 END AS previous_known,
           CASE WHEN {known} AND f.previous_end IS NOT NULL
                     AND f.start_date <= {within_24} THEN 1 ELSE 0 END AS within_24_months,
           CASE WHEN {known} AND f.previous_end IS NOT NULL
                     AND f.start_date <= {within_window} THEN 1 ELSE 0 END AS within_window
    FROM plan_facts f
)"""


def _band_intervals_ctes(vendor: str) -> str:
    """`plan_edges`, `band_moves`: +1 on the day a plan enters a band, -1 on the day it leaves
    it (moves on to the next band, or ends). A running sum of the moves is the number of plans
    open at the end of each day, by band: open on day d means `start <= d < end`."""
    plan = CPPlan._meta.db_table
    edges = _band_edges(vendor, "p.start_date")
    edge_columns = ", ".join(f"{edge} AS b{i}" for i, edge in enumerate(edges))
    last = len(DURATION_BANDS) - 1
    intervals = "\n        UNION ALL ".join(
        f"SELECT {i} AS k, b{i} AS lo, {f'b{i + 1}' if i < last else 'NULL'} AS hi, stop "
        "FROM plan_edges"
        for i in range(len(DURATION_BANDS))
    )
    return f"""
plan_edges AS (
    SELECT {edge_columns}, p.end_date AS stop FROM {plan} p
),
band_intervals AS (
    SELECT k, lo, CASE WHEN stop IS NULL THEN hi
                       WHEN hi IS NULL OR stop < hi THEN stop ELSE hi END AS hi
    FROM (
        {intervals}
    ) bands
),
band_moves AS (
    SELECT k, lo AS day, 1 AS delta FROM band_intervals WHERE hi IS NULL OR lo < hi
    UNION ALL
    SELECT k, hi AS day, -1 AS delta FROM band_intervals WHERE hi IS NOT NULL AND lo < hi
)"""


def build_sql(vendor: str) -> str:
    """`INSERT INTO reporting_dailyfigures ... SELECT`: every day on which a plan started, ended
    or moved between duration bands. Parameters: `window_months`."""
    table = DailyFigures._meta.db_table
    bands = range(len(DURATION_BANDS))
    edges = _band_edges(vendor, "p.start_date")
    ended_bands = ", ".join(
        "SUM(CASE WHEN p.end_date >= {lo}{hi} THEN 1 ELSE 0 END) AS ended_band_{i}".format(
            lo=edges[i], hi=f" AND p.end_date < {edges[i + 1]}" if i + 1 in bands else "", i=i
        )
        for i in bands
    )
    moves = ", ".join(f"SUM(CASE WHEN k = {i} THEN delta ELSE 0 END) AS d{i}" for i in bands)
    flows = ", ".join(f"COALESCE(s.{column}, 0)" for column in FLOW_COLUMNS)
    ended = ", ".join(f"COALESCE(e.{column}, 0)" for column in ENDED_COLUMNS)
    running = ", ".join(f"SUM(COALESCE(m.d{i}, 0)) OVER running" for i in bands)
    return f"""
INSERT INTO {table} ({", ".join(ALL_COLUMNS)})
WITH {plan_facts_cte(vendor)},
starts AS (
    SELECT start_date AS day, COUNT(*) AS plans_started, SUM(replan) AS replans,
           SUM(previous_known) AS replans_previous_known,
           SUM(within_24_months) AS replans_within_24_months,
           SUM(within_window) AS replans_within_window,
           SUM(da) AS da_at_planning, SUM(da * replan) AS da_replans
    FROM classified_plans GROUP BY start_date
),
ended AS (
    SELECT p.end_date AS day, COUNT(*) AS plans_ended, {ended_bands}
    FROM {CPPlan._meta.db_table} p WHERE p.end_date IS NOT NULL GROUP BY p.end_date
),
{_band_intervals_ctes(vendor)},
moves AS (SELECT day, {moves} FROM band_moves GROUP BY day),
days AS (SELECT day FROM starts UNION SELECT day FROM ended UNION SELECT day FROM moves)
SELECT d.day, {flows}, {ended}, {running}
FROM days d
LEFT JOIN starts s ON s.day = d.day
LEFT JOIN ended e ON e.day = d.day
LEFT JOIN moves m ON m.day = d.day
WINDOW running AS (ORDER BY d.day)
"""


# --- The plans behind a figure (drill-down lists) -------------------------------------------
#: Classifications of plans starting in a period, by drill-down name.
STARTED_FILTERS = {
    "started": "1 = 1",
    "replans": "replan = 1",
    "replans_within_24_months": "within_24_months = 1",
    "replans_within_window": "within_window = 1",
    "replans_previous_unknown": "replan = 1 AND previous_known = 0",
    "da_at_planning": "da = 1",
    "da_replans": "da = 1 AND replan = 1",
}


def started_ids_sql(vendor: str, name: str) -> str:
    """Ids of plans starting between `from` and `to` that count in the figure `name`."""
    return f"""
WITH {plan_facts_cte(vendor, children_starting_between=True)}
SELECT plan_id FROM classified_plans
WHERE start_date >= %(from)s AND start_date <= %(to)s AND {STARTED_FILTERS[name]}
"""


def ended_ids_sql(vendor: str, band: int | None) -> str:
    """Ids of plans ending between `from` and `to` (in duration band `band`, or any)."""
    condition = (
        f"AND {band_case_sql(vendor, 'p.start_date', 'p.end_date')} = {int(band)}"
        if (band is not None)
        else ""
    )
    return f"""
SELECT p.id FROM {CPPlan._meta.db_table} p
WHERE p.end_date >= %(from)s AND p.end_date <= %(to)s {condition}
"""


def open_ids_sql(vendor: str, band: int | None) -> str:
    """Ids of plans open at the end of day `at` (in duration band `band`, or any)."""
    condition = (
        f"AND {band_case_sql(vendor, 'p.start_date', '%(at)s')} = {int(band)}"
        if (band is not None)
        else ""
    )
    return f"""
SELECT p.id FROM {CPPlan._meta.db_table} p
WHERE p.start_date <= %(at)s AND (p.end_date IS NULL OR p.end_date > %(at)s) {condition}
"""


def family_of_child_sql(child: str) -> str:
    """A child's family: one in practice; if ever more, the earliest membership (as the cohort
    rule does)."""
    return (
        f"(SELECT MIN(m.family_id) FROM {FamilyMembership._meta.db_table} m "
        f"WHERE m.person_id = {child})"
    )
