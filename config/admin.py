"""The Django admin, read only, for administrators only (ADR 0045).

Staff accounts are managed in the product (`staff/`), through audited services; the admin is a
window on configuration (agencies, teams, accounts, API clients and tokens, groups) and on the
audit log without its details. Nothing can be added, changed or deleted here, whoever signs in
(a superuser included), and every page of records shown is an audited read. Case records
(families, people, plans, agreements) are not registered at all.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from audit.services import audit_read
from cases.roles import Role


class ReadOnlyAuditedAdmin(admin.ModelAdmin):
    """View only, and every list or record shown is recorded in the audit log."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever the site lets in (an active administrator) may view: no per-model grants.
        return self.admin_site.has_permission(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _action(self, kind: str) -> str:
        return f"{self.model._meta.model_name}.admin_{kind}"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            audit_read(
                actor=request.user,
                targets=list(changelist.result_list),
                action=self._action("list"),
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", {}).get("original")
        if isinstance(shown, Model):
            audit_read(actor=request.user, targets=[shown], action=self._action("view"))
        return response


class ReadOnlyAdminSite(admin.AdminSite):
    """Only active administrators enter; every registered model is made read only and audited,
    whatever admin class its app gave it."""

    site_header = "Safeguard Transitions: configuration and audit log (read only)"
    site_title = "Safeguard Transitions administration"
    index_title = "Configuration and audit log"

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(
            user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMINISTRATOR
        )

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, ReadOnlyAuditedAdmin):
            base = type(base.__name__, (ReadOnlyAuditedAdmin, base), {})
        super().register(model_or_iterable, base, **options)
