"""Date arithmetic in SQL for PostgreSQL (tests, production) and SQLite (`make run`).

Months come from `cohort.dates.add_months_sql` (the cohort rule's own arithmetic, which clamps to
the end of the month as `relativedelta` does); days are added here.
"""

from cohort import dates


def add_months_sql(vendor: str, column: str, months: str) -> str:
    """`column + months` calendar months (`months`: a literal or a named parameter).

    On PostgreSQL a literal number of months is written as an interval constant, which clamps to
    the month's end exactly as `make_interval` does but costs less per row (the build adds four
    such intervals to every plan)."""
    if vendor == "postgresql" and months.isdigit():
        return f"({column} + interval '{int(months)} months')::date"
    return dates.add_months_sql(vendor, column, months)


def add_days_sql(vendor: str, column: str, days: str) -> str:
    """`column + days` days (`days`: a literal or a named parameter)."""
    if vendor == "postgresql":
        return f"({column} + {days})"
    if vendor == "sqlite":
        return f"date({column}, '+' || ({days}) || ' days')"
    raise NotImplementedError(f"No date arithmetic for {vendor}.")


def band_start_sql(vendor: str, column: str, months: int, days: int) -> str:
    """The first day of a duration band: `column + months + days` (see `measures`)."""
    shifted = add_months_sql(vendor, column, str(months)) if months else column
    return add_days_sql(vendor, shifted, str(days)) if days else shifted


def positional(query: str, params: dict[str, object]) -> tuple[str, list[object]]:
    """`query` with `%(name)s` parameters rewritten as `%s` and the values in order, for
    `RawSQL` (which takes positional parameters) inside an ORM query."""
    ordered: list[object] = []
    parts = query.split("%(")
    rewritten = [parts[0]]
    for part in parts[1:]:
        name, _, rest = part.partition(")s")
        ordered.append(params[name])
        rewritten.append("%s" + rest)
    return "".join(rewritten), ordered
