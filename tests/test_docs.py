"""The README stays true: every environment variable the settings read is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(r'env(?:\.[a-z]+)?\(\s*"([A-Z][A-Z0-9_]+)"')


def test_every_setting_read_from_the_environment_is_in_the_readme():
    names = {
        name
        for path in (ROOT / "config" / "settings").glob("*.py")
        for name in ENV_READ.findall(path.read_text())
    }
    readme = (ROOT / "README.md").read_text()
    assert len(names) > 20
    assert sorted(name for name in names if f"`{name}`" not in readme) == []


def test_readme_quick_start_names_the_two_commands():
    first_screen = (ROOT / "README.md").read_text()[:1500]
    assert "make run" in first_screen
    assert "make test" in first_screen


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
