"""The council's case system as an API client (role system) with a real token."""

import pytest
from rest_framework.test import APIClient

from cases.roles import Role
from sharing import services as sharing
from tests.protection.conftest import siblings  # noqa: F401 (a fixture, shared)


@pytest.fixture
def council_admin(make_user):
    return make_user(Role.ADMINISTRATOR)


@pytest.fixture
def system_token(council_admin, council):
    """The council administrator registers the case system and issues its token (ADR 0083)."""
    client = sharing.api_client_create(actor=council_admin, agency=council, name="Case system")
    _token, raw = sharing.api_token_create(actor=council_admin, client=client, name="live")
    return raw


@pytest.fixture
def feed(system_token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_token}")
    return api
