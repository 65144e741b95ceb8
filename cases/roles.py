"""Roles (DOMAIN.md "Roles") as Django groups, each with the model permissions the role needs."""

from typing import Any

from django.db import models


class Role(models.TextChoices):
    TRANSITION_WORKER = "transition_worker", "Transition worker"
    SOCIAL_WORKER = "social_worker", "Social worker"
    IRO = "iro", "Independent reviewing officer"
    MANAGER = "manager", "Manager"
    PARTNER = "partner", "Partner agency user"
    ADMINISTRATOR = "administrator", "Administrator"
    #: The council's own case management system, calling the feed API with a token (ADR 0083).
    SYSTEM = "system", "Council case system"


#: Roles that work inside the council and see case content.
COUNCIL_CASE_ROLES = frozenset({Role.TRANSITION_WORKER, Role.SOCIAL_WORKER, Role.IRO, Role.MANAGER})


def role_group_name(role: str) -> str:
    return f"role:{role}"


def role_groups_ensure(**kwargs: Any) -> None:
    """Create one group per role (idempotent). Connected to post_migrate."""
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role_group_name(role))
