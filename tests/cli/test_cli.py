"""The command line as a user runs it: exit codes and messages (in-process), and the real console script.

Most tests run the command in-process (``tests.cli.runner.run``: the same click command, error handling
and output, without interpreter start-up); the ``console_script`` tests start ``python -m journeys`` and
the installed ``journeys`` entry point to prove the process itself works end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY
from tests.cli.runner import run, run_console_script

# The tests here read and write journeys only: the demo's ticket count does not matter to them, so they
# share the 20,000-ticket demo the pain-point tests build (not the 200,000 that `init --demo` defaults to).
TICKETS = 20_000


@pytest.fixture(scope="module")
def demo_home(cli_demo_template, cli_demo_copy) -> Path:
    _, stdout = cli_demo_template(TICKETS)
    assert f"loaded demo journey '{DEMO_JOURNEY}'" in stdout
    assert "loaded demo topics of Zendesk tickets (demo)" in stdout  # not called a journey
    return cli_demo_copy(TICKETS)


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
    """A real process: bad input exits 2 with one line on stderr (the console script, not the test runner)."""
    env_home = tmp_path / "x"
    proc = subprocess.run([sys.executable, "-m", "journeys", "--database-url", "nosuchdb://x", "journey", "list"],
                          capture_output=True, text=True, env={**os.environ, "JOURNEYS_HOME": str(env_home)})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_console_script_init_demo_list_and_exit_codes(tmp_path):
    """The real processes: `python -m journeys` and the installed `journeys` script, their output and exit status.

    The other tests run the same command in-process; this one proves the console script itself starts,
    prints where a user looks and exits 0 (done) and 1 (findings) as a shell sees it (exit 2: the test above).
    """
    home = tmp_path / "ws"
    out = run_console_script(home, "init", "--demo", "--tickets", "0", check_ok=True)
    assert f"loaded demo journey '{DEMO_JOURNEY}'" in out.stdout
    listed = run_console_script(home, "journey", "list", "--format", "json", installed=True, check_ok=True)
    assert sorted(r["name"] for r in json.loads(listed.stdout)) == sorted([DEMO_JOURNEY, DEMO_FUTURE])
    checked = run_console_script(home, "journey", "check", DEMO_JOURNEY, "--format", "json")
    assert checked.returncode == 1 and {f["code"] for f in json.loads(checked.stdout)} == {
        "dead_end", "no_route_to_human"}
