"""DfE rule 8940: a child's CP plans do not overlap. An exclusion constraint on PostgreSQL."""

from django.db import migrations

from config.db import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                "ALTER TABLE cases_cpplan ADD CONSTRAINT cpplan_no_overlap EXCLUDE USING gist "
                "(child_id WITH =, daterange(start_date, end_date, '[)') WITH &&)",
            ],
            reverse_sql=["ALTER TABLE cases_cpplan DROP CONSTRAINT cpplan_no_overlap"],
        ),
    ]
