"""The review lifecycle: state checks, roles, who/when/why, audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from cases.roles import Role
from cohort import services
from cohort.models import CohortFlag

from .conftest import build_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag():
    build_case()
    services.cohort_run_execute(actor=None, as_of=dt.date(2024, 6, 30))
    return CohortFlag.objects.get()


def test_full_lifecycle_records_who_when_why(flag, iro, manager, transition_worker):
    services.cohort_flag_accept(actor=iro, flag=flag, note="Clear DA history")
    services.cohort_flag_allocate(
        actor=manager, flag=flag, worker=transition_worker, on=dt.date(2024, 7, 1)
    )
    flag.refresh_from_db()
    assert flag.status == "allocated"
    assert flag.first_review_due == dt.date(2024, 7, 29)
    assert flag.family.transition_worker == transition_worker
    services.cohort_flag_activate(actor=transition_worker, flag=flag)
    services.cohort_flag_close(actor=transition_worker, flag=flag, outcome="completed", note="Done")
    flag.refresh_from_db()
    assert (flag.status, flag.outcome) == ("closed", "completed")
    history = [(e.from_status, e.to_status, e.actor) for e in flag.events.all()]
    assert history == [
        ("", "flagged", None),
        ("flagged", "accepted", iro),
        ("accepted", "allocated", manager),
        ("allocated", "active", transition_worker),
        ("active", "closed", transition_worker),
    ]
    actions = list(
        AuditEvent.objects.filter(family_id=flag.family_id, action__startswith="cohort_flag.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "cohort_flag.create",
        "cohort_flag.accept",
        "cohort_flag.allocate",
        "cohort_flag.activate",
        "cohort_flag.close",
    ]


def test_transitions_check_the_current_state(flag, iro, manager, transition_worker):
    with pytest.raises(ValidationError, match="cannot be allocated"):
        services.cohort_flag_allocate(actor=manager, flag=flag, worker=transition_worker)
    services.cohort_flag_accept(actor=iro, flag=flag)
    with pytest.raises(ValidationError, match="cannot be accepted"):
        services.cohort_flag_accept(actor=iro, flag=flag)
    with pytest.raises(ValidationError, match="cannot be declined"):
        services.cohort_flag_decline(actor=iro, flag=flag, reason="late")
    with pytest.raises(ValidationError, match="cannot be closed"):
        services.cohort_flag_close(actor=manager, flag=flag, outcome="completed")


def test_roles_are_checked(flag, manager, iro, make_user):
    with pytest.raises(PermissionDenied):
        services.cohort_flag_accept(actor=manager, flag=flag)
    services.cohort_flag_accept(actor=iro, flag=flag)
    with pytest.raises(PermissionDenied):
        services.cohort_flag_allocate(
            actor=iro, flag=flag, worker=make_user(Role.TRANSITION_WORKER)
        )
    with pytest.raises(ValidationError, match="transition worker"):
        services.cohort_flag_allocate(actor=manager, flag=flag, worker=iro)
    other_worker = make_user(Role.TRANSITION_WORKER)
    services.cohort_flag_allocate(
        actor=manager, flag=flag, worker=make_user(Role.TRANSITION_WORKER)
    )
    with pytest.raises(PermissionDenied):
        services.cohort_flag_activate(actor=other_worker, flag=flag)


def test_decline_needs_a_reason_and_keeps_it(flag, iro):
    with pytest.raises(ValidationError):
        services.cohort_flag_decline(actor=iro, flag=flag, reason="   ")
    services.cohort_flag_decline(actor=iro, flag=flag, reason="Not DA: recorded in error")
    flag.refresh_from_db()
    assert flag.decline_reason == "Not DA: recorded in error"


def test_the_database_refuses_a_declined_flag_without_a_reason(flag):
    with (
        pytest.raises(IntegrityError, match="cohort_flag_declined_has_reason"),
        transaction.atomic(),
    ):
        CohortFlag.objects.filter(pk=flag.pk).update(status="declined")


def test_disputes_are_raised_by_iros_and_answered_once_by_managers(flag, iro, manager):
    with pytest.raises(PermissionDenied):
        services.cohort_dispute_raise(actor=manager, flag=flag, note="?")
    dispute = services.cohort_dispute_raise(actor=iro, flag=flag, note="Wrong episode")
    flag.refresh_from_db()
    assert flag.status == "flagged"  # a challenge does not change the status
    with pytest.raises(PermissionDenied):
        services.cohort_dispute_answer(actor=iro, dispute=dispute, answer="x")
    services.cohort_dispute_answer(actor=manager, dispute=dispute, answer="Checked: it stands")
    with pytest.raises(ValidationError, match="already been answered"):
        services.cohort_dispute_answer(actor=manager, dispute=dispute, answer="again")
    assert AuditEvent.objects.filter(
        family_id=flag.family_id, action="cohort_flag.dispute_answer", actor=manager
    ).exists()
