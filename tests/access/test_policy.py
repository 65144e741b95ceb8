"""The access policy itself (cases/access.py, ADR 0040): the registry, what each kind of user
holds, section-aware rows, and every surface that asks it (list page, home, cohort panel, cohort
API, family API)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import access
from cases.models import CPPlan, DAIncident, Family, Person
from cases.roles import COUNCIL_CASE_ROLES, Role
from cases.services import da_incident_record
from cohort.models import CohortFlag
from cohort.services import cohort_run_execute
from sharing.services import api_client_create, sharing_agreement_end
from tests.cohort.conftest import build_case

pytestmark = pytest.mark.django_db


def test_the_registry_refuses_duplicates_and_unknown_codes():
    with pytest.raises(ValueError, match="already registered"):
        access.register(access.Section("plans", "Again", "Twice"))
    with pytest.raises(KeyError):
        access.get("no_such_section")
    with pytest.raises(KeyError):
        access.NO_ACCESS.sees("no_such_section")
    assert {"plans", "incidents", "cohort", "confidential_address"} <= access.shareable_codes()


@pytest.mark.parametrize("role", sorted(COUNCIL_CASE_ROLES))
def test_council_roles_hold_every_section_by_role(make_user, role, family):
    user = make_user(role)
    held = access.family_access(user=user, family_ids=[family.pk])[family.pk]
    assert held.sections == frozenset(s.code for s in access.all_sections())
    assert held.shares == ()
    assert not held.by_agreement


def test_administrators_and_anonymous_hold_nothing(administrator, family):
    from django.contrib.auth.models import AnonymousUser

    for user in (administrator, AnonymousUser()):
        assert access.family_access(user=user, family_ids=[family.pk])[family.pk] == (
            access.NO_ACCESS
        )
        assert not Family.objects.visible_to(user).exists()


def test_a_partner_holds_the_union_of_agreements_in_force_and_no_more(
    partner_user, police, share, household, manager
):
    family = household["family"]
    first = share(police, ["plans"], family=family, days=10)
    share(police, ["incidents"], family=family, days=40)
    held = access.family_access(user=partner_user, family_ids=[family.pk])[family.pk]
    assert held.sections == {"plans", "incidents"}
    assert held.by_agreement
    assert [s.agreement_id for s in held.shares][-1] == first.pk
    assert held.until == timezone.localdate() + dt.timedelta(days=40)
    assert held.shares[0].purpose == "Safeguarding: DA transition support"
    assert held.shares[0].lawful_basis.startswith("UK GDPR Article 6(1)(e)")
    sharing_agreement_end(actor=manager, agreement=first, reason="Plan ended")
    held = access.family_access(user=partner_user, family_ids=[family.pk])[family.pk]
    assert held.sections == {"incidents"}


def test_an_agreement_that_has_not_started_gives_nothing_yet(
    partner_user, police, share, household
):
    family = household["family"]
    share(police, ["plans"], family=family, starts_on=timezone.localdate() + dt.timedelta(days=3))
    assert not Family.objects.visible_to(partner_user).exists()
    assert access.family_access(user=partner_user, family_ids=[family.pk])[family.pk].sections == (
        frozenset()
    )


def test_without_the_sharing_provider_partners_see_nothing(partner_user, police, share, household):
    share(police, ["plans"], family=household["family"])
    installed = access.share_provider()
    try:
        access.set_share_provider(access._NoShares())
        assert not Family.objects.visible_to(partner_user).exists()
        assert not CPPlan.objects.visible_to(partner_user).exists()
    finally:
        access.set_share_provider(installed)
    assert Family.objects.visible_to(partner_user).exists()


def test_section_records_follow_the_section(partner_user, police, share, household):
    family = household["family"]
    da_incident_record(
        actor=partner_user,
        family=family,
        occurred_on=timezone.localdate(),
        summary="Call-out.",
        people_involved=[household["mother"]],
    )
    share(police, ["cohort"], family=family)
    assert Family.objects.visible_to(partner_user).count() == 1
    assert not CPPlan.objects.visible_to(partner_user).exists()
    assert not DAIncident.objects.visible_to(partner_user).exists()
    share(police, ["plans", "incidents"], family=family)
    assert CPPlan.objects.visible_to(partner_user).get() == household["plan"]
    assert DAIncident.objects.visible_to(partner_user).count() == 1


def test_a_person_level_share_gives_the_persons_sections_not_their_family(
    partner_user, police, share, household
):
    child = household["child"]
    share(police, ["plans"], person=child)
    assert not Family.objects.visible_to(partner_user).exists()
    held = access.person_access(user=partner_user, person_ids=[child.pk])[child.pk]
    assert held.sections == {"plans"}
    assert held.shares[0].subject == "person"
    assert CPPlan.objects.visible_to(partner_user).get() == household["plan"]


def test_narrow_applies_any_registered_section(partner_user, police, share, household):
    family = household["family"]
    share(police, ["risk_reviews"], family=family)
    visible = Family.objects.visible_to(partner_user)
    assert access.narrow(visible, user=partner_user, section="risk_reviews", family_path="pk")
    assert not access.narrow(visible, user=partner_user, section="referrals", family_path="pk")


def test_confidential_address_keys(partner_user):
    held = access.Access(sections=frozenset({"plans"}), by_agreement=True)
    assert {"address", "postcode", "address_confidential"}.isdisjoint(
        held.family_keys(address_confidential=True)
    )
    assert {"address", "postcode"} <= held.family_keys(address_confidential=False)
    full = access.Access(sections=frozenset({"plans", "confidential_address"}))
    assert {"address", "postcode", "address_confidential"} <= full.family_keys(
        address_confidential=True
    )


# --- Every surface asks it ----------------------------------------------------------------------
def test_family_list_and_home_show_no_plan_status_without_the_plans_section(
    client, partner_user, police, share, household
):
    share(police, ["incidents"], family=household["family"])
    client.force_login(partner_user)
    listing = client.get(reverse("cases:family_list")).content.decode()
    assert "SHARED-1" in listing
    assert "Open plan" not in listing
    assert "None open" not in listing
    assert "Not shared" in listing
    home = client.get(reverse("home"))
    assert home.context["open_plans_count"] == 0
    share(police, ["plans"], family=household["family"])
    assert "Open plan" in client.get(reverse("cases:family_list")).content.decode()
    assert client.get(reverse("home")).context["open_plans_count"] == 1


def test_family_list_search_is_bounded_and_clear_about_bad_input(client, manager):
    client.force_login(manager)
    too_long = client.get(reverse("cases:family_list"), {"q": "x" * 101})
    assert too_long.status_code == 400
    assert "Search for at most 100 characters." in too_long.content.decode()
    assert client.get(reverse("cases:family_list"), {"page": "x"}).status_code == 400
    assert client.get(reverse("cases:family_list"), {"q": "FAM", "page": 99}).status_code == 200


@pytest.fixture
def flagged(household):
    """The household's family flagged into the cohort (a second qualifying child)."""
    build_case(family=household["family"])
    cohort_run_execute(actor=None, as_of=dt.date(2024, 6, 30))
    return CohortFlag.objects.get(family=household["family"])


def test_cohort_panel_on_the_family_page_follows_the_cohort_section(
    client, partner_user, police, share, household, flagged, iro
):
    url = reverse("cases:family_detail", args=[household["family"].pk])
    client.force_login(iro)
    council = client.get(url).content.decode()
    assert 'data-testid="cohort-panel"' in council
    assert reverse("cohort:flag_detail", args=[flagged.pk]) in council
    client.force_login(partner_user)
    share(police, ["plans"], family=household["family"])
    assert 'data-testid="cohort-panel"' not in client.get(url).content.decode()
    share(police, ["cohort"], family=household["family"])
    shown = client.get(url).content.decode()
    assert 'data-testid="cohort-panel"' in shown
    assert reverse("cohort:flag_detail", args=[flagged.pk]) not in shown  # no cohort pages


def test_cohort_api_sends_the_why_only_with_the_plans_section(
    partner_user, police, share, household, flagged, agency_token, as_token
):
    share(police, ["cohort"], family=household["family"])
    client = as_token(agency_token(police)[0])
    child = client.get(f"/api/v1/cohort/flags/{flagged.pk}/").json()["children"][0]
    assert set(child) == {"child", "la_child_id"}
    share(police, ["plans"], family=household["family"])
    child = client.get(f"/api/v1/cohort/flags/{flagged.pk}/").json()["children"][0]
    assert {"plan_start", "previous_plan_end", "step_down_date"} <= set(child)


def test_a_health_token_with_a_cohort_only_share_gets_no_plans_anywhere(
    health, share, household, flagged, agency_token, as_token
):
    share(health, ["cohort"], family=household["family"])
    client = as_token(agency_token(health)[0])
    family = client.get(f"/api/v1/families/{household['family'].pk}/").json()
    assert "cp_plans" not in family
    assert family["shared_scopes"] == ["cohort"]
    assert client.get("/api/v1/plans/").json()["results"] == []
    person = client.get(f"/api/v1/people/{household['child'].pk}/").json()
    assert "cp_plans" not in person
    assert client.get(f"/api/v1/cohort/flags/{flagged.pk}/").status_code == 200


# --- Issue 13's parts under the policy ----------------------------------------------------------
def test_the_council_case_system_account_sees_no_case_content(make_user, council, household):
    """Role system (the council case system's service account, ADR 0083) posts to the feed; the
    policy gives it no rows and no sections, like an administrator."""
    admin = make_user(Role.ADMINISTRATOR)
    system = api_client_create(actor=admin, agency=council, name="Case system").user
    assert system.role == Role.SYSTEM
    assert not access.can_see_cases(system)
    family = household["family"]
    assert access.family_access(user=system, family_ids=[family.pk])[family.pk] == (
        access.NO_ACCESS
    )
    for model in (Family, Person, CPPlan, DAIncident, CohortFlag):
        assert not model.objects.visible_to(system).exists(), model


def test_the_journey_panel_is_council_content_no_agreement_can_share(
    client, partner_user, police, share, household, iro, manager
):
    """Issue 13's journey and timescales section is a family-page panel registered with the
    policy under `cp_journey`, a section council roles hold and no agreement can cover."""
    journey = access.get("cp_journey")
    assert not journey.shareable
    assert "cp_journey" not in access.shareable_codes()
    assert "cp_journey" not in dict(access.choices())
    family = household["family"]
    with pytest.raises(ValidationError, match="Unknown scope"):
        share(police, ["plans", "cp_journey"], family=family)
    url = reverse("cases:family_detail", args=[family.pk])
    client.force_login(iro)
    council_page = client.get(url).content.decode()
    assert 'id="journey"' in council_page
    assert f'data-testid="timescales-{household["child"].pk}"' in council_page
    share(police, sorted(access.shareable_codes()), family=family)
    client.force_login(partner_user)
    partner_page = client.get(url)
    assert partner_page.status_code == 200
    assert "cp_journey" not in partner_page.context["record"].access.sections
    assert 'id="journey"' not in partner_page.content.decode()
    assert "Statutory timescales" not in partner_page.content.decode()
