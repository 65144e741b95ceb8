"""API fixtures: a police records system's client with the household shared with it. The
shared fixtures (`household`, `share`, `health`, `agency_token`, `staff_token`, `as_token`) live in
`tests/conftest.py`, for every app's tests."""

import pytest

from tests.conftest import bearer

__all__ = ["bearer"]


@pytest.fixture
def police_api(household, police, share, agency_token, as_token):
    """(client, token) of a police records system, the household shared for plans and incidents."""
    share(police, ["plans", "incidents"], family=household["family"])
    raw, token = agency_token(police)
    return as_token(raw), token
