"""The Django admin's app config: our read-only site (`config.admin.ReadOnlyAdminSite`) replaces
the default one, so every `admin.register` in every app (ours and libraries') lands on it."""

from django.contrib.admin.apps import AdminConfig


class ReadOnlyAdminConfig(AdminConfig):
    default_site = "config.admin.ReadOnlyAdminSite"
