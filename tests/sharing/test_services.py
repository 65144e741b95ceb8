"""Sharing agreements become agency grants, end and expire; tokens are hashed, shown once,
expire and are revoked; the nightly task keeps grants in step with agreements in force."""

import datetime as dt
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Family, Person
from cases.roles import Role
from cases.services import family_access_grant
from sharing import services
from sharing.models import ApiToken, SharingAgreement
from sharing.tasks import sharing_grants_sync_nightly

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def visible(user):
    return set(Family.objects.visible_to(user).values_list("reference", flat=True))


@pytest.fixture
def officer(make_user, police):
    return make_user(Role.PARTNER, agency=police)


def test_an_agreement_grants_the_whole_agency_and_is_audited(
    household, police, share, officer, make_user
):
    agreement = share(police, ["plans"], family=household["family"])
    colleague = make_user(Role.PARTNER, agency=police)
    assert visible(officer) == visible(colleague) == {"SHARED-1"}
    event = AuditEvent.objects.get(action="sharing_agreement.create")
    assert event.target_id == str(agreement.pk)
    assert event.family_id == household["family"].pk
    assert event.details["lawful_basis"] == "public_task"
    assert AuditEvent.objects.filter(action="family.access_grant").count() == 1


def test_ending_revokes_unless_another_agreement_covers_it(
    household, police, share, officer, manager
):
    first = share(police, ["plans"], family=household["family"])
    second = share(police, ["incidents"], family=household["family"])
    services.sharing_agreement_end(actor=manager, agreement=first, reason="Purpose met")
    assert visible(officer) == {"SHARED-1"}
    services.sharing_agreement_end(actor=manager, agreement=second, reason="Case closed")
    assert visible(officer) == set()
    with pytest.raises(ValidationError):
        services.sharing_agreement_end(actor=manager, agreement=second, reason="again")


def test_expiry_is_enforced_at_read_time_before_the_nightly_task(household, police, share, officer):
    agreement = share(police, ["plans"], family=household["family"], days=5)
    SharingAgreement.objects.filter(pk=agreement.pk).update(
        starts_on=TODAY() - dt.timedelta(days=30), ends_on=TODAY() - dt.timedelta(days=1)
    )
    # The guardian grant is still there, but the agreement is no longer in force.
    assert visible(officer) == set()
    assert not Person.objects.visible_to(officer).exists()


def test_a_plain_grant_without_an_agreement_still_counts(household, police, officer):
    family_access_grant(actor=None, family=household["family"], group=police.group, reason="x")
    assert visible(officer) == {"SHARED-1"}


def test_nightly_sync_removes_expired_grants_and_grants_started_ones(
    household, police, share, officer, manager
):
    expired = share(police, ["plans"], family=household["family"])
    SharingAgreement.objects.filter(pk=expired.pk).update(
        starts_on=TODAY() - dt.timedelta(days=30), ends_on=TODAY() - dt.timedelta(days=1)
    )
    later = Family.objects.create(reference="LATER")
    share(police, ["plans"], family=later, starts_on=TODAY() + dt.timedelta(days=2))
    assert visible(officer) == set()  # not started: no grant yet

    assert services.sharing_grants_sync(actor=None, on=TODAY()) == {"granted": 0, "revoked": 1}
    assert not police.group.familygroupobjectpermission_set.filter(
        content_object=household["family"]
    ).exists()
    on_start = TODAY() + dt.timedelta(days=2)
    assert sharing_grants_sync_nightly(on=on_start.isoformat()) == {"granted": 1, "revoked": 0}
    assert police.group.familygroupobjectpermission_set.filter(content_object=later).exists()
    # Read time still says "not yet" until the start date really comes.
    assert visible(officer) == set()
    # Idempotent.
    assert services.sharing_grants_sync(actor=None, on=on_start) == {"granted": 0, "revoked": 0}
    assert AuditEvent.objects.filter(action="family.access_revoke", channel="task").count() == 0
    assert (
        AuditEvent.objects.filter(
            action="family.access_revoke", details__reason__icontains="expired"
        ).count()
        == 1
    )


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_runs_on_a_real_worker(celery_worker_redis, police, make_user):
    from tests.factories import FamilyFactory

    manager = make_user(Role.MANAGER)
    officer = make_user(Role.PARTNER, agency=police)
    family = FamilyFactory(reference="EXPIRING")
    agreement = services.sharing_agreement_create(
        actor=manager,
        agency=police,
        family=family,
        purpose="p",
        lawful_basis="public_task",
        scopes=["plans"],
        starts_on=TODAY(),
        ends_on=TODAY(),
    )
    assert visible(officer) == {"EXPIRING"}
    tomorrow = (TODAY() + dt.timedelta(days=1)).isoformat()
    sharing_grants_sync_nightly.delay(on=tomorrow)
    revoked = AuditEvent.objects.filter(
        action="family.access_revoke", channel="task", target_id=str(family.pk)
    )
    deadline = time.monotonic() + 30
    while not revoked.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert revoked.get().details["reason"] == f"sharing agreement {agreement.pk} expired"


def test_person_level_agreement(household, police, share, officer):
    share(police, ["plans"], person=household["child"])
    assert visible(officer) == set()
    assert list(Person.objects.visible_to(officer)) == [household["child"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["everything"]}, "scopes"),
        ({"purpose": " "}, "purpose"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"ends_on": "past"}, "ends_on"),
    ],
)
def test_agreement_validation_is_per_field(household, police, manager, changes, field):
    args = {
        "actor": manager,
        "agency": police,
        "family": household["family"],
        "purpose": "p",
        "lawful_basis": "public_task",
        "scopes": ["plans"],
        "starts_on": TODAY(),
        "ends_on": TODAY() + dt.timedelta(days=1),
    }
    if changes.get("ends_on") == "past":
        changes = {
            "starts_on": TODAY() - dt.timedelta(days=9),
            "ends_on": TODAY() - dt.timedelta(days=1),
        }
    with pytest.raises(ValidationError) as error:
        services.sharing_agreement_create(**{**args, **changes})
    assert set(error.value.message_dict) == {field}


def test_only_case_staff_who_see_the_family_may_share(household, police, make_user, team):
    args = {
        "agency": police,
        "family": household["family"],
        "purpose": "p",
        "lawful_basis": "public_task",
        "scopes": ["plans"],
        "starts_on": TODAY(),
        "ends_on": TODAY(),
    }
    with pytest.raises(PermissionDenied):
        services.sharing_agreement_create(actor=make_user(Role.TRANSITION_WORKER), **args)
    with pytest.raises(ValidationError) as error:
        services.sharing_agreement_create(actor=make_user(Role.SOCIAL_WORKER, teams=[team]), **args)
    assert "family" in error.value.message_dict


def test_tokens_are_hashed_shown_once_and_managed_by_the_agency_administrator(
    police, make_user, health
):
    admin = make_user(Role.ADMINISTRATOR, agency=police)
    client = services.api_client_create(actor=admin, agency=police, name="RMS")
    assert client.user.role == Role.PARTNER
    assert client.user.agency == police
    token, raw = services.api_token_create(actor=admin, client=client, name="live")
    assert raw.startswith("st_")
    assert len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in stored.digest
    assert stored.prefix == raw[:10]
    assert services.api_token_authenticate(raw) == stored
    other_admin = make_user(Role.ADMINISTRATOR, agency=health)
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=other_admin, client=client, name="sneaky")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=other_admin, token=token)
    with pytest.raises(ValidationError) as error:
        services.api_token_create(
            actor=admin, client=client, name="", expires_on=TODAY() + dt.timedelta(days=900)
        )
    assert set(error.value.message_dict) == {"name", "expires_on"}
    services.api_token_revoke(actor=admin, token=token)
    assert services.api_token_authenticate(raw) is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"api_client.create", "api_token.create", "api_token.revoke"} <= actions
