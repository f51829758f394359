"""The README's "Use it from Python" snippet runs as printed, on the demo workspace, and gives the numbers the
Friction page's computation gives (five lines a data scientist copies: if they break, the README lies)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.usecases.measure import friction

README = Path(__file__).resolve().parents[1] / "README.md"


def snippet() -> str:
    section = README.read_text().split("## Use it from Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_snippet_is_five_lines_and_runs_on_the_demo_workspace(demo_template: Path, tmp_path: Path) -> None:
    code = snippet()
    assert len(code.strip().splitlines()) == 5
    shutil.copytree(demo_template, tmp_path / "workspace")
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert ran.returncode == 0, ran.stderr
    assert "DiGraph named 'Billing support'" in ran.stdout
    assert "bot-invoice-status" in ran.stdout  # the demo's planted friction is in the table printed


def test_workspace_friction_is_the_pages_computation(demo_template: Path, tmp_path: Path) -> None:
    home = tmp_path / "workspace"
    shutil.copytree(demo_template, home)
    with journeys.open_workspace(home) as ws:
        table = ws.friction(DEMO_JOURNEY)
        found = friction(ws, DEMO_JOURNEY)
        assert ws.journeys.graph(DEMO_JOURNEY).number_of_nodes() == len(ws.journeys.get(DEMO_JOURNEY).steps)
    pd.testing.assert_frame_equal(table, found.scored)
    assert table["step"].is_unique and len(table) == found.by_step["journey_step"].nunique()
    assert found.tickets > 0 and 0 <= found.unmapped < found.tickets


def test_the_topics_snippet_runs_on_the_demo_workspace(demo_template: Path, tmp_path: Path) -> None:
    """The second snippet of "Use it from Python" (topics) runs as printed and prints the demo's topics."""
    section = README.read_text().split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[1]
    shutil.copytree(demo_template, tmp_path / "workspace")
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert ran.returncode == 0, ran.stderr
    assert re.search(r"T1\s+\S.*\d", ran.stdout) and "password" in ran.stdout  # a table of the demo's topics
