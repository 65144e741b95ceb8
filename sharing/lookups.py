"""`field__has_item="plans"`: a JSON list holds this string, on PostgreSQL and on SQLite.

Agreement scopes are a JSON list so the same model runs on `make run`'s SQLite; Django's
`contains` lookup on JSONField is PostgreSQL-only, so this one lookup speaks each dialect.
"""

from typing import Any

from django.db import models


@models.JSONField.register_lookup
class HasItem(models.Lookup):
    lookup_name = "has_item"
    prepare_rhs = False  # compare with the plain string, not its JSON encoding

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # jsonb's `?`: a top-level string element equals rhs. psycopg2 placeholders are %s.
        return f"({lhs})::jsonb ? {rhs}", (*lhs_params, *rhs_params)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return (
            # lhs/rhs are SQL the compiler built; values travel as parameters.
            f"EXISTS (SELECT 1 FROM json_each({lhs}) AS item WHERE item.value = {rhs})",  # noqa: S608
            (*lhs_params, *rhs_params),
        )
