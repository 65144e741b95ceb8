"""The audit log is append-only: PostgreSQL refuses UPDATE and DELETE on it.

TRUNCATE is left to the database owner (tests flush with it); the application role in
production should be granted only SELECT and INSERT on this table (docs/adr/0003)."""

from django.db import migrations

from config.db import PostgresOnlySQL

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        PostgresOnlySQL(
            sql=[
                FUNCTION,
                "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent "
                "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
            ],
            reverse_sql=[
                "DROP TRIGGER audit_event_no_change ON audit_auditevent",
                "DROP FUNCTION audit_event_append_only()",
            ],
        ),
    ]
