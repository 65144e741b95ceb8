"""Child-process script (see tests/sqlite.py): the CP journey and its pages on `make run`'s
SQLite database, with the demo data. Prints what the pages and services produced."""

import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", families=80, stdout=open("/dev/null", "w"))  # noqa: SIM115

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import CPPlan, Family, Person, StepDown, User  # noqa: E402
from protection import services  # noqa: E402
from protection.selectors import pending_timescales  # noqa: E402
from protection.timescales import working_day_on_or_before  # noqa: E402

social = User.objects.get(username="social")
iro = User.objects.get(username="iro")
pages = {}
for user, path in ((iro, "/"), (social, "/"), (iro, "/conferences/upcoming/")):
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    pages[f"{user.username} {path}"] = client.get(path).status_code

# A review conference steps down every open plan in one of the social worker's families.
open_plans = CPPlan.objects.filter(end_date__isnull=True, step_down__isnull=True)
first = open_plans.filter(child__in=Person.objects.visible_to(social)).first()
family = Family.objects.visible_to(social).get(people=first.child)
plans = list(open_plans.filter(child__memberships__family=family))
today = working_day_on_or_before(timezone.localdate())
services.review_conference_record(
    actor=social, held_on=today, plans=plans, decision="step_down", planned_cin_start=today
)
client = Client(HTTP_HOST="localhost")
client.force_login(social)
family_page = client.get(f"/families/{family.pk}/")
print(
    json.dumps(
        {
            "pages": pages,
            "pending": len(pending_timescales(user=iro, today=dt.date.today())),  # noqa: DTZ011
            "stepped_down": StepDown.objects.filter(
                plan__in=plans, source="conference", decided_on=today
            ).count(),
            "plans": len(plans),
            "family_page": family_page.status_code,
            "journey_shown": "Statutory timescales for" in family_page.content.decode(),
        }
    )
)
