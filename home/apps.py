from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page: one section per role, each its own template and context builder, so every
    app (the cohort, the CP journey, later the caseload and risk reviews) adds its own part."""

    name = "home"
