from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    WEB = "web", "Browser"
    API = "api", "API"
    TASK = "task", "Background task"
    COMMAND = "command", "Command line"
    SYSTEM = "system", "System"


class AuditEvent(models.Model):
    """One thing someone did or saw. Append-only: PostgreSQL refuses UPDATE and DELETE on it.

    `actor_label` keeps the actor's username at the time, so the record survives the account.
    `target_type`/`target_id` name the record as text (``cases.family``, ``42``) rather than a
    generic foreign key, so the log never blocks deleting or anonymising a record.
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # The log outlives accounts: no database constraint, no cascade; actor_label keeps the name.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    family_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SYSTEM)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"
