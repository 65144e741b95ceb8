"""Fixtures for the census import tests: the committed sample returns and imports of them."""

from pathlib import Path

import pytest

from census.services import census_import_files

SAMPLES = Path(__file__).parent / "samples"
YEARS = (2023, 2024, 2025)


def sample(year: int) -> Path:
    return SAMPLES / f"cin_census_{year}.xml"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def imported(db):
    """All three sample years imported, oldest first, with the sibling mapping."""
    return census_import_files(
        actor=None,
        paths=[sample(year) for year in YEARS],
        families_path=str(SAMPLES / "families.csv"),
    )
