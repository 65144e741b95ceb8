from django.apps import AppConfig


def _register_sqlite_functions(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
    """SQLite (`make run`) has no month arithmetic clamping like `relativedelta`: give it ours."""
    if connection.vendor == "sqlite":
        from .dates import SQLITE_ADD_MONTHS, sqlite_add_months

        connection.connection.create_function(
            SQLITE_ADD_MONTHS, 2, sqlite_add_months, deterministic=True
        )


class CohortConfig(AppConfig):
    name = "cohort"
    verbose_name = "Transition cohort"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(_register_sqlite_functions, dispatch_uid="cohort-sqlite-fns")

        # The family page shows the cohort flag to whoever holds the cohort section.
        from cases.access import COHORT, FamilyPanel, register_family_panel

        from .panels import cohort_family_panel

        register_family_panel(
            FamilyPanel(
                section=COHORT.code,
                template="cohort/includes/family_panel.html",
                load=cohort_family_panel,
                order=10,
            )
        )
