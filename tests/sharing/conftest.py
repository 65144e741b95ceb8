"""The API tests' sharing fixtures (a shared household, `share`, tokens), reused here."""

from tests.api.conftest import (  # noqa: F401
    agency_token,
    as_token,
    health,
    household,
    police_api,
    share,
    staff_token,
)
