"""The CLI stays one package of small parse → call → print modules over the workspace (issue 15).

Source scans, so a command that builds its own store, dataset index or analytics engine — instead of
using the one workspace it opened — fails here before it drifts from what the pages compute.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "journeys" / "cli"
MODULES = sorted(CLI.glob("*.py"))
MAX_LINES = 400
BUILT_ELSEWHERE = ("Datasets", "TicketEngine", "TicketStore", "Store", "EventLogs", "PainPoints", "Experiments")


def test_the_scan_sees_every_command_group():
    names = {p.stem for p in MODULES}
    assert {"app", "printing", "journey", "discover", "experiments"} <= names
    assert len(MODULES) >= 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_each_cli_module_stays_small(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines; split it by command group"


def _constructed(path: Path) -> list[str]:
    """Names of the repositories/engines a module calls as constructors (``Datasets(…)``, ``x.TicketEngine(…)``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in BUILT_ELSEWHERE:
                found.append(f"{name}( at line {node.lineno}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_commands_use_the_workspace_they_open_never_their_own_store_or_engine(path: Path):
    assert _constructed(path) == []


def test_the_scan_would_catch_a_command_building_its_own_engine(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("from journeys.tickets.engine import TicketEngine\n\ndef f(store, home):\n"
                   "    engine = TicketEngine()\n    return Datasets(store, home), engine\n", encoding="utf-8")
    assert _constructed(bad) == ["TicketEngine( at line 4", "Datasets( at line 5"]


def test_no_cli_module_imports_a_private_name_of_another_module():
    offenders = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("journeys"):
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_every_group_loads_on_demand_and_help_lists_them_all():
    """``journeys --help`` names every group, each from the module the top group's table says."""
    from journeys.cli.app import TopGroup

    code = ("import sys; from journeys.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    listed = shown.split("Commands:", 1)[1]
    assert {line.split()[0] for line in listed.strip().splitlines()} == set(TopGroup.LAZY)
    for name, target in TopGroup.LAZY.items():
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command) and command.name == name
