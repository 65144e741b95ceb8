"""The browser shell in a real Chromium: sign in, the role-aware home page, axe clean."""

import pytest

from cases.roles import Role
from tests.factories import FamilyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_has_no_accessibility_violations(page, axe):
    page.goto("/sign-in/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to Safeguard Transitions"
    assert axe(page) == []


def test_wrong_password_shows_an_error_summary(page, axe, manager):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert page.title().startswith("Error:")
    assert axe(page) == []


def test_manager_signs_in_and_sees_the_home_page(page, axe, sign_in, manager):
    FamilyFactory.create_batch(3)
    sign_in(page, manager)
    assert page.url.endswith("/")
    assert page.get_by_test_id("families-count").inner_text() == "3"
    assert "manager" in page.get_by_role("main").inner_text()
    assert axe(page) == []


def test_administrator_home_shows_no_case_content(page, sign_in, make_user):
    FamilyFactory.create_batch(2)
    sign_in(page, make_user(Role.ADMINISTRATOR, is_staff=True))
    assert page.get_by_test_id("families-count").count() == 0
    assert page.get_by_role("link", name="Families").count() == 0


def test_signing_out_returns_to_sign_in(page, sign_in, iro):
    sign_in(page, iro)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    page.goto("/")
    assert "/sign-in/" in page.url
