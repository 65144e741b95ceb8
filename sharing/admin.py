"""API clients and tokens in the read-only admin (config/admin.py). Sharing agreements are case
content (a family, a purpose) and are not shown there: they are read on the sharing pages."""

from django.contrib import admin

from .models import ApiClient, ApiToken


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "created_at")
    list_filter = ("agency",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "client", "expires_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
