"""Staff administration pages: administrators only (403 for others), their own agency's accounts
only (404 for others'), error summaries, audited reads, bounded queries; and in a real browser:
create, change and deactivate an account, axe clean, usable at 375 px."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Agency, User
from cases.roles import Role
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def council_admin(make_user):
    return make_user(Role.ADMINISTRATOR)


@pytest.fixture
def police_admin(make_user, police):
    return make_user(Role.ADMINISTRATOR, agency=police)


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.IRO, Role.SOCIAL_WORKER, Role.TRANSITION_WORKER, Role.PARTNER]
)
def test_staff_pages_answer_403_to_other_roles(client, make_user, police, role):
    client.force_login(make_user(role, agency=police if role == Role.PARTNER else None))
    target = make_user(Role.IRO)
    for url in (
        reverse("staff:list"),
        reverse("staff:create"),
        reverse("staff:edit", args=[target.pk]),
        reverse("staff:deactivate", args=[target.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("staff:reactivate", args=[target.pk])).status_code == 403


def test_agency_administrator_lists_only_their_agency_and_gets_404_for_others(
    client, police_admin, police, make_user
):
    officer = make_user(Role.PARTNER, agency=police, first_name="Officer")
    manager = make_user(Role.MANAGER, first_name="Councilmanager")
    client.force_login(police_admin)
    body = client.get(reverse("staff:list")).content.decode()
    assert officer.username in body
    assert manager.username not in body
    assert client.get(reverse("staff:edit", args=[manager.pk])).status_code == 404
    missing = client.get(reverse("staff:edit", args=[987654]))
    assert missing.status_code == 404


def test_council_administrator_creates_an_account_with_errors_shown_first(
    client, council_admin, council, team
):
    client.force_login(council_admin)
    bad = client.post(
        reverse("staff:create"),
        {"username": "", "role": Role.PARTNER, "agency": council.pk, "password1": "a"},
    )
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "There is a problem" in text
    assert "Enter a username." in text
    assert "The two passwords do not match." in text
    good = client.post(
        reverse("staff:create"),
        {
            "username": "j.okoye",
            "first_name": "Jess",
            "last_name": "Okoye",
            "role": Role.SOCIAL_WORKER,
            "agency": council.pk,
            "teams": [team.pk],
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    user = User.objects.get(username="j.okoye")
    assert good.status_code == 302
    assert good["Location"] == reverse("staff:edit", args=[user.pk])
    assert user.check_password("a-long-enough-passphrase")
    # The service's role/agency rule reaches the form as a field error.
    refused = client.post(
        reverse("staff:create"),
        {"username": "p.user", "role": Role.PARTNER, "agency": council.pk},
    )
    assert "A partner agency user must belong to a partner agency." in refused.content.decode()


def test_own_role_is_shown_but_cannot_be_changed_on_the_page(client, council_admin, council):
    client.force_login(council_admin)
    url = reverse("staff:edit", args=[council_admin.pk])
    page = client.get(url).content.decode()
    assert "You cannot change your own role or agency." in page
    assert "Deactivate account" not in page
    client.post(
        url,
        {"first_name": "Alex", "role": Role.MANAGER, "agency": council.pk},
    )
    council_admin.refresh_from_db()
    assert council_admin.role == Role.ADMINISTRATOR  # a disabled field ignores what is posted
    assert client.get(reverse("staff:deactivate", args=[council_admin.pk])).status_code == 403


def test_edit_page_changes_the_role_and_the_audit_names_old_and_new(
    client, council_admin, make_user, council
):
    worker = make_user(Role.TRANSITION_WORKER)
    client.force_login(council_admin)
    url = reverse("staff:edit", args=[worker.pk])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="user.view", target_id=str(worker.pk)).exists()
    response = client.post(
        url,
        {
            "first_name": "Sam",
            "last_name": worker.last_name,
            "role": Role.IRO,
            "agency": council.pk,
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.role_change")
    assert (event.details["old"], event.details["new"]) == ("transition_worker", "iro")


def test_deactivate_page_needs_a_reason_then_signs_the_user_out(client, council_admin, make_user):
    worker = make_user(Role.TRANSITION_WORKER)
    url = reverse("staff:deactivate", args=[worker.pk])
    client.force_login(council_admin)
    assert (
        "Enter why the account is deactivated." in client.post(url, {"reason": ""}).content.decode()
    )
    assert client.post(url, {"reason": "Left"}).status_code == 302
    worker.refresh_from_db()
    assert not worker.is_active
    response = client.post(reverse("staff:reactivate", args=[worker.pk]))
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.is_active


def test_staff_list_filters_and_bounds_its_queries(
    client, council_admin, make_user, police, django_assert_max_num_queries
):
    for _ in range(20):
        make_user(Role.PARTNER, agency=police)
    make_user(Role.IRO, is_active=False)
    client.force_login(council_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:list"), {"role": Role.PARTNER})
    assert response.status_code == 200
    assert "20 accounts" in response.content.decode()
    deactivated = client.get(reverse("staff:list"), {"status": "deactivated"}).content.decode()
    assert "1 account" in deactivated
    assert AuditEvent.objects.filter(action="user.list").count() >= 21
    assert client.get(reverse("staff:list"), {"q": "x" * 500}).status_code == 400


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_administrator_creates_and_deactivates_an_account_in_a_browser(
    page, sign_in, axe, make_user, police
):
    admin = make_user(Role.ADMINISTRATOR, agency=police)
    AgencyFactory(kind=Agency.Kind.HEALTH)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, admin)
    page.get_by_role("link", name="Staff accounts").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Staff accounts"
    assert axe(page) == []
    page.get_by_role("link", name="Create an account").click()
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe(page) == []
    page.get_by_label("Username").fill("pc.new")
    page.get_by_label("First name").fill("Pat")
    page.get_by_label("Last name").fill("New")
    page.get_by_label("Role").select_option(Role.PARTNER)
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Pat New"
    # The agency is theirs only: no other agency can be chosen.
    assert page.get_by_label("Agency").locator("option").count() == 1
    assert axe(page) == []
    page.get_by_role("link", name="Deactivate account").click()
    page.get_by_label("Why is the account being deactivated?").fill("Moved to another force")
    page.get_by_role("button", name="Deactivate account").click()
    assert "Deactivated" in page.get_by_role("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not User.objects.get(username="pc.new").is_active
