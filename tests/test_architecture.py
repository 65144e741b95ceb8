"""The app map, drawn from the source: which app imports which (ADR 0041).

Every `import` and `from ... import` in every module counts, wherever it stands (at the top, inside
a function, under `TYPE_CHECKING`): a lazy import that dodges a cycle is still a cycle. Each app
of ours is one node; `config` is split into its modules, because its shared pieces (`config.api`,
`config.forms`) sit below the apps while its URL modules sit above them.
"""

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(
    path.parent.name
    for path in ROOT.glob("*/apps.py")
    if path.parent.name not in {"config", "tests", "bench"}
)
SKIP = {"tests", "bench", "node_modules", "staticfiles", "scripts", ".venv"}


def node_of(module: str) -> str | None:
    """The graph node a dotted module name belongs to, or None for anything not ours."""
    parts = module.split(".")
    if parts[0] in APPS:
        return parts[0]
    if parts[0] == "config":
        return ".".join(parts[:2]) if len(parts) > 1 else "config"
    return None


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from . import access` imports the module `package.access`.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        source = node_of(module_name(path))
        if source is None:
            continue
        graph[source]  # every node appears, even with no edges
        for module in imported_modules(path):
            target = node_of(module)
            if target is not None and target != source:
                graph[source].add(target)
    return dict(graph)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_lazy_imports():
    # The check is only as good as its parser: a function-level import must count.
    source = "def f():\n    from sharing.models import SharingAgreement\n"
    tree = ast.parse(source)
    assert any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_apps():
    graph = import_graph()
    assert {"cases", "sharing", "partners", "staff", "cohort"} <= set(graph)
    assert cycles(graph) == [], f"import cycles between apps: {cycles(graph)}"


def test_cases_imports_no_app_above_it():
    """The case record (and its access policy) sits below sharing, cohort, census and the rest:
    partner shares reach it through the provider hook, not an import."""
    assert import_graph()["cases"] <= {"audit", "config.db"}


def documented_app_map() -> dict[str, set[str]]:
    """The "imports" column of the app map in docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## App map", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[a-z_.]+`", cells[0]):
            imports = set(re.findall(r"`([a-z_.]+)`", cells[-1]))
            documented[cells[0].strip("`")] = imports
    return documented


def test_the_documented_app_map_matches_the_imports():
    graph = import_graph()
    apps_only = {node: {t for t in targets if t in APPS} for node, targets in graph.items()}
    documented = documented_app_map()
    assert set(documented) == set(APPS), "every app has a row in docs/architecture.md's map"
    for app in APPS:
        assert documented[app] == apps_only[app], f"{app}: docs say {documented[app]}"
