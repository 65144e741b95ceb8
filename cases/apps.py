from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import role_groups_ensure

        post_migrate.connect(role_groups_ensure, sender=self)
