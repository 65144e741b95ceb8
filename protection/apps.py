from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    """The child protection journey as it happens: section 47 enquiries, conferences, core
    groups, step-downs and plan ends, with the statutory timescales they run to."""

    name = "protection"
    verbose_name = "Child protection journey"

    def ready(self) -> None:
        # The family page shows the journey to whoever holds its section (council staff).
        from .panels import register_panels

        register_panels()
