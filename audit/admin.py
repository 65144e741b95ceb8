"""The audit log in the read-only admin (config/admin.py): who did what to which record, when
and from where. Its `details` can quote case content (a reason, the people an incident names),
so they are not shown to administrators (DOMAIN.md: administrators see no case content)."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "actor_label", "action", "target_type", "target_id", "channel")
    list_filter = ("channel", "action")
    search_fields = ("actor_label", "target_id", "action")
    date_hierarchy = "occurred_at"
    exclude = ("details",)
    show_full_result_count = False
