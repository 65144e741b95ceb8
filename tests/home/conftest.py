"""The siblings of the CP-journey tests."""

from tests.protection.conftest import siblings  # noqa: F401 (a fixture, shared)
