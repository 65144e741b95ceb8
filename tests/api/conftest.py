"""The API tests use the shared fixtures of `tests/conftest.py` (`household`, `share`, `health`,
`agency_token`, `staff_token`, `as_token`, `police_api`); `bearer` is re-exported for them."""

from tests.conftest import bearer

__all__ = ["bearer"]
