"""House rules that a reviewer would otherwise have to remember."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_core_never_imports_streamlit_or_pm4py():
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & {"streamlit", "pm4py"})
        for p in (ROOT / "journeys").rglob("*.py")
        if _imports(p) & {"streamlit", "pm4py"}
    }
    assert offenders == {}
    assert len(list((ROOT / "journeys").rglob("*.py"))) > 5  # the scan really looked at the package


def test_journey_commands_start_without_the_heavy_analytics_libraries():
    """Every CLI command pays for what ``journeys.cli`` imports at start-up (scipy and pandas cost ~0.5 s)."""
    import subprocess
    import sys

    heavy = ("scipy", "pandas", "duckdb", "ibis", "statsmodels")
    code = f"import sys, journeys.cli; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == ""
