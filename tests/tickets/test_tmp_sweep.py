"""Temporary files live under the workspace and are swept at the next start (issue 12, point 7).

A real ``journeys tickets import`` is killed with SIGKILL at several moments, each found by polling
the workspace folder for the file that marks it (never a fixed sleep); the next command must leave
no work folder, decoded copy, staging or ``.tmp`` file behind, and the dataset's earlier version must
still be current and readable. A live process's files must survive another process's sweep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from journeys import files
from tests.cli.runner import run
from tests.concurrency import at_once
from tests.tickets import hostile_corpus as corpus

ROWS = 400_000  # ≈ 25 MB: long enough that every kill point is reached well before the import ends


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    env.update(JOURNEYS_HOME=str(home), JOURNEYS_AUTHOR="tester")
    return env


def _leftovers(home: Path) -> list[str]:
    found = [p for p in (home / files.TMP_FOLDER).rglob("*")] if (home / files.TMP_FOLDER).exists() else []
    found += list((home / "datasets").glob("*/*/.staging-*"))
    return sorted(str(p.relative_to(home)) for p in found)


def _poll(proc: subprocess.Popen, found: Callable[[], bool], timeout: float = 120.0) -> bool:
    """Wait until ``found()`` or the process ends; True when found while it still runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if found():
            return True
        time.sleep(0.002)  # polling interval, not a synchronisation sleep
    return False


def _work_folder(home: Path) -> Callable[[], bool]:
    return lambda: any((home / files.TMP_FOLDER).glob("p*/import-*"))


def _decoded_copy(home: Path) -> Callable[[], bool]:
    def found() -> bool:
        copies = list((home / files.TMP_FOLDER).glob("p*/import-*/source.utf8.csv"))
        return any(c.stat().st_size > 0 for c in copies if c.exists())
    return found


def _half_written(home: Path) -> Callable[[], bool]:
    def found() -> bool:
        return any(p.stat().st_size > 0 for p in (home / "datasets").glob("*/*/.staging-*.parquet.tmp")
                   if p.exists())
    return found


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    # a stray cp1252 byte every 1,000 rows: the importer reads it through a decoded copy (a kill point)
    return corpus.big_csv(tmp_path_factory.mktemp("big") / "big.csv", rows=ROWS, stray_every=1_000)


@pytest.mark.parametrize("marker", [_work_folder, _decoded_copy, _half_written],
                         ids=["work-folder", "decoded-copy", "half-written-version"])
def test_sigkill_mid_import_leaves_nothing_after_the_next_command(tmp_path, big_export, marker):
    home = tmp_path / "home"
    small = corpus.stray_byte_csv(tmp_path / "small.csv", rows=50, stray_at=())
    run(home, "tickets", "import", str(small.path), "--dataset", "tickets", check_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "journeys", "tickets", "import", str(big_export),
                             "--dataset", "tickets"], env=_env(home), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        reached = _poll(proc, marker(home))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert reached, "the import ended before the kill point was seen"
    assert _leftovers(home), "the kill left nothing: the test would prove nothing"
    listed = run(home, "tickets", "list", "--format", "json", check_ok=True)  # the next command sweeps
    assert _leftovers(home) == []
    assert '"version": 1' in listed.stdout and '"rows": 50' in listed.stdout
    (v1,) = (home / "datasets").glob("*/*/v1.parquet")
    assert pq.read_table(v1).num_rows == 50 and not list(v1.parent.glob("v2*"))


_HOLDER = """
import sys
from pathlib import Path
from journeys import files
home = Path(sys.argv[1])
work = files.process_tmp(home) / "busy"
work.mkdir()
(work / "part.bin").write_bytes(b"x" * 1000)
staged = files.staging_path(home, home / "datasets" / "ws" / "ds")
staged.parent.mkdir(parents=True, exist_ok=True)
staged.write_bytes(b"staged")
print(staged, flush=True)
sys.stdin.readline()
"""


def test_a_live_process_files_survive_the_sweep_and_go_once_it_is_killed(tmp_path):
    home = tmp_path / "home"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(home)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        staged = Path(holder.stdout.readline().strip())
        assert staged.name.startswith(files.STAGING_PREFIX + "p")
        before = _leftovers(home)
        assert files.sweep_tmp(home, register=False) == 0  # another process is alive and holds its lock
        assert _leftovers(home) == before and staged.exists()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert files.sweep_tmp(home, register=False) >= 3  # its folder, its lock and its staging file
    assert _leftovers(home) == []


def test_own_and_untagged_files_are_left_alone(tmp_path):
    home = tmp_path / "home"
    mine = files.staging_path(home, home / "datasets" / "ws" / "ds")
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"mine")
    legacy = mine.parent / f"{files.STAGING_PREFIX}{'0' * 32}.parquet"  # an older version's name: a day's grace
    legacy.write_bytes(b"old")
    with files.workspace_tmp(home, prefix="import-") as work:
        (work / "x").write_bytes(b"x")
        files.sweep_tmp(home, register=False)
        assert (work / "x").exists() and mine.exists() and legacy.exists()
    assert not work.exists()


def test_work_folders_are_under_the_registered_workspace(tmp_path):
    home = tmp_path / "home"
    files.sweep_tmp(home)
    try:
        with files.workspace_tmp(prefix="log-") as work:
            assert work.is_relative_to(home / files.TMP_FOLDER / files.process_tag())
    finally:
        files.register_home(None)
    with files.workspace_tmp(prefix="log-") as work:  # nothing registered (a notebook): the system's temp folder
        assert not work.is_relative_to(home)


def test_threads_starting_work_at_once_share_one_folder(tmp_path):
    """Two imports started at the same moment in the app once raced on the lock's pending name."""
    def work() -> Path:
        with files.workspace_tmp(tmp_path / "home") as folder:
            (folder / "x").write_text("x")
            return folder.parent

    folders, errors = at_once(work, 8)
    assert errors == [] and len(set(folders)) == 1
    assert (tmp_path / "home" / files.TMP_FOLDER / f"{files.process_tag()}.lock").exists()
