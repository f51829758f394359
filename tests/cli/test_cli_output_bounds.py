"""Table output and messages stay bounded however large or hostile the input (the command line, in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeys.cli.printing import CELL_WIDTH, MESSAGE_WIDTH
from journeys.model import MAX_STEPS
from tests.cli.runner import run

HOSTILE = "\x1b[31m\r=HYPERLINK(\"x\")\n"


def bot_loop(n: int, name: str) -> dict:
    """A journey of ``n`` bot steps in one loop behind an entry (every 50th label as long as the model allows)."""
    steps = [{"id": "start", "label": "Asks for help", "stage": "Get help"}]
    steps += [{"id": f"b{i}", "label": f"{i} " + "x" * (190 if i % 50 == 0 else 3), "stage": "Get help",
               "lane": "system", "handled_by": "bot"} for i in range(n)]
    transitions = [{"source": "start", "target": "b0"}]
    transitions += [{"source": f"b{i}", "target": f"b{(i + 1) % n}"} for i in range(n)]
    return {"schema_version": 1, "journey": {"name": name, "entry": "start", "steps": steps,
                                            "transitions": transitions}}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("bounds")
    assert run(home, "init").returncode == 0
    return home


def test_a_journey_at_the_step_limit_prints_a_table_of_bounded_width(home, tmp_path):
    path = tmp_path / "loop.json"
    path.write_text(json.dumps(bot_loop(MAX_STEPS - 1, "Bot loop")), encoding="utf-8")
    assert run(home, "journey", "import", str(path)).returncode == 0

    shown = run(home, "journey", "show", "Bot loop")
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert len(lines) == MAX_STEPS + 3  # the title, the header, the rule and every step: rows are the data
    assert max(len(line) for line in lines[1:]) < 8 * CELL_WIDTH
    assert "x" * 60 + "…" in shown.stdout and "x" * 100 not in shown.stdout

    checked = run(home, "journey", "check", "Bot loop")
    assert checked.returncode == 1
    rows = checked.stdout.splitlines()[2:]
    assert 1 <= len(rows) <= 10  # one finding per loop, not per step
    assert all(len(line) < 4 * CELL_WIDTH + MESSAGE_WIDTH for line in checked.stdout.splitlines())
    assert "more" in checked.stdout  # a finding's step list shows the first few, then how many more


def test_a_journey_far_above_the_limit_is_refused_in_a_few_lines(home, tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(bot_loop(100_000, "Huge")), encoding="utf-8")
    refused = run(home, "journey", "import", str(path))
    assert refused.returncode == 2
    assert len(refused.stderr) < 2_000 and "limited to" in refused.stderr


def test_a_hostile_name_is_echoed_clipped_on_one_line_without_control_characters(home):
    name = HOSTILE + "n" * 10_000
    proc = run(home, "journey", "show", name)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and len(proc.stderr) < 2 * MESSAGE_WIDTH
    assert "\x1b" not in proc.stderr and "\r" not in proc.stderr and "n" * 200 not in proc.stderr


def test_many_problems_are_listed_up_to_twenty_then_counted(home, tmp_path):
    steps = [{"id": f"bad id {i}", "label": "", "stage": "Get help"} for i in range(500)]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"schema_version": 1, "journey": {"name": "Bad", "steps": steps}}), encoding="utf-8")
    proc = run(home, "journey", "import", str(path))
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 22 and lines[-1].strip().startswith("… and ") and lines[-1].endswith(" more")
