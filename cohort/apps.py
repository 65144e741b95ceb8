from django.apps import AppConfig


class CohortConfig(AppConfig):
    name = "cohort"
