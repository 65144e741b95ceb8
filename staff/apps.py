from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Staff administration in the product: council and agency administrators manage accounts
    through audited services (ADR 0044). Above `cases` and `sharing`."""

    name = "staff"
    verbose_name = "Staff administration"
