from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`seed_demo`: the demo data `make run` shows, composed from every app's builders (the case
    history from `cases.demo`, sharing agreements, staff). At the top of the app map, so it may
    use any app (ADR 0041)."""

    name = "demo"
    verbose_name = "Demo data"
