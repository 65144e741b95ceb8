"""`python manage.py seed_demo [--families N] [--seed S]`: the demo data `make run` shows."""

import datetime as dt
import time

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel
from audit.services import audit_record
from cases import services
from cases.demo import DemoHistory
from cases.models import Agency, Family, User
from cases.roles import Role
from sharing.models import LawfulBasis, SharingAgreement
from sharing.services import api_client_create

DEMO_PASSWORD = "safeguard-demo-2026"  # noqa: S105 - printed for the demo; never in production.

AGENCIES = [
    ("Demo Borough Council", "council", Agency.Kind.COUNCIL),
    ("Demoshire Police", "police", Agency.Kind.POLICE),
    ("Demo NHS Foundation Trust", "health", Agency.Kind.HEALTH),
    ("Probation Service (Demo region)", "probation", Agency.Kind.PROBATION),
    ("Demo Schools Partnership", "education", Agency.Kind.EDUCATION),
    ("Demo Domestic Abuse Service (IDVA)", "idva", Agency.Kind.IDVA),
]
#: Partner agencies some demo families are shared with (plans, incidents and cohort flags).
PARTNERS = ("police", "idva")
USERS = [
    # username, first, last, role, agency code, team index or None
    ("manager", "Morgan", "Hale", Role.MANAGER, "council", None),
    ("iro", "Priya", "Shah", Role.IRO, "council", None),
    ("worker", "Jess", "Okoye", Role.TRANSITION_WORKER, "council", None),
    ("worker2", "Tom", "Barker", Role.TRANSITION_WORKER, "council", None),
    ("social", "Rachel", "Ford", Role.SOCIAL_WORKER, "council", 0),
    ("social2", "Ben", "Adeyemi", Role.SOCIAL_WORKER, "council", 1),
    ("admin", "Alex", "Admin", Role.ADMINISTRATOR, "council", None),
    ("police", "Chris", "Dale", Role.PARTNER, "police", None),
    ("health", "Nina", "Roy", Role.PARTNER, "health", None),
    ("idva", "Helen", "Marsh", Role.PARTNER, "idva", None),
    # Agency administrators: each manages their agency's accounts and issues its API tokens.
    ("police-admin", "Sam", "Kerr", Role.ADMINISTRATOR, "police", None),
    ("health-admin", "Omar", "Bell", Role.ADMINISTRATOR, "health", None),
    ("idva-admin", "Lucy", "Grant", Role.ADMINISTRATOR, "idva", None),
]


class Command(BaseCommand):
    help = (
        "Load deterministic demo data: agencies, staff of every role, families with CP/CIN history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--families", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(
        self, *args: object, families: int, seed: int, batch_size: int, **options: object
    ) -> None:
        if families < 1:
            self.stderr.write("--families must be at least 1.")
            raise SystemExit(2)
        if Family.objects.filter(reference="FAM-000001").exists():
            self.stdout.write("Demo data is already loaded; nothing to do.")
            self._print_logins()
            return
        started = time.monotonic()
        with audit_context(channel=Channel.COMMAND):
            agencies, teams = self._organisations()
            history = DemoHistory(
                seed=seed,
                today=timezone.localdate(),
                team_group_ids=[team.group_id for team in teams],
                partner_group_ids=[agencies[code].group_id for code in PARTNERS],
            )
            permission_id = Permission.objects.get(
                codename="view_family", content_type__app_label="cases"
            ).pk
            manager = User.objects.get(username="manager")
            partner_agencies = {agencies[code].group_id: agencies[code] for code in PARTNERS}
            for number, batch in enumerate(history.batches(families, batch_size), start=1):
                with transaction.atomic():
                    batch.save(permission_id)
                    SharingAgreement.objects.bulk_create(
                        self._agreement(family.pk, partner_agencies[group_id], manager)
                        for family, group_id in batch.grants
                        if group_id in partner_agencies
                    )
                if number % 20 == 0:
                    self.stdout.write(f"  {number * batch_size} families")
            audit_record(
                actor=None, action="demo.seed", details={"families": families, "seed": seed}
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {families} demo families in {time.monotonic() - started:.1f}s."
            )
        )
        self._print_logins()

    def _agreement(self, family_id: int, agency: Agency, manager: User) -> SharingAgreement:
        """The recorded basis for a demo share (its guardian grant is written with the batch)."""
        today = timezone.localdate()
        return SharingAgreement(
            family_id=family_id,
            agency=agency,
            purpose="Demo: multi-agency safeguarding of a family with domestic abuse",
            lawful_basis=LawfulBasis.PUBLIC_TASK,
            legal_gateway="Children Act 2004 s11",
            scopes=["plans", "incidents", "cohort"],
            granted_by=manager,
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=180),
        )

    @transaction.atomic
    def _organisations(self):  # type: ignore[no-untyped-def]
        agencies = {
            code: services.agency_create(actor=None, name=name, code=code, kind=kind)
            for name, code, kind in AGENCIES
        }
        teams = [
            services.team_create(actor=None, agency=agencies["council"], name=name)
            for name in ("Assessment and Intervention 1", "Assessment and Intervention 2")
        ]
        for username, first, last, role, agency_code, team_index in USERS:
            user = services.staff_user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                agency=agencies[agency_code],
                first_name=first,
                last_name=last,
                teams=[teams[team_index]] if team_index is not None else [],
            )
            if role == Role.ADMINISTRATOR and agency_code == "council":
                # The council's administrator may open the read-only admin (ADR 0045).
                user.is_staff = True
                user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
        # The council's case system, which may post to the feed API (ADR 0083); no token is
        # issued: the administrator issues one on the API tokens page when a system connects.
        api_client_create(
            actor=User.objects.get(username="admin"),
            agency=agencies["council"],
            name="Demo case system",
        )
        return agencies, teams

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for username, _first, _last, role, agency_code, _ in USERS:
            self.stdout.write(f"  {username:<12} {Role(role).label} ({agency_code})")
