"""The review lifecycle: state checks, roles, who/when/why, audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from cases.models import Family
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


# --- Reallocation ----------------------------------------------------------------------------
def _allocated(flag, iro, manager, worker):
    services.cohort_flag_accept(actor=iro, flag=flag)
    services.cohort_flag_allocate(actor=manager, flag=flag, worker=worker, on=dt.date(2024, 7, 1))
    flag.refresh_from_db()
    return flag


@pytest.mark.parametrize("status", ["allocated", "active"])
def test_reallocation_moves_the_family_and_keeps_status_and_deadlines(
    flag, iro, manager, transition_worker, make_user, status
):
    flag = _allocated(flag, iro, manager, transition_worker)
    if status == "active":
        services.cohort_flag_activate(actor=transition_worker, flag=flag)
    new_worker = make_user(Role.TRANSITION_WORKER)
    events_before = flag.events.count()

    services.cohort_flag_reallocate(
        actor=manager, flag=flag, worker=new_worker, reason="  Sam has left the service  "
    )

    flag.refresh_from_db()
    assert flag.status == status
    assert flag.worker == new_worker
    assert flag.family.transition_worker == new_worker
    assert (flag.allocated_on, flag.first_review_due) == (dt.date(2024, 7, 1), dt.date(2024, 7, 29))
    assert flag.events.count() == events_before + 1
    event = flag.events.last()
    assert (event.from_status, event.to_status, event.actor) == (status, status, manager)
    assert event.note == (
        f"Reallocated from {transition_worker} to {new_worker}: Sam has left the service"
    )
    audit = AuditEvent.objects.get(family_id=flag.family_id, action="cohort_flag.reallocate")
    assert audit.actor == manager
    assert audit.details["from_worker"] == transition_worker.pk
    assert audit.details["worker"] == new_worker.pk


def test_reallocation_changes_who_sees_the_family(flag, iro, manager, transition_worker, make_user):
    flag = _allocated(flag, iro, manager, transition_worker)
    new_worker = make_user(Role.TRANSITION_WORKER)
    assert Family.objects.visible_to(transition_worker).filter(pk=flag.family_id).exists()
    assert not Family.objects.visible_to(new_worker).filter(pk=flag.family_id).exists()

    services.cohort_flag_reallocate(actor=manager, flag=flag, worker=new_worker, reason="Sick")

    assert not Family.objects.visible_to(transition_worker).filter(pk=flag.family_id).exists()
    assert Family.objects.visible_to(new_worker).filter(pk=flag.family_id).exists()
    assert not CohortFlag.objects.visible_to(transition_worker).filter(pk=flag.pk).exists()
    assert CohortFlag.objects.visible_to(new_worker).filter(pk=flag.pk).exists()


def _assert_unchanged(flag, worker, status, events):
    flag.refresh_from_db()
    assert (flag.status, flag.worker_id) == (status, worker.pk if worker else None)
    assert flag.family.transition_worker_id == (worker.pk if worker else None)
    assert flag.events.count() == events
    assert not AuditEvent.objects.filter(action="cohort_flag.reallocate").exists()


def test_only_managers_reallocate(flag, iro, manager, transition_worker, make_user):
    flag = _allocated(flag, iro, manager, transition_worker)
    new_worker = make_user(Role.TRANSITION_WORKER)
    events = flag.events.count()
    for actor in (iro, transition_worker, new_worker):
        with pytest.raises(PermissionDenied):
            services.cohort_flag_reallocate(actor=actor, flag=flag, worker=new_worker, reason="x")
    _assert_unchanged(flag, transition_worker, "allocated", events)


@pytest.mark.parametrize("status", ["flagged", "accepted", "declined", "closed"])
def test_reallocation_refuses_a_flag_not_allocated_or_active(
    flag, iro, manager, transition_worker, make_user, status
):
    worker = None
    if status == "accepted":
        services.cohort_flag_accept(actor=iro, flag=flag)
    elif status == "declined":
        services.cohort_flag_decline(actor=iro, flag=flag, reason="Recorded in error")
    elif status == "closed":
        flag = _allocated(flag, iro, manager, transition_worker)
        services.cohort_flag_activate(actor=transition_worker, flag=flag)
        services.cohort_flag_close(actor=manager, flag=flag, outcome="completed")
        worker = transition_worker
    flag.refresh_from_db()
    events = flag.events.count()
    with pytest.raises(ValidationError, match=f"A {status} flag cannot be reallocated"):
        services.cohort_flag_reallocate(
            actor=manager, flag=flag, worker=make_user(Role.TRANSITION_WORKER), reason="Leaving"
        )
    _assert_unchanged(flag, worker, status, events)


def test_reallocation_refuses_the_same_or_an_unsuitable_worker_and_an_empty_reason(
    flag, iro, manager, transition_worker, make_user
):
    flag = _allocated(flag, iro, manager, transition_worker)
    events = flag.events.count()
    refusals = [
        (transition_worker, "Leaving", "worker", "Choose a different transition worker."),
        (
            make_user(Role.TRANSITION_WORKER, is_active=False),
            "Leaving",
            "worker",
            "Choose an active transition worker.",
        ),
        (make_user(Role.SOCIAL_WORKER), "Leaving", "worker", "Choose an active transition worker."),
        (
            make_user(Role.TRANSITION_WORKER),
            "   ",
            "reason",
            "Enter why the family is moving to another worker.",
        ),
    ]
    for worker, reason, field, message in refusals:
        with pytest.raises(ValidationError) as refused:
            services.cohort_flag_reallocate(actor=manager, flag=flag, worker=worker, reason=reason)
        assert refused.value.message_dict == {field: [message]}
    _assert_unchanged(flag, transition_worker, "allocated", events)
