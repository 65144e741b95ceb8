from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Information sharing and API access"

    def ready(self) -> None:
        # The case record's access policy learns what agreements share from us (ADR 0041).
        from cases.access import set_share_provider

        from .provider import AgreementShares

        set_share_provider(AgreementShares())
