"""Fixtures shared by every app's tests: agencies, a user per role, a family granted to a team."""

import datetime as dt
import os

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Agency, FamilyMembership, Person
from cases.roles import Role
from sharing import services as sharing

from .factories import (
    AgencyFactory,
    CPPlanFactory,
    EpisodeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)

# Playwright's sync API keeps an event loop in the test thread; Django then refuses database
# calls from that thread unless told the test owns the loop. Test-only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Transactional tests flush the database and re-create content types with new ids; the
    process-wide ContentType cache would otherwise hand guardian ids that no longer exist."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def council(db):
    return AgencyFactory(name="Test Borough Council", code="council", kind=Agency.Kind.COUNCIL)


@pytest.fixture
def police(db):
    return AgencyFactory(name="Test Police", code="police", kind=Agency.Kind.POLICE)


@pytest.fixture
def team(council):
    return TeamFactory(name="Team A", agency=council)


@pytest.fixture
def make_user(council):
    """make_user(role, agency=None, teams=()) -> a saved, active user in that role."""

    def make(role: str, agency: Agency | None = None, teams=(), **fields):
        user = UserFactory(role=role, agency=agency or council, **fields)
        user.groups.add(*(t.group for t in teams))
        return user

    return make


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def iro(make_user):
    return make_user(Role.IRO)


@pytest.fixture
def transition_worker(make_user):
    return make_user(Role.TRANSITION_WORKER)


@pytest.fixture
def social_worker(make_user, team):
    return make_user(Role.SOCIAL_WORKER, teams=[team])


@pytest.fixture
def partner_user(make_user, police):
    return make_user(Role.PARTNER, agency=police)


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def family(db):
    return FamilyFactory()


# --- Shared records and partner access (API and pages) ---------------------------------------
@pytest.fixture
def health(db):
    return AgencyFactory(name="Test Health Trust", code="health", kind=Agency.Kind.HEALTH)


@pytest.fixture
def household(db):
    """A family of a child on a CP plan and their mother (victim/survivor)."""
    family = FamilyFactory(reference="SHARED-1", address="1 High Street", postcode="AB1 2CD")
    child = PersonFactory(first_name="Jo")
    mother = PersonFactory(kind=Person.Kind.ADULT, first_name="Kim", la_child_id=None)
    MembershipFactory(family=family, person=child)
    MembershipFactory(
        family=family, person=mother, abuse_role=FamilyMembership.AbuseRole.VICTIM_SURVIVOR
    )
    plan = CPPlanFactory(episode=EpisodeFactory(child=child))
    return {"family": family, "child": child, "mother": mother, "plan": plan}


@pytest.fixture
def share(manager):
    """share(subject, agency, scopes, days=30, **kw) -> SharingAgreement recorded by a manager."""

    def do(agency, scopes, family=None, person=None, days=30, starts_on=None):
        today = timezone.localdate()
        return sharing.sharing_agreement_create(
            actor=manager,
            agency=agency,
            family=family,
            person=person,
            purpose="Safeguarding: DA transition support",
            lawful_basis="public_task",
            scopes=scopes,
            starts_on=starts_on or today,
            ends_on=today + dt.timedelta(days=days),
        )

    return do


@pytest.fixture
def agency_token(make_user):
    """agency_token(agency) -> (raw token, ApiToken) for a new API client of that agency."""

    def do(agency, name="Records system"):
        admin = make_user(Role.ADMINISTRATOR, agency=agency)
        client = sharing.api_client_create(actor=admin, agency=agency, name=name)
        token, raw = sharing.api_token_create(actor=admin, client=client, name="live")
        return raw, token

    return do


@pytest.fixture
def staff_token():
    def do(user):
        token, raw = sharing.api_token_create(actor=user, name="my scripts")
        return raw, token

    return do


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def as_token():
    return bearer


@pytest.fixture
def police_api(household, police, share, agency_token, as_token):
    """(client, token) of a police records system, the household shared for plans and incidents."""
    share(police, ["plans", "incidents"], family=household["family"])
    raw, token = agency_token(police)
    return as_token(raw), token


# --- Real browser (Playwright driving Debian's Chromium) -------------------------------------
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context per test; `page.base_url` is the live server's address."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def sign_in():
    """sign_in(page, user, password="correct-horse-battery"): signs in through the real form."""

    def do(page, user, password="correct-horse-battery"):
        page.goto("/sign-in/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return do


@pytest.fixture
def axe():
    """axe(page) -> list of WCAG 2.2 A/AA violations (axe-core from node_modules)."""
    from pathlib import Path

    from django.conf import settings

    source = (Path(settings.BASE_DIR) / "node_modules/axe-core/axe.min.js").read_text()

    def run(page):
        page.add_script_tag(content=source)
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag', values:
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
        )
        return [
            {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
        ]

    return run


# --- Real Celery worker (Redis broker, test database) ----------------------------------------
@pytest.fixture
def celery_worker_redis(transactional_db):
    """A real Celery worker thread consuming from Redis, seeing the test database.

    Use with `transactional_db` tests: the worker reads what the test has committed.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    # Tests without a worker may have queued tasks (an upload, a run); a stale message must not
    # reach this test's worker, whose database no longer holds what it names.
    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10) as worker:
        yield worker


# --- A private Redis for fault tests (never the shared one) -----------------------------------
@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own on a free port: `.url`, and `.stop()` kills it."""
    import socket
    import subprocess
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    import shutil

    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
            "--bind",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)

    class Private:
        url = f"redis://127.0.0.1:{port}"

        @staticmethod
        def stop():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    yield Private
    Private.stop()


@pytest.fixture
def broker_at():
    """broker_at(url): point the Celery app's publishing at another broker for this test."""
    from django.conf import settings

    from config.celery import app

    def point(url):
        app.conf.broker_url = app.conf.broker_write_url = url
        app._pool = None  # the next publish connects afresh, to this broker
        app.amqp._producer_pool = None

    yield point
    point(settings.CELERY_BROKER_URL)
