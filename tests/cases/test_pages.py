"""Family pages: visibility per role (404 for the unseen), audit of reads, bounded queries."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.roles import Role
from tests.factories import CPPlanFactory, FamilyFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def without_csrf(body: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


@pytest.fixture
def shared_family(team):
    family = FamilyFactory(reference="SHARED-1")
    child = PersonFactory(first_name="Robin")
    MembershipFactory(family=family, person=child)
    CPPlanFactory(episode__child=child)
    services.family_access_grant(actor=None, family=family, group=team.group, reason="caseload")
    return family


def test_family_list_requires_sign_in(client):
    response = client.get(reverse("cases:family_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_social_worker_sees_their_caseload_family(client, social_worker, shared_family):
    client.force_login(social_worker)
    response = client.get(reverse("cases:family_detail", args=[shared_family.pk]))
    assert response.status_code == 200
    assert "Robin" in response.content.decode()


@pytest.mark.parametrize("role", [Role.TRANSITION_WORKER, Role.PARTNER])
def test_roles_without_access_get_404_like_a_missing_family(
    client, make_user, police, role, shared_family
):
    user = make_user(role, agency=police if role == Role.PARTNER else None)
    client.force_login(user)
    unseen = client.get(reverse("cases:family_detail", args=[shared_family.pk]))
    missing = client.get(reverse("cases:family_detail", args=[shared_family.pk + 1000]))
    assert unseen.status_code == missing.status_code == 404
    # Identical but for the per-render CSRF mask in the sign-out form.
    assert without_csrf(unseen.content) == without_csrf(missing.content)


def test_administrators_are_refused_family_pages_whatever_the_id(client, administrator, family):
    """Administrators see no case content: the pages answer 403 (the role never uses them),
    the same for a real id as for a missing one, so it reveals nothing."""
    client.force_login(administrator)
    assert client.get(reverse("cases:family_list")).status_code == 403
    real = client.get(reverse("cases:family_detail", args=[family.pk]))
    missing = client.get(reverse("cases:family_detail", args=[family.pk + 1000]))
    assert real.status_code == missing.status_code == 403
    assert without_csrf(real.content) == without_csrf(missing.content)


def test_viewing_a_family_is_audit_logged_with_where_from(client, manager, shared_family):
    client.force_login(manager)
    client.get(
        reverse("cases:family_detail", args=[shared_family.pk]),
        HTTP_USER_AGENT="pytest-browser",
        REMOTE_ADDR="10.1.2.3",
    )
    event = AuditEvent.objects.get(action="family.view")
    assert event.actor == manager
    assert event.family_id == shared_family.pk
    assert event.channel == "web"
    assert event.ip_address == "10.1.2.3"
    assert event.user_agent == "pytest-browser"


def test_family_list_lists_only_visible_families_and_logs_each(
    client, social_worker, shared_family
):
    FamilyFactory(reference="NOT-MINE")
    client.force_login(social_worker)
    response = client.get(reverse("cases:family_list"))
    body = response.content.decode()
    assert "SHARED-1" in body
    assert "NOT-MINE" not in body
    assert list(
        AuditEvent.objects.filter(action="family.list").values_list("target_id", flat=True)
    ) == [str(shared_family.pk)]


def test_family_list_search_and_empty_state(client, manager, shared_family):
    client.force_login(manager)
    child_id = shared_family.people.get().la_child_id
    assert "SHARED-1" in client.get(reverse("cases:family_list"), {"q": child_id}).content.decode()
    empty = client.get(reverse("cases:family_list"), {"q": "nothing-like-this"}).content.decode()
    assert "No families match" in empty


def test_family_list_paginates(client, manager):
    FamilyFactory.create_batch(30)
    client.force_login(manager)
    first = client.get(reverse("cases:family_list")).content.decode()
    second = client.get(reverse("cases:family_list"), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second


def test_family_list_query_count_does_not_grow_with_rows(
    client, manager, django_assert_max_num_queries
):
    for _ in range(20):
        family = FamilyFactory()
        MembershipFactory(family=family)
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("cases:family_list")).status_code == 200


def test_family_detail_query_count_is_bounded(client, manager, django_assert_max_num_queries):
    family = FamilyFactory()
    for _ in range(4):
        child = PersonFactory()
        MembershipFactory(family=family, person=child)
        CPPlanFactory(episode__child=child)
    client.force_login(manager)
    # 10 for the record itself, 6 for its child protection journey section (protection app).
    with django_assert_max_num_queries(16):
        assert client.get(reverse("cases:family_detail", args=[family.pk])).status_code == 200


def test_repeated_failed_sign_ins_lock_the_account(client, manager, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": manager.username, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": manager.username, "password": "correct-horse-battery"}
    )
    assert "Your account is locked" in response.content.decode()
