from django.apps import AppConfig


class CensusConfig(AppConfig):
    name = "census"
    verbose_name = "Children in need census"
