"""Read-only admin views: agreements and tokens change only through the services (audited)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ApiClient, ApiToken, SharingAgreement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SharingAgreement)
class SharingAgreementAdmin(ReadOnlyAdmin):
    list_display = (
        "agency",
        "family",
        "person",
        "lawful_basis",
        "starts_on",
        "ends_on",
        "ended_at",
    )
    list_filter = ("agency", "lawful_basis")
    raw_id_fields = ("family", "person")


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyAdmin):
    list_display = ("name", "agency", "created_at")
    list_filter = ("agency",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "user", "client", "expires_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
