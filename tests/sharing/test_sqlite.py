"""`make run`'s SQLite database: every app migrates, the demo seeds, and scopes filter."""

from pathlib import Path

from tests.sqlite import run_script_on_sqlite


def test_demo_on_sqlite_shares_with_partners_by_agreement(tmp_path):
    result = run_script_on_sqlite(Path(__file__).with_name("sqlite_demo.py"), tmp_path / "db")
    assert result["agreements"] > 0
    # Every demo agreement covers plans and none covers referrals: the JSON lookup filters.
    assert result["covering_plans"] == result["agreements"]
    assert result["covering_referrals"] == 0
    # The police see exactly the families their agreements name.
    assert result["police_families"] == result["police_agreements"] > 0
    assert result["flags"] > 0
    # Reads are audit-logged there too, one row per record, with their family and details.
    assert result["audit"] == [["police", True, {"agency": "police"}, True]] * 3
