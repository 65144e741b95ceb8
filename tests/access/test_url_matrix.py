"""Every URL pattern x every role, anonymous included (issue 9 acceptance).

For each pattern the resolver knows, a GET by each role answers the status this table expects
(200, 302 to sign in, 403 for a page the role never uses, 404 for a record it may not see, 401 for
the API without credentials, 405 for a POST-only address), and for partner agency users,
administrators and the council case system's account no 200 body contains a value withheld from
them: a confidential address, plans and incidents outside their agreement's scopes, the child
protection journey (council staff only), another family altogether; for administrators and the
system account, any case content. A new URL without a row here fails
`test_every_url_pattern_has_a_row`.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import FamilyMembership, Person
from cases.roles import Role
from cases.services import da_incident_record, family_access_grant
from census.models import CensusHeldBack, CensusImport
from cohort.models import CohortFlag, CohortRun
from cohort.services import cohort_dispute_raise, cohort_run_execute
from reporting.services import comparator_figure_save, figures_build
from sharing.services import api_client_create
from tests.cohort.conftest import build_case
from tests.factories import (
    CPPlanFactory,
    EpisodeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "transition_worker",
    "social_worker",
    "iro",
    "manager",
    "police",
    "health",
    "council_admin",
    "police_admin",
    "system",
]
PARTNERS = {"police", "health"}
ADMINS = {"council_admin", "police_admin"}
#: The council case system's service account (issue 13): posts to the feed with its token, sees
#: no case content anywhere (a session is shown here only to prove the pages refuse it).
SYSTEM = {"system"}
COUNCIL = {"transition_worker", "social_worker", "iro", "manager"}
SIGNED_IN = set(ROLES) - {"anonymous"}

REFUGE_ADDRESS = "Flat 3, 27 Sanctuary Row, Upper Ashby"
REFUGE_POSTCODE = "ZX9 8QW"
PLAN_START = dt.date(2022, 11, 14)
INCIDENT_SUMMARY = "Officers attended; shouting heard from the hallway."
OTHER_REFERENCE = "UNSHARED-9"
OTHER_CHILD_ID = "Z9988776"
STAFF_NAME = "Persephone"  # the household's transition worker: never named to partners


def walk(resolver=None, prefix="", namespace=""):
    """(route, name) of every URL pattern, namespaced."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or '?'}"


@pytest.fixture
def world(council, police, health, team, manager, make_user, share, agency_token, staff_token):
    # The shared household: a refuge address, a child on a CP plan, a mother; in the cohort.
    family = FamilyFactory(
        reference="SHARED-1",
        address=REFUGE_ADDRESS,
        postcode=REFUGE_POSTCODE,
        address_confidential=True,
        transition_worker=make_user(Role.TRANSITION_WORKER, first_name=STAFF_NAME),
    )
    child = PersonFactory(first_name="Zebedee", last_name="Quintrell")
    mother = PersonFactory(
        kind=Person.Kind.ADULT, first_name="Marigold", last_name="Quintrell", la_child_id=None
    )
    MembershipFactory(family=family, person=child)
    MembershipFactory(
        family=family, person=mother, abuse_role=FamilyMembership.AbuseRole.VICTIM_SURVIVOR
    )
    plan = CPPlanFactory(
        episode=EpisodeFactory(child=child, referral_date=PLAN_START - dt.timedelta(days=20)),
        start_date=PLAN_START,
        initial_category="PHY",
        latest_category="PHY",
    )
    build_case(family=family)  # a second child who qualifies for the cohort
    family_access_grant(actor=None, family=family, group=team.group, reason="caseload")
    police_share = share(police, ["plans", "incidents", "cohort"], family=family)
    share(health, ["cohort"], family=family)
    police_officer = make_user(Role.PARTNER, agency=police)
    incident = da_incident_record(
        actor=police_officer,
        family=family,
        occurred_on=timezone.localdate() - dt.timedelta(days=2),
        summary=INCIDENT_SUMMARY,
        police_reference="PR-55501",
        people_involved=[mother],
        children_present=[child],
    )
    # Another family, shared with no one, known to the IRO (it has a plan).
    other = FamilyFactory(reference=OTHER_REFERENCE)
    other_child = PersonFactory(la_child_id=OTHER_CHILD_ID, first_name="Ottoline")
    MembershipFactory(family=other, person=other_child)
    CPPlanFactory(episode=EpisodeFactory(child=other_child))
    cohort_run_execute(actor=None, as_of=dt.date(2024, 6, 30))
    flag = CohortFlag.objects.get(family=family)
    iro = make_user(Role.IRO)
    dispute = cohort_dispute_raise(actor=iro, flag=flag, note="Check the DA evidence.")
    job = CensusImport.objects.create(created_by=manager, status=CensusImport.Status.PROBLEMS)
    job.issues.create(
        file_name="2024.xml",
        la_child_id=child.la_child_id,
        element="CPPstartDate",
        rule="8840",
        severity="error",
        message="A plan cannot start and end on the same day.",
    )
    held = CensusHeldBack.objects.create(
        census_import=job,
        file_name="2024.xml",
        reference_date=dt.date(2024, 3, 31),
        la_child_id=child.la_child_id,
        element="ChildProtectionPlans",
        rule="8840",
        message="A plan cannot start and end on the same day.",
        values={"CPPstartDate": "2024-01-10", "CPPendDate": "2024-01-10"},
    )
    council_admin = make_user(Role.ADMINISTRATOR, is_staff=True)
    case_system = api_client_create(actor=council_admin, agency=council, name="Case system").user
    figures_build(actor=None)
    comparator = comparator_figure_save(
        actor=manager,
        measure="replan_rate",
        source="neighbours",
        year="2023-24",
        value=Decimal("21.5"),
    )
    police_admin = make_user(Role.ADMINISTRATOR, agency=police)
    _, client_token = agency_token(police)
    _, personal = staff_token(manager)
    staff_target = make_user(Role.TRANSITION_WORKER, first_name="Target")
    AccessAttempt.objects.create(username="someone", ip_address="10.0.0.1", failures_since_start=1)
    AccessLog.objects.create(username="someone", ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="someone", ip_address="10.0.0.1")
    users = {
        "transition_worker": make_user(Role.TRANSITION_WORKER),
        "social_worker": make_user(Role.SOCIAL_WORKER, teams=[team]),
        "iro": iro,
        "manager": manager,
        "police": police_officer,
        "health": make_user(Role.PARTNER, agency=health),
        "council_admin": council_admin,
        "police_admin": police_admin,
        "system": case_system,
    }
    ids = {
        "family": family.pk,
        "person": child.pk,
        "plan": plan.pk,
        "incident": incident.pk,
        "flag": flag.pk,
        "dispute": dispute.pk,
        "run": CohortRun.objects.get().pk,
        "job": job.pk,
        "held": held.pk,
        "comparator": comparator.pk,
        # Report downloads are named by table and format.
        "table": "re-plans",
        "all_tables": "dashboard",
        "outcome": "outcome",
        "csv": "csv",
        "xlsx": "xlsx",
        "agreement": police_share.pk,
        "client_token": client_token.pk,
        "personal_token": personal.pk,
        "staff": staff_target.pk,
        "agency": police.pk,
        "team": team.pk,
        "group": Group.objects.get(name=team.group.name).pk,
        "apiclient": client_token.client_id,
        "auditevent": AuditEvent.objects.order_by("id").first().pk,
        "accessattempt": AccessAttempt.objects.get().pk,
        "accesslog": AccessLog.objects.get().pk,
        "accessfailurelog": AccessFailureLog.objects.get().pk,
    }
    return {"users": users, "ids": ids}


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, anonymous=302, **overrides):
    return {**everyone(status), "anonymous": anonymous, **overrides}


def only(allowed, status=200, others=403, anonymous=302, **overrides):
    table = {role: (status if role in allowed else others) for role in ROLES}
    return {**table, "anonymous": anonymous, **overrides}


def api(status=200, **overrides):
    return {**everyone(status), "anonymous": 401, **overrides}


COUNCIL_SEES_SHARED = {"social_worker", "iro", "manager"}  # not the unallocated worker
SHARED_DETAIL = only(
    COUNCIL_SEES_SHARED | PARTNERS, others=403, transition_worker=404, anonymous=302
)
API_SHARED = api(404, **dict.fromkeys(COUNCIL_SEES_SHARED | PARTNERS, 200))
API_POLICE_ONLY = api(404, **dict.fromkeys(COUNCIL_SEES_SHARED | {"police"}, 200))
COHORT_PAGES = {"transition_worker", "social_worker", "iro", "manager"}
FLAG_ACTION_REFUSED = only(set(), others=403, transition_worker=404)
SHARING_ROLES = {"social_worker", "iro", "manager"}
# The child protection journey (protection app): each recording page is for the roles that
# record it (403 for any other, before the family is looked up); the lists of timescales for
# IROs, social workers and managers.
RECORDS_ENQUIRIES = {"social_worker"}
RECORDS_CONFERENCES = {"social_worker", "iro"}
TIMESCALE_LISTS = {"iro", "social_worker", "manager"}
# Managers' reports: 403 for everyone else; a malformed drill-down link is a 400.
MANAGER = {"manager"}
PERIOD = "from=2022-04-01&to=2023-03-31"

# (route, name) -> {role: status}; `{id}` placeholders are filled from the world's ids.
EXPECTED = {
    "": signed_in(200),
    "healthz": everyone(200),
    "healthz/live": everyone(200),
    "sign-in/": signed_in(302, anonymous=200),
    "sign-out/": everyone(405),
    "families/": only(COUNCIL | PARTNERS),
    "families/{family}/": SHARED_DETAIL,
    "cohort/": only(COHORT_PAGES),
    "cohort/export.csv": only({"iro", "manager"}),
    "cohort/flags/{flag}/": only(COUNCIL_SEES_SHARED, transition_worker=404),
    "cohort/flags/{flag}/accept/": {**FLAG_ACTION_REFUSED, "iro": 200},
    "cohort/flags/{flag}/decline/": {**FLAG_ACTION_REFUSED, "iro": 200},
    "cohort/flags/{flag}/allocate/": FLAG_ACTION_REFUSED,
    "cohort/flags/{flag}/reallocate/": FLAG_ACTION_REFUSED,
    "cohort/flags/{flag}/activate/": FLAG_ACTION_REFUSED,
    "cohort/flags/{flag}/close/": FLAG_ACTION_REFUSED,
    "cohort/flags/{flag}/challenge/": {**FLAG_ACTION_REFUSED, "iro": 200},
    "cohort/challenges/{dispute}/answer/": only({"manager"}),
    "cohort/runs/": only({"iro", "manager"}),
    "cohort/runs/{run}/": only({"iro", "manager"}),
    "census/": only({"manager"}),
    "census/imports/{job}/": only({"manager"}),
    "census/imports/{job}/status.json": only({"manager"}),
    "census/imports/{job}/report.csv": only({"manager"}),
    "census/imports/{job}/retry/": everyone(405),
    "census/data-quality/": only({"manager"}),
    "census/data-quality/?status=all": only({"manager"}),
    "census/data-quality/{held}/": only({"manager"}),
    "families/{family}/section-47/": only(RECORDS_ENQUIRIES),
    "families/{family}/initial-conference/": only(RECORDS_CONFERENCES),
    "families/{family}/review-conference/": only(RECORDS_CONFERENCES),
    "families/{family}/core-group/": only(RECORDS_ENQUIRIES),
    "families/{family}/plans/{plan}/end/": only(RECORDS_CONFERENCES),
    "conferences/upcoming/": only(TIMESCALE_LISTS),
    "timescales/": only(TIMESCALE_LISTS),
    "reports/": only(MANAGER),
    "reports/download/{table}.{csv}": only(MANAGER),
    "reports/download/{all_tables}.{xlsx}": only(MANAGER),
    "reports/scrutiny-pack.pdf": only(MANAGER),
    "reports/refresh/": everyone(405),
    "reports/plans/": only(MANAGER, status=400),
    f"reports/plans/?list=started&{PERIOD}": only(MANAGER),
    f"reports/plans/?list=started&{PERIOD}&format=csv": only(MANAGER),
    "reports/families/": only(MANAGER, status=400),
    "reports/families/?group=cohort": only(MANAGER),
    "reports/outcomes/": only(MANAGER),
    "reports/outcomes/download/{outcome}.{xlsx}": only(MANAGER),
    "reports/comparators/": only(MANAGER),
    "reports/comparators/{comparator}/remove/": everyone(405),
    "sharing/": only(SHARING_ROLES),
    "sharing/new/": only(SHARING_ROLES),
    "sharing/{agreement}/end/": only(SHARING_ROLES),
    # Each agency's administrator: a partner agency's systems, or the council's own case system
    # that posts to the feed (issue 13); another agency's token is a record they may not see.
    "sharing/tokens/": only(ADMINS),
    "sharing/tokens/{client_token}/revoke/": only({"police_admin"}, council_admin=404),
    "sharing/my-tokens/": only(COUNCIL),
    "sharing/my-tokens/{personal_token}/revoke/": signed_in(405),
    "staff/": only(ADMINS),
    "staff/new/": only(ADMINS),
    "staff/{staff}/": only(ADMINS, police_admin=404),
    "staff/{staff}/deactivate/": only(ADMINS, police_admin=404),
    "staff/{staff}/reactivate/": only(ADMINS, status=405),
    "api/v1/schema/": everyone(200),
    "api/v1/docs/": everyone(200),
    "api/v1/me/": api(),
    "api/v1/families/": api(),
    "api/v1/families.json": api(),
    "api/v1/families/{family}/": API_SHARED,
    "api/v1/families/{family}.json": API_SHARED,
    "api/v1/people/": api(),
    "api/v1/people.json": api(),
    "api/v1/people/{person}/": API_SHARED,
    "api/v1/people/{person}.json": API_SHARED,
    "api/v1/plans/": api(),
    "api/v1/plans.json": api(),
    "api/v1/plans/{plan}/": API_POLICE_ONLY,
    "api/v1/plans/{plan}.json": API_POLICE_ONLY,
    "api/v1/incidents/": api(),
    "api/v1/incidents.json": api(),
    "api/v1/incidents/{incident}/": API_POLICE_ONLY,
    "api/v1/incidents/{incident}.json": API_POLICE_ONLY,
    "api/v1/cohort/flags/": api(),
    "api/v1/cohort/flags.json": api(),
    "api/v1/cohort/flags/{flag}/": API_SHARED,
    "api/v1/cohort/flags/{flag}.json": API_SHARED,
    "api/v1/cohort/runs/": api(),
    "api/v1/cohort/runs.json": api(),
    "api/v1/cohort/runs/{run}/": api(404, iro=200, manager=200),
    "api/v1/cohort/runs/{run}.json": api(404, iro=200, manager=200),
    "api/v1/": api(),
    "api/v1/.json": api(),
    "api/v1/reports/replans/": api(403, manager=400),
    f"api/v1/reports/replans/?{PERIOD}": api(403, manager=200),
    # The feed takes the council case system's token only: a session (even the system's own) is
    # refused before the method is considered.
    "api/v1/feed/section47-enquiries/": api(403),
    "api/v1/feed/initial-conferences/": api(403),
    "api/v1/feed/review-conferences/": api(403),
    "api/v1/feed/core-groups/": api(403),
    "api/v1/feed/plan-ends/": api(403),
}

# The read-only admin: only the council's administrator (active, staff, role administrator)
# enters; everyone else is sent to its sign-in page. Inside, nothing can be added, changed or
# deleted (403); lists, records and their history can be read.
ADMIN_MODELS = {
    "auth/group": "group",
    "axes/accessattempt": "accessattempt",
    "axes/accesslog": "accesslog",
    "axes/accessfailurelog": "accessfailurelog",
    "audit/auditevent": "auditevent",
    "cases/user": "staff",
    "cases/agency": "agency",
    "cases/team": "team",
    "sharing/apiclient": "apiclient",
    "sharing/apitoken": "client_token",
}


def admin_page(status):
    return {**everyone(302), "council_admin": status}


EXPECTED.update(
    {
        "admin/": admin_page(200),
        "admin/login/": {**everyone(200), "council_admin": 302},
        # Django's admin sends anyone it does not let in from its logout to its index; an
        # administrator's GET is refused (sign-out is a POST).
        "admin/logout/": {**everyone(302), "council_admin": 405},
        "admin/password_change/": admin_page(200),
        "admin/password_change/done/": admin_page(200),
        "admin/autocomplete/": admin_page(403),
        "admin/jsi18n/": admin_page(200),
        "admin/cases/user/{staff}/password/": admin_page(403),
        "admin/r/{agency}/{agency}/": admin_page(404),
        "admin/cases/": admin_page(200),
        "admin/no-such-page/": admin_page(404),
    }
)
for model, key in ADMIN_MODELS.items():
    EXPECTED.update(
        {
            f"admin/{model}/": admin_page(200),
            f"admin/{model}/add/": admin_page(403),
            f"admin/{model}/{{{key}}}/history/": admin_page(200),
            f"admin/{model}/{{{key}}}/delete/": admin_page(403),
            f"admin/{model}/{{{key}}}/change/": admin_page(200),
            f"admin/{model}/{{{key}}}/": admin_page(302),
        }
    )


def route_key(route):
    """A resolver route written as the EXPECTED keys write it."""
    route = re.sub(r"\$$", "", route.replace("/^", "/")).replace("\\.", ".")
    route = re.sub(r"\(\?P<format>\[a-z0-9\]\+\)/\?", "json", route)
    route = route.replace("<drf_format_suffix:format>", ".json")
    return route


def pattern_is_covered(route, name):
    key = route_key(route)
    if "(?P<app_label>" in key or key == "admin/(?P<url>.*)":
        return True  # exercised by admin/cases/ and admin/no-such-page/
    shape = re.sub(r"<[^>]+>|\(\?P<pk>\[\^/\]\+\)", "{}", key)
    return any(re.sub(r"\{[a-z_]+\}", "{}", expected) == shape for expected in EXPECTED)


def test_every_url_pattern_has_a_row():
    missing = [(route, name) for route, name in walk() if not pattern_is_covered(route, name)]
    assert missing == [], "add these URL patterns to EXPECTED"


def withheld(role, ids):
    """Values that must appear nowhere in a 200 body for this role."""
    address = {REFUGE_ADDRESS, "Sanctuary", "Upper Ashby", REFUGE_POSTCODE, "ZX9"}
    other_family = {OTHER_REFERENCE, OTHER_CHILD_ID, "Ottoline"}
    plans = {
        PLAN_START.isoformat(),
        f"{PLAN_START:%-d %b %Y}",
        f"{PLAN_START:%-d %B %Y}",
        "Physical abuse",
    }
    incidents = {INCIDENT_SUMMARY, "PR-55501"}
    # The child protection journey panel and its timescales: council staff only, whatever an
    # agreement shares (section cp_journey).
    journey = {"Child protection journey", "Statutory timescales for"}
    case_content = {"SHARED-1", "Zebedee", "Quintrell", "Marigold", "Safeguarding: DA"}
    if role == "police":
        return address | other_family | journey | {STAFF_NAME}
    if role == "health":
        return address | other_family | plans | incidents | journey | {STAFF_NAME}
    if role in ADMINS | SYSTEM:
        return address | other_family | plans | incidents | journey | case_content
    return set()


ROWS = sorted(EXPECTED)
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
#: The API's schema and docs describe the API (code lists included, such as category labels);
#: they carry no record, and are the same bytes for every caller (checked below).
DOCUMENTATION = {"api/v1/schema/", "api/v1/docs/"}


@pytest.mark.parametrize("role", ROLES)
def test_url_role_matrix(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    forbidden = withheld(role, world["ids"])
    failures = []
    for row in ROWS:
        url = "/" + row.format(**world["ids"])
        response = client.get(url)
        expected = EXPECTED[row][role]
        if response.status_code != expected:
            failures.append(f"{url}: {response.status_code}, expected {expected}")
            continue
        if response.status_code == 302 and role == "anonymous" and row != "admin/logout/":
            location = response["Location"]
            assert "login" in location or "sign-in" in location, (url, location)
        if response.status_code == 200 and forbidden and row not in DOCUMENTATION:
            # A CSRF token is random text: it can spell "ZX9" by chance and carries no record.
            body = CSRF_TOKEN.sub("", response.content.decode(errors="replace"))
            leaked = sorted(value for value in forbidden if value in body)
            if leaked:
                failures.append(f"{url}: shows {leaked}")
    assert failures == []


def test_the_api_documentation_is_the_same_for_every_caller(world):
    bodies = set()
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world["users"][role])
        bodies.add(client.get("/api/v1/schema/").content)
    assert len(bodies) == 1
