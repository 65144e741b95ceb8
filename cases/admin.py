"""Configuration in the read-only admin (config/admin.py): staff accounts, agencies and teams.
Accounts change only in the product's staff pages, through audited services (staff/)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Agency, Team, User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "agency", "is_active")
    list_filter = ("role", "agency", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Role", {"fields": ("role", "agency", "job_title")}))  # type: ignore[misc]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code")
    list_filter = ("kind",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "agency")
