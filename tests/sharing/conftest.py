"""The sharing tests use the shared fixtures of `tests/conftest.py` (a shared household, `share`,
tokens) and the API's police client."""

from tests.api.conftest import police_api  # noqa: F401
