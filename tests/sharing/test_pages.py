"""Browser pages for sharing agreements and API tokens (Django test client), and the token page
in a real browser (Playwright + axe)."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.roles import Role
from sharing import services
from sharing.models import ApiToken, SharingAgreement
from tests.factories import FamilyFactory

TODAY = timezone.localdate


@pytest.mark.django_db
def test_a_manager_records_and_ends_an_agreement(client, manager, police, household):
    client.force_login(manager)
    page = client.get("/sharing/new/")
    assert page.status_code == 200
    response = client.post(
        "/sharing/new/",
        {
            "family_reference": "SHARED-1",
            "agency": police.pk,
            "purpose": "Operation Encompass notifications",
            "lawful_basis": "public_task",
            "scopes": ["incidents", "plans"],
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() + dt.timedelta(days=90)).isoformat(),
        },
    )
    assert response.status_code == 302
    agreement = SharingAgreement.objects.get()
    assert agreement.scopes == ["incidents", "plans"]
    assert agreement.granted_by == manager
    listing = client.get("/sharing/").content.decode()
    assert "SHARED-1" in listing
    assert "Test Police" in listing
    response = client.post(f"/sharing/{agreement.pk}/end/", {"reason": "Case closed"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.ended_at is not None
    assert agreement.end_reason == "Case closed"


@pytest.mark.django_db
def test_the_form_reports_errors_per_field(client, manager, police):
    client.force_login(manager)
    FamilyFactory(reference="HIDDEN-NOT")
    response = client.post(
        "/sharing/new/",
        {
            "family_reference": "NO-SUCH",
            "agency": police.pk,
            "purpose": "",
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert set(response.context["form"].errors) == {
        "family_reference",
        "purpose",
        "lawful_basis",
        "scopes",
    }
    assert SharingAgreement.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.MANAGER, 200),
        (Role.SOCIAL_WORKER, 200),
        (Role.IRO, 200),
        (Role.TRANSITION_WORKER, 403),
        (Role.ADMINISTRATOR, 403),
    ],
)
def test_who_may_open_the_sharing_pages(client, make_user, role, status):
    client.force_login(make_user(role))
    assert client.get("/sharing/").status_code == status
    assert client.get("/sharing/new/").status_code == status


@pytest.mark.django_db
def test_partners_cannot_open_sharing_or_another_agencys_tokens(client, make_user, police, health):
    client.force_login(make_user(Role.PARTNER, agency=police))
    assert client.get("/sharing/").status_code == 403
    assert client.get("/sharing/tokens/").status_code == 403
    admin = make_user(Role.ADMINISTRATOR, agency=health)
    token_owner = make_user(Role.ADMINISTRATOR, agency=police)
    rms = services.api_client_create(actor=token_owner, agency=police, name="RMS")
    token, _ = services.api_token_create(actor=token_owner, client=rms, name="live")
    client.force_login(admin)
    assert client.get(f"/sharing/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/sharing/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.django_db
def test_list_pages_query_count_is_bounded(
    client, manager, police, share, make_user, django_assert_max_num_queries
):
    for _ in range(30):
        share(police, ["plans"], family=FamilyFactory())
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        assert client.get("/sharing/").status_code == 200
    admin = make_user(Role.ADMINISTRATOR, agency=police)
    for n in range(5):
        rms = services.api_client_create(actor=admin, agency=police, name=f"System {n}")
        for m in range(3):
            services.api_token_create(actor=admin, client=rms, name=f"t{m}")
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        assert client.get("/sharing/tokens/").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_administrator_creates_a_token_shown_once_and_revokes_it(page, axe, sign_in, make_user):
    from tests.factories import AgencyFactory

    police = AgencyFactory(name="Test Police", code="police", kind="police")
    admin = make_user(Role.ADMINISTRATOR, agency=police)
    sign_in(page, admin)
    page.get_by_role("link", name="API tokens").click()
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    assert axe(page) == []

    page.get_by_label("Name of the system").fill("Police records system")
    page.get_by_role("button", name="Add system").click()
    page.get_by_label("System", exact=True).select_option(label="Police records system")
    page.get_by_label("Token name").fill("live")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token-value").inner_text()
    assert secret.startswith("st_")
    assert "Never" in page.get_by_role("table").inner_text()  # last used
    assert axe(page) == []

    token = ApiToken.objects.get()
    assert token.digest != secret
    assert services.api_token_authenticate(secret) == token
    page.reload()
    assert page.locator("#new-token-value").count() == 0  # shown once
    assert secret not in page.content()
    assert "Never" not in page.get_by_role("table").inner_text()  # used just now

    page.get_by_role("link", name="Revoke live").click()
    assert axe(page) == []
    page.get_by_role("button", name="Revoke token").click()
    assert "Revoked" in page.get_by_role("table").inner_text()
    assert services.api_token_authenticate(secret) is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agreement_form_is_accessible_with_errors(page, axe, sign_in, make_user):
    sign_in(page, make_user(Role.MANAGER))
    page.get_by_role("link", name="Sharing agreements").click()
    assert axe(page) == []
    page.get_by_role("link", name="Record a sharing agreement").click()
    assert axe(page) == []
    page.get_by_role("button", name="Record agreement").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert page.title().startswith("Error:")
    assert axe(page) == []


@pytest.mark.django_db
def test_staff_create_a_personal_token_shown_once_and_use_it(client, iro, household, make_user):
    from tests.conftest import bearer

    client.force_login(iro)
    expires = (TODAY() + dt.timedelta(days=10)).isoformat()
    response = client.post("/sharing/my-tokens/", {"name": "reports", "expires_on": expires})
    assert response.status_code == 302
    page = client.get("/sharing/my-tokens/")
    secret = page.context["new_secret"]
    assert secret.startswith("st_")
    assert secret not in client.get("/sharing/my-tokens/").content.decode()
    api = bearer(secret)
    me = api.get("/api/v1/me/").json()
    assert me["username"] == iro.username
    assert me["token"]["name"] == "reports"
    assert household["family"].pk in {
        f["id"] for f in api.get("/api/v1/families/").json()["results"]
    }
    token = ApiToken.objects.get(user=iro)
    assert client.post(f"/sharing/my-tokens/{token.pk}/revoke/").status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    client.force_login(make_user(Role.PARTNER))
    assert client.get("/sharing/my-tokens/").status_code == 403
    assert client.post(f"/sharing/my-tokens/{token.pk}/revoke/").status_code == 404


@pytest.mark.django_db
def test_a_police_notification_shows_on_the_family_page_for_the_allocated_worker(
    client, household, police, make_user, transition_worker
):
    from cases.models import Family
    from cases.services import da_incident_record

    Family.objects.filter(pk=household["family"].pk).update(transition_worker=transition_worker)
    da_incident_record(
        actor=make_user(Role.PARTNER, agency=police),
        family=household["family"],
        occurred_on=TODAY(),
        summary="Officers attended; child present.",
        police_reference="PR-1",
        people_involved=[household["mother"]],
        children_present=[household["child"]],
    )
    client.force_login(transition_worker)
    html = client.get(f"/families/{household['family'].pk}/").content.decode()
    assert "Officers attended; child present." in html
    assert "Police reference PR-1" in html
