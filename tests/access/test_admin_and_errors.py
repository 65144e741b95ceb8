"""The read-only Django admin (ADR 0045), the GOV.UK error pages and the one 403/404 rule
(ADR 0042), and the partner's family page in a real browser."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from audit.models import AuditEvent
from cases.roles import Role
from tests.factories import CPPlanFactory, FamilyFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def council_admin(make_user):
    return make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


# --- The read-only admin -------------------------------------------------------------------------
def test_nothing_can_be_changed_in_the_admin_even_by_a_superuser(client, council_admin, team):
    client.force_login(council_admin)
    change = reverse("admin:cases_team_change", args=[team.pk])
    assert client.get(change).status_code == 200
    response = client.post(change, {"name": "Renamed", "agency": team.agency_id})
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "Team A"
    assert client.get(reverse("admin:cases_team_add")).status_code == 403
    assert client.post(reverse("admin:cases_team_delete", args=[team.pk])).status_code == 403
    group_change = reverse("admin:auth_group_change", args=[team.group_id])
    assert client.post(group_change, {"name": "role:manager"}).status_code == 403


def test_only_administrators_enter_the_admin(client, make_user):
    manager = make_user(Role.MANAGER, is_staff=True, is_superuser=True)
    client.force_login(manager)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_reads_are_audited_and_audit_details_are_not_shown(client, council_admin, manager):
    AuditEvent.objects.create(
        actor=manager,
        actor_label=manager.username,
        action="cohort_flag.decline",
        details={"reason": "Mother disclosed a new partner at the refuge"},
    )
    client.force_login(council_admin)
    listing = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "cohort_flag.decline" in listing
    event = AuditEvent.objects.get(action="cohort_flag.decline")
    detail = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert "refuge" not in detail.content.decode()
    assert "refuge" not in listing
    assert AuditEvent.objects.filter(action="auditevent.admin_list", actor=council_admin).exists()
    viewed = AuditEvent.objects.get(action="auditevent.admin_view", actor=council_admin)
    assert viewed.target_id == str(event.pk)


def test_case_records_are_not_in_the_admin(client, council_admin):
    client.force_login(council_admin)
    index = client.get(reverse("admin:index")).content.decode()
    for hidden in ("Sharing agreements", "Families", "People", "CP plans", "Cohort flags"):
        assert hidden not in index
    assert client.get("/admin/sharing/sharingagreement/").status_code == 404
    assert client.get("/admin/cases/family/").status_code == 404


# --- Error pages ---------------------------------------------------------------------------------
def test_404_page_has_the_header_navigation_and_a_way_back(client, manager):
    client.force_login(manager)
    response = client.get("/families/987654/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="govuk-header' in body
    assert 'class="govuk-service-navigation' in body
    assert "Page not found" in body
    assert 'href="/"' in body


def test_signed_out_error_pages_still_offer_a_way_back(client):
    body = client.get("/no-such-page/").content.decode()
    assert 'class="govuk-header' in body
    assert 'href="/sign-in/"' in body


def test_500_page_renders_without_a_request_or_the_database():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert 'class="govuk-header' in body
    assert "Sorry, there is a problem with the service" in body
    assert 'href="/"' in body
    assert "<script>" not in body  # no inline scripts (a CSP is coming)


def test_error_pages_have_no_inline_scripts_or_styles(client, manager):
    client.force_login(manager)
    for response in (client.get("/families/987654/"), client.get("/census/imports/1/")):
        body = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", body)
        assert "<style" not in body
        assert ' style="' not in body


def test_a_stale_form_gets_the_govuk_csrf_page(manager):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    response = strict.post(reverse("sharing:agreement_create"), {})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your form could not be sent" in body
    assert 'class="govuk-header' in body


# --- Bounded queries on the pages the policy shapes ------------------------------------------
def test_partner_family_pages_have_bounded_queries(
    client, partner_user, police, share, django_assert_max_num_queries
):
    families = []
    for _ in range(15):
        family = FamilyFactory()
        for _ in range(3):
            child = PersonFactory()
            MembershipFactory(family=family, person=child)
            CPPlanFactory(episode__child=child)
        share(police, ["plans", "incidents", "cohort"], family=family)
        families.append(family)
    client.force_login(partner_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("cases:family_list")).status_code == 200
    with django_assert_max_num_queries(11):
        detail = client.get(reverse("cases:family_detail", args=[families[0].pk]))
    assert detail.status_code == 200


# --- In a real browser -----------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_family_page_in_a_browser(page, axe, sign_in, make_user, police, share, household):
    family = household["family"]
    family.address_confidential = True
    family.save()
    share(police, ["plans"], family=family)
    officer = make_user(Role.PARTNER, agency=police)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, officer)
    page.goto(reverse("cases:family_detail", args=[family.pk]))
    shared = page.get_by_test_id("what-is-shared").inner_text()
    assert "Child protection and child in need plans" in shared
    assert "Safeguarding: DA transition support" in shared
    assert page.get_by_test_id("address").inner_text() == "Not shared with your agency"
    assert "1 High Street" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(page) == []
    page.goto(reverse("staff:list"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "You do not have permission to see this page"
    )
    assert axe(page) == []
