"""`make run`'s SQLite database: the home pages, the lists and a step-down work there too."""

from pathlib import Path

from tests.sqlite import run_script_on_sqlite


def test_journey_on_sqlite(tmp_path):
    result = run_script_on_sqlite(Path(__file__).with_name("sqlite_journey.py"), tmp_path / "db")
    assert set(result["pages"].values()) == {200}
    assert result["pending"] > 0  # the demo's open plans have reviews due
    assert result["plans"] > 0
    assert result["stepped_down"] == result["plans"]
    assert result["family_page"] == 200
    assert result["journey_shown"] is True
