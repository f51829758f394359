"""Faults of the machine, not of the input, end in one line naming the cause (exit 2), never a traceback.

Each fault is real: a closed port, a file in the way, a read-only database, a folder without
permission, a read-only mount and a full tmpfs. As root, file modes do not stop writes, so the
command runs with the capabilities that bypass them dropped (``setpriv``); mounts need root.
Most commands run in-process (``tests.cli.runner.run``); the ones that need a process of their own
(capabilities dropped by ``setpriv``, a full disk) start the real console script.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from journeys.faults import DENIED, DISK_FULL, UNREACHABLE, classify_fault, describe_fault
from tests.cli.runner import run, run_console_script

ROOT = os.geteuid() == 0
WITHOUT_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"] if ROOT else []


def said(proc: subprocess.CompletedProcess[str]) -> str:
    """The one line the command printed, after checking it failed in words."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "unexpected error" not in proc.stderr
    assert lines[0].startswith("journeys: ")
    return lines[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def journey_file(tmp_path_factory, cli_demo_copy) -> tuple[Path, Path]:
    """(a workspace folder with the demo journeys, one journey exported as JSON)."""
    home = cli_demo_copy(0)  # `init --demo --tickets 0`
    exported = tmp_path_factory.mktemp("faults") / "journey.json"
    assert run(home, "journey", "export", "Billing support", "-o", str(exported)).returncode == 0
    return home, exported


def test_database_unreachable_names_the_cause_and_never_the_password(tmp_path):
    url = f"postgresql://nobody:s3cret-pw@127.0.0.1:{_free_port()}/x"
    line = said(run(tmp_path, "journey", "list", url=url))
    assert line.startswith(f"journeys: {UNREACHABLE} (") and "Connection refused" in line
    assert "s3cret-pw" not in line


def test_a_file_where_the_workspace_folder_should_be(tmp_path):
    (tmp_path / "ws").write_text("not a folder")
    assert "a file is where the workspace needs a folder" in said(run(tmp_path / "ws", "journey", "list"))
    assert "a file is where the workspace needs a folder" in said(run(tmp_path / "ws" / "inner", "journey", "list"))


def test_a_read_only_database(journey_file):
    home, exported = journey_file
    url = f"sqlite:///file:{home / 'journeys.db'}?mode=ro&uri=true"
    line = said(run(home, "journey", "import", str(exported), "--name", "Other", url=url))
    assert "the workspace database is read-only" in line


@pytest.mark.skipif(ROOT and shutil.which("setpriv") is None, reason="as root, needs setpriv to drop CAP_DAC_OVERRIDE")
def test_permission_denied_on_the_workspace_folder(tmp_path, journey_file):
    _, exported = journey_file
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        line = said(run_console_script(locked / "ws", "journey", "import", str(exported), prefix=WITHOUT_OVERRIDE))
    finally:
        locked.chmod(0o755)
    assert line.startswith(f"journeys: {DENIED} (Permission denied: ")


@contextmanager
def _mounted(target: Path, *commands: list[str]) -> Iterator[None]:
    """Mount something at ``target`` for the block (root only), or skip saying why."""
    if not ROOT:
        pytest.skip("mounting a tmpfs or a read-only bind needs root")
    target.mkdir(exist_ok=True)
    for i, command in enumerate(commands):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            if i:
                subprocess.run(["umount", str(target)], check=True)
            pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_a_read_only_file_system(tmp_path, journey_file):
    home, exported = journey_file
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    mounted = tmp_path / "ro"
    with _mounted(mounted, ["mount", "--bind", str(copy), str(mounted)],
                  ["mount", "-o", "remount,ro,bind", str(mounted)]):
        saved = said(run(mounted, "journey", "import", str(exported), "--name", "Other"))
        created = said(run(mounted / "new", "journey", "list"))
    assert "the workspace database is read-only" in saved
    assert created.startswith("journeys: the workspace is read-only (Read-only file system: ")


def test_a_full_disk(tmp_path):
    mounted = tmp_path / "small"
    with _mounted(mounted, ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mounted)]):
        line = said(run_console_script(mounted, "init", "--demo", "--tickets", "2000"))
    assert line.startswith(f"journeys: {DISK_FULL} (")


def test_describe_fault_on_real_errors_says_no_path_host_or_password():
    with pytest.raises(OSError) as full, open("/dev/full", "w") as sink:
        sink.write("x")
        sink.flush()
    assert full.value.errno == errno.ENOSPC
    assert describe_fault(full.value) == "The disk is full."
    try:
        raise RuntimeError("saving failed") from full.value
    except RuntimeError as wrapped:
        assert describe_fault(wrapped) == "The disk is full."  # found through the cause

    import sqlalchemy as sa

    engine = sa.create_engine(f"postgresql+psycopg://nobody:s3cret@127.0.0.1:{_free_port()}/x")
    with pytest.raises(sa.exc.OperationalError) as down:
        engine.connect()
    sentence = describe_fault(down.value)
    assert sentence == "Cannot reach the workspace database."
    fault = classify_fault(down.value)
    assert fault is not None and "127.0.0.1" in fault.detail and "s3cret" not in fault.one_line()

    assert describe_fault(ValueError("no")) is None
    assert describe_fault(FileExistsError(errno.EEXIST, "File exists", "/nonexistent/xyz")) is None  # a lost race
