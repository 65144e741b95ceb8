"""Database helpers shared by the apps' migrations."""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """Raw SQL that only PostgreSQL runs: exclusion constraints and triggers.

    The embedded SQLite database of `make run` skips it; the services validate the same rules in
    Python, so SQLite users get the rule, only not the database's second line of defence.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
