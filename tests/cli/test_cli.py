"""The console script, run as a user would: a subprocess, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY


def run(home: Path, *args: str, check_ok: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    env.update(JOURNEYS_HOME=str(home), JOURNEYS_AUTHOR="tester")
    proc = subprocess.run([sys.executable, "-m", "journeys", *args], capture_output=True, text=True, env=env,
                          timeout=120)
    assert "Traceback" not in proc.stderr + proc.stdout
    if check_ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("ws")
    out = run(home, "init", "--demo", check_ok=True)
    assert f"loaded demo journey '{DEMO_JOURNEY}'" in out.stdout
    return home


def test_init_is_idempotent(demo_home):
    out = run(demo_home, "init", "--demo", check_ok=True)
    assert "loaded demo journey" not in out.stdout
    listed = json.loads(run(demo_home, "journey", "list", "--format", "json", check_ok=True).stdout)
    assert sorted(r["name"] for r in listed) == sorted([DEMO_JOURNEY, DEMO_FUTURE])


def test_check_reports_planted_problems_and_exits_1(demo_home):
    out = run(demo_home, "journey", "check", DEMO_JOURNEY, "--format", "json")
    assert out.returncode == 1
    findings = json.loads(out.stdout)
    assert {(f["code"], tuple(f["steps"])) for f in findings} == {
        ("dead_end", ("community-post",)), ("no_route_to_human", ("bot-invoice-status",))}


def test_check_of_clean_journey_exits_0(demo_home):
    out = run(demo_home, "journey", "check", DEMO_FUTURE, "--format", "table")
    assert out.returncode == 0
    assert "0 error(s)" in out.stderr


def test_show_table_and_csv(demo_home):
    table = run(demo_home, "journey", "show", DEMO_JOURNEY, check_ok=True).stdout
    assert "bot-invoice-status" in table and "24 steps" in table
    csv_out = run(demo_home, "journey", "show", DEMO_JOURNEY, "--format", "csv", check_ok=True).stdout
    assert csv_out.splitlines()[0] == "id,label,stage,lane,channel,emotion,kind,handled_by"
    assert len(csv_out.splitlines()) == 25


@pytest.mark.parametrize("fmt", ["json", "graphml", "mermaid"])
def test_export_import_round_trip(demo_home, tmp_path, fmt):
    target = tmp_path / f"out.{ {'json': 'json', 'graphml': 'graphml', 'mermaid': 'mmd'}[fmt] }"
    run(demo_home, "journey", "export", DEMO_JOURNEY, "--to", fmt, "-o", str(target), check_ok=True)
    assert target.stat().st_size > 100
    out = run(demo_home, "journey", "import", str(target), "--name", f"Copy {fmt}", check_ok=True)
    assert f"Imported 'Copy {fmt}'" in out.stdout
    shown = json.loads(run(demo_home, "journey", "show", f"Copy {fmt}", "--format", "json", check_ok=True).stdout)
    assert len(shown["journey"]["steps"]) == 24


def test_broken_mermaid_lists_problems_and_saves_nothing(demo_home, tmp_path):
    bad = tmp_path / "bad.mmd"
    bad.write_text("journey\n  title Broken\n  Orphan task: 3: customer\n  section A\n  Task: nine: customer\n")
    before = run(demo_home, "journey", "list", "--format", "json", check_ok=True).stdout
    out = run(demo_home, "journey", "import", str(bad))
    assert out.returncode == 2
    assert "line 3" in out.stderr and "line 5" in out.stderr
    assert run(demo_home, "journey", "list", "--format", "json", check_ok=True).stdout == before


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe garbage", b"{not json", b"<graphml><oops"])
def test_garbage_files_fail_cleanly(demo_home, tmp_path, content):
    bad = tmp_path / "junk.json"
    bad.write_bytes(content)
    out = run(demo_home, "journey", "import", str(bad))
    assert out.returncode == 2
    assert out.stderr.startswith("journeys: ")


def test_missing_journey_and_file_are_clear(demo_home):
    out = run(demo_home, "journey", "show", "No such journey")
    assert out.returncode == 2 and "No such journey" in out.stderr
    out = run(demo_home, "journey", "import", "/nonexistent/file.json")
    assert out.returncode == 2 and "does not exist" in out.stderr


def test_history_and_restore(demo_home, tmp_path):
    source = tmp_path / "j.json"
    run(demo_home, "journey", "export", DEMO_FUTURE, "--to", "json", "-o", str(source), check_ok=True)
    run(demo_home, "journey", "import", str(source), "--name", "Versioned", check_ok=True)
    out = run(demo_home, "journey", "restore", "Versioned", "1", check_ok=True)
    assert "saved as version 2" in out.stdout
    history = json.loads(run(demo_home, "journey", "history", "Versioned", "--format", "json", check_ok=True).stdout)
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["author"] == "tester"
    out = run(demo_home, "journey", "restore", "Versioned", "99")
    assert out.returncode == 2 and "99" in out.stderr


def test_bad_database_url_is_one_line(tmp_path):
    env_home = tmp_path / "x"
    proc = subprocess.run([sys.executable, "-m", "journeys", "--database-url", "nosuchdb://x", "journey", "list"],
                          capture_output=True, text=True, env={**os.environ, "JOURNEYS_HOME": str(env_home)})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
