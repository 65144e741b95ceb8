"""Child-process script (see tests/sqlite.py): the demo on SQLite, as `make run` builds it.

Migrates every app, seeds the demo, runs the cohort rule, and prints what a partner sees, so
the test can check that PostgreSQL-only code has a working path on `make run`'s database.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", families=120, stdout=open("/dev/null", "w"))  # noqa: SIM115
call_command("cohort_run", stdout=open("/dev/null", "w"))  # noqa: SIM115

from audit.models import AuditEvent  # noqa: E402
from audit.services import audit_read  # noqa: E402
from cases.models import Family, User  # noqa: E402
from cohort.models import CohortFlag  # noqa: E402
from sharing.models import SharingAgreement  # noqa: E402

police = User.objects.get(username="police")
seen = list(Family.objects.visible_to(police)[:3])
audit_read(actor=police, targets=seen, action="family.api_list", details={"agency": "police"})
events = AuditEvent.objects.filter(action="family.api_list").order_by("id")
print(
    json.dumps(
        {
            "agreements": SharingAgreement.objects.count(),
            "covering_plans": SharingAgreement.objects.covering("plans").count(),
            "covering_referrals": SharingAgreement.objects.covering("referrals").count(),
            "police_families": Family.objects.visible_to(police).count(),
            "police_agreements": SharingAgreement.objects.filter(agency=police.agency).count(),
            "flags": CohortFlag.objects.count(),
            "audit": [
                [e.actor_label, e.family_id == f.pk, e.details, e.occurred_at is not None]
                for e, f in zip(events, seen, strict=True)
            ],
        }
    )
)
