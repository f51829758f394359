"""The architecture holds: the core never imports Streamlit, pages and ui/ only draw (no database, engine or
graph library of their own), no module reaches into another's private names, and pages and ui/ stay small
enough to read. Checked on the source (ast), so a violation names its file and line."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"journeys", "ui", "pages", "tests", "benchmarks"}
DRAWING_ONLY_BANS = {"duckdb", "ibis", "sqlalchemy", "networkx"}
PAGE_LINES = 160  # "≤ ~150": a page reads like a description of the UI
UI_LINES = 400


def sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, imported names) of every absolute import in a file."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [a.name for a in node.names]


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_core_never_imports_streamlit_or_pm4py() -> None:
    """pm4py is AGPL: benchmarks and reference tests may run it, the package never imports it."""
    scanned = list(sources("journeys"))
    found = [f"{where(p, n)} imports {module}" for p in scanned for n, module, _ in imports(p)
             if module.split(".")[0] in {"streamlit", "pm4py"}]
    assert found == []
    assert len(scanned) > 5  # the scan really looked at the package


def test_journey_commands_start_without_the_heavy_analytics_libraries() -> None:
    """Every CLI command pays for what ``journeys.cli`` imports at start-up (scipy and pandas cost ~0.5 s)."""
    heavy = ("scipy", "pandas", "duckdb", "ibis", "statsmodels")
    code = f"import sys, journeys.cli; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == ""


def test_import_journeys_is_quick_and_exposes_the_workspace() -> None:
    """``import journeys`` loads nothing heavy until a name is used, and then the notebook API is there."""
    code = ("import sys, journeys; heavy = [m for m in ('pandas', 'duckdb', 'sqlalchemy') if m in sys.modules]; "
            "print(heavy, sorted(journeys.__all__), callable(journeys.open_workspace))")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert ran.stdout.strip() == "[] ['Journey', 'Step', 'Transition', 'Workspace', 'open_workspace'] True"


def test_pages_and_ui_import_no_database_engine_or_graph_library() -> None:
    found = [f"{where(p, n)} imports {module}" for p in [*sources("pages", "ui"), ROOT / "streamlit_app.py"]
             for n, module, _ in imports(p) if module.split(".")[0] in DRAWING_ONLY_BANS]
    assert found == []


def test_no_module_imports_another_modules_private_names() -> None:
    found = [f"{where(p, n)}: from {module} import {name}"
             for p in sources("journeys", "ui", "pages", "tests", "benchmarks")
             for n, module, names in imports(p) if module.split(".")[0] in OURS
             for name in names if name.startswith("_") and not name.startswith("__")]
    assert found == []


@pytest.mark.parametrize(("folder", "limit"), [("pages", PAGE_LINES), ("ui", UI_LINES)])
def test_pages_and_ui_modules_stay_readable(folder: str, limit: int) -> None:
    long = {str(p.relative_to(ROOT)): n for p in sources(folder) if (n := len(p.read_text().splitlines())) > limit}
    assert long == {}, f"over {limit} lines: {long}"


def test_no_two_modules_share_a_name() -> None:
    """A newcomer finds a module in one try: no basename means two things (``__init__`` and ``conftest`` aside)."""
    seen: dict[str, list[str]] = {}
    for p in sources("journeys", "ui"):
        if p.stem != "__init__":
            seen.setdefault(p.stem, []).append(str(p.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
