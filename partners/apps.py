from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """The `/api/v1/` record endpoints partner systems (and council staff's scripts) call:
    families, people, CP plans, DA incidents, `/me/`. Above `cases` and `sharing` (ADR 0041)."""

    name = "partners"
    verbose_name = "Partner API"
