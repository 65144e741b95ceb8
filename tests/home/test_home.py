"""The home page per role: the IRO's linked counts, the social worker's timescales, the rest
unchanged; bounded queries."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.roles import Role
from cohort.services import cohort_run_execute
from protection import services
from protection.services import InitialDecision
from tests.protection.conftest import D

pytestmark = pytest.mark.django_db


def counts(body: str) -> dict[str, tuple[str, str]]:
    """testid -> (the count shown, the link it sits in)."""
    found = {}
    for href, testid, value in re.findall(
        r'<a class="govuk-link[^"]*" href="([^"]+)"><span [^>]*data-testid="([^"]+)">(\d+)</span>',
        body,
    ):
        found[testid] = (value, href.replace("&amp;", "&"))
    return found


@pytest.fixture
def journey(social_worker, iro, siblings):
    """Siblings on plans since 16 Sep 2024 (first review overdue), a pending enquiry for a new
    family, and (through a step-down and the cohort run) one cohort flag to review."""
    services.section47_start(
        actor=social_worker,
        children=siblings.children,
        strategy_discussion_date=D("2024-09-02"),
        referral_date=D("2024-08-30"),
    )
    services.initial_conference_record(
        actor=social_worker,
        held_on=D("2024-09-16"),
        decisions=[
            InitialDecision(child=c, plan=True, category="EMO", da_at_planning=True)
            for c in siblings.children
        ],
    )
    return siblings


def test_iro_home_shows_linked_counts(client, iro, social_worker, journey):
    amelia_plan = journey.children[0].cp_plans.get(end_date__isnull=True)
    services.review_conference_record(
        actor=iro,
        held_on=D("2025-02-10"),
        plans=[amelia_plan],
        decision="step_down",
        planned_cin_start=D("2025-02-10"),
    )
    cohort_run_execute(actor=None, as_of=D("2025-02-11"))
    client.force_login(iro)
    body = client.get(reverse("home")).content.decode()
    shown = counts(body)
    assert shown["flags-to-review"] == ("1", "/cohort/?status=flagged")
    # Noah's first review (due 16 Dec 2024) was never held.
    assert shown["reviews-overdue"] == ("1", "/conferences/upcoming/?show=overdue&kind=review")
    assert shown["icpcs-overdue"][0] == "0"
    assert shown["conferences-due"][1] == "/conferences/upcoming/?show=due"
    assert 'data-testid="families-count"' in body


def test_social_worker_home_lists_the_next_timescales(
    client, social_worker, journey, django_assert_max_num_queries
):
    client.force_login(social_worker)
    with django_assert_max_num_queries(16):
        body = client.get(reverse("home")).content.decode()
    shown = counts(body)
    # For both children together: the first review, the first core group and the assessment of
    # the referral opened with the enquiry (none recorded): three rows of the list it links to.
    assert shown["timescales-overdue"] == ("3", "/timescales/?show=overdue")
    assert 'data-testid="next-timescales"' in body
    # Soonest first: the core groups (30 Sep), the assessments (1 Nov), the reviews (16 Dec).
    table = body[body.index('data-testid="next-timescales"') :]
    assert table.index("First core group meeting") < table.index("Assessment completed")
    assert table.index("Assessment completed") < table.index("First review conference")
    assert table.count("Amelia Smith, Noah Smith") == 3
    assert "See all" not in body
    assert "Amelia Smith" in body


@pytest.mark.parametrize("role", [Role.IRO, Role.MANAGER])
def test_home_query_count_is_fixed(client, make_user, journey, role, django_assert_max_num_queries):
    client.force_login(make_user(role))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("home")).status_code == 200


def test_other_roles_keep_their_home(client, make_user, police):
    client.force_login(make_user(Role.TRANSITION_WORKER))
    body = client.get(reverse("home")).content.decode()
    assert "Families allocated to you" in body
    client.force_login(make_user(Role.ADMINISTRATOR))
    body = client.get(reverse("home")).content.decode()
    assert "Case records are not shown to this role" in body
    assert 'data-testid="families-count"' not in body


def test_dates_in_the_future_stay_due(client, social_worker, siblings):
    today = timezone.localdate()
    strategy = today - dt.timedelta(days=1)
    services.section47_start(
        actor=social_worker,
        children=siblings.children[:1],
        strategy_discussion_date=strategy,
        referral_date=strategy,
    )
    client.force_login(social_worker)
    shown = counts(client.get(reverse("home")).content.decode())
    assert shown["timescales-overdue"][0] == "0"
    assert shown["timescales-due-soon"][0] == "0"  # 15 working days away: not within 10
    body = client.get(reverse("protection:timescale_list")).content.decode()
    assert "Initial child protection conference" in body


def test_administrators_home_links_their_own_work(client, make_user, police):
    """Issue 9's administrator links in issue 13's per-role home: staff accounts for both; the
    council's administrator manages the council case system's feed tokens, an agency's
    administrator its own systems' tokens; only the council's opens the read-only admin."""
    client.force_login(make_user(Role.ADMINISTRATOR, is_staff=True))
    council = client.get(reverse("home")).content.decode()
    assert reverse("staff:list") in council
    assert "The council case system and its feed tokens" in council
    assert reverse("sharing:token_list") in council
    assert reverse("admin:index") in council
    client.force_login(make_user(Role.ADMINISTRATOR, agency=police))
    agency = client.get(reverse("home")).content.decode()
    assert reverse("staff:list") in agency
    assert "Your agency's systems and their tokens" in agency
    assert reverse("admin:index") not in agency


def test_the_case_system_account_home_shows_nothing_to_do(client, make_user):
    client.force_login(make_user(Role.SYSTEM))
    body = client.get(reverse("home")).content.decode()
    assert "council case system's service account" in body
    assert 'data-testid="families-count"' not in body
    assert reverse("cases:family_list") not in body  # no Families link in the navigation
    assert reverse("admin:index") not in body
