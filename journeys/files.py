"""Files the importers write: durable renames, temporary work under the workspace folder, bounded copies.

Temporary files (decoded copies, spilled DuckDB data, Excel sheets as Parquet, half-written
versions) live under ``<home>/tmp/``, never in the system temp folder, so a workspace's disk
use stays in the workspace and what a killed import left behind can be found again.

Why per-process folders and locks: a SIGKILL runs no clean-up code, so leftovers are swept at
the next start (:func:`sweep_tmp`, called once by the CLI and by the app). But another command
or the app may be importing into the same workspace at that very moment, and its files must not
be deleted. Each process therefore works in ``<home>/tmp/<tag>/`` (``tag`` = ``p<pid>-<random>``)
and holds an exclusive ``flock`` on ``<home>/tmp/<tag>.lock`` for as long as it lives; the
kernel drops the lock when the process dies, however it dies. The sweep deletes a tag's folder,
lock and staging files only when it can take that lock itself. The lock file is created under a
name the sweep ignores and renamed into place already locked, so the sweep never sees a live
process's lock unlocked. Staging files that must sit beside a dataset's versions (one
filesystem, so the final rename is atomic) carry the tag in their name for the same check.
Where ``fcntl`` does not exist (Windows) a tag's files are swept once they are a day old.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

TMP_FOLDER = "tmp"
# folders under the workspace whose ``*/*/.staging-*`` files are imports in progress
STAGING_ROOTS = ("datasets", "eventlogs")
STAGING_PREFIX = ".staging-"
MAX_AGE_WITHOUT_LOCKS = 24 * 3600.0
COPY_CHUNK = 1 << 20
_TAG = re.compile(r"p(\d+)-[0-9a-f]{8}")
_tag = f"p{os.getpid()}-{uuid.uuid4().hex[:8]}"
_held: dict[Path, int] = {}      # tmp root -> open, locked file descriptor of this process
_creating = threading.Lock()     # one thread at a time creates a tmp root's folder and lock
_default_home: list[Path] = []   # the workspace folder registered by sweep_tmp (the CLI's or the app's)


def fsync_path(path: Path) -> None:
    """Flush a file (or a directory's entries, after a rename) to disk; best effort where the OS cannot."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- this process's folder ------------------------------------------------------------------------------

def process_tag() -> str:
    """This process's name in temporary file names; a forked child gets a new one."""
    global _tag
    if not _tag.startswith(f"p{os.getpid()}-"):
        _tag = f"p{os.getpid()}-{uuid.uuid4().hex[:8]}"
        _held.clear()
    return _tag


def _lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def process_tmp(home: Path) -> Path:
    """``<home>/tmp/<tag>/``, created and locked for this process's lifetime (see the module docstring).

    Threads of one process share the folder; creating its lock is serialised (two imports started at
    once in the app once raced on the same pending lock name, and one failed with FileNotFoundError)."""
    with _creating:
        return _process_tmp(Path(home) / TMP_FOLDER)


def _process_tmp(root: Path) -> Path:
    tag = process_tag()
    folder = root / tag
    lock = root / f"{tag}.lock"
    if root not in _held or not lock.exists():  # first use, or the folder was deleted under us
        if root in _held:
            with contextlib.suppress(OSError):
                os.close(_held.pop(root))
        root.mkdir(parents=True, exist_ok=True)
        pending = root / f".{tag}.lock.new"
        fd = os.open(pending, os.O_CREAT | os.O_RDWR, 0o600)
        _lock(fd)
        os.replace(pending, lock)
        if not _held:
            atexit.register(_release_all)
        _held[root] = fd
    folder.mkdir(exist_ok=True)
    return folder


def _release_all() -> None:
    """At a normal exit: remove this process's folders and locks (a killed process leaves them to the sweep)."""
    if not _tag.startswith(f"p{os.getpid()}-"):
        return  # a forked child exiting: the folders are its parent's
    for root, fd in list(_held.items()):
        shutil.rmtree(root / _tag, ignore_errors=True)
        with contextlib.suppress(OSError):
            (root / f"{_tag}.lock").unlink()
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


@contextlib.contextmanager
def as_own_process() -> Iterator[None]:
    """Run one command in this process as if it were a process of its own (a CLI command run in-process by a
    test or a notebook): the temporary folders and locks it takes are released at the end, as the console
    script's exit releases them, and the workspace folder registered before is registered again."""
    global _held
    outer, home = _held, list(_default_home)
    _held = {}
    try:
        yield
    finally:
        _release_all()
        _held = outer
        _default_home[:] = home


def register_home(home: Path | None) -> None:
    """Make ``home`` the workspace folder of temporary work that is not told one (see :func:`workspace_tmp`)."""
    _default_home[:] = [Path(home)] if home is not None else []


@contextlib.contextmanager
def workspace_tmp(home: Path | None = None, prefix: str = "work-") -> Iterator[Path]:
    """A fresh folder for one piece of work, removed afterwards (and by the next start's sweep if killed).

    It lives in this process's folder under ``home``, or under the workspace registered at start
    (:func:`sweep_tmp`); with neither (a notebook, a unit test) in the system temp folder.
    """
    home = home if home is not None else (_default_home[0] if _default_home else None)
    if home is None:
        with tempfile.TemporaryDirectory(prefix=f"journeys-{prefix}") as work:
            yield Path(work)
        return
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=process_tmp(home)))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def staging_path(home: Path, folder: Path, suffix: str = ".parquet") -> Path:
    """A fresh ``.staging-<tag>-<random>`` file name in ``folder`` (beside a dataset's versions), not created.

    The tag ties it to this process: the sweep removes it (and its ``.tmp``) once the process is gone."""
    process_tmp(home)
    return folder / f"{STAGING_PREFIX}{process_tag()}-{uuid.uuid4().hex}{suffix}"


# --- the sweep ----------------------------------------------------------------------------------------------

def _dead(root: Path, tag: str) -> bool:
    """Whether the process that owned ``tag`` is gone; takes (and drops) its lock to find out."""
    if tag == process_tag():
        return False
    lock = root / f"{tag}.lock"
    if fcntl is None:
        with contextlib.suppress(OSError):
            return time.time() - (root / tag).stat().st_mtime > MAX_AGE_WITHOUT_LOCKS
        return True
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return True  # the lock is created before anything else of a tag: without it, nothing is live
    except OSError:
        return False
    try:
        return _lock(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def sweep_tmp(home: Path | str, register: bool = True) -> int:
    """Delete what dead processes left under ``home`` (work folders, decoded copies, staging files).

    Called once at the start of every CLI command and of the app; files of live processes are kept
    (see the module docstring). Registers ``home`` for :func:`workspace_tmp`. Never raises: a
    read-only or missing folder just has nothing swept. Returns how many entries were removed.
    """
    home = Path(home)
    if register:
        register_home(home)
    root = home / TMP_FOLDER
    removed = 0
    dead: set[str] = set()
    with contextlib.suppress(OSError):
        for entry in sorted(root.iterdir()) if root.is_dir() else []:
            name = entry.name
            if name.startswith(".") and name.endswith(".lock.new"):
                match = _TAG.fullmatch(name[1:-len(".lock.new")])
                if match and not _pid_alive(int(match.group(1))):  # killed between creating and renaming it
                    removed += _remove(entry)
                continue
            tag = name.removesuffix(".lock")
            if not _TAG.fullmatch(tag) or tag in dead:
                continue
            if _dead(root, tag):
                dead.add(tag)
    for tag in dead:
        removed += _remove(root / tag)
        removed += _remove(root / f"{tag}.lock")  # last: until it is gone, no live process can hold this tag
    for top in STAGING_ROOTS:
        base = home / top
        if not base.is_dir():
            continue
        with contextlib.suppress(OSError):
            for path in base.glob(f"*/*/{STAGING_PREFIX}p*"):
                match = _TAG.match(path.name[len(STAGING_PREFIX):])
                if match and (match.group(0) in dead or _dead(root, match.group(0))):
                    removed += _remove(path)
    return removed


def start_tmp(home: Path | str) -> None:
    """:func:`sweep_tmp` once per process and workspace folder: the app calls it on every run, sweeps at start."""
    home = Path(home)
    register_home(home)
    if home not in _swept:
        _swept.add(home)
        sweep_tmp(home)


_swept: set[Path] = set()


def _remove(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return 0
    except OSError:
        return 0
    return 1


# --- bounded copies -----------------------------------------------------------------------------------------

class TooLarge(OSError):
    """A stream was longer than the limit it was copied under."""


def copy_stream(source: BinaryIO, dest: Path, limit: int | None = None, chunk: int = COPY_CHUNK) -> int:
    """Copy ``source`` to ``dest`` in ``chunk``-sized pieces (never a second whole copy in memory).

    ``limit`` (bytes) stops the copy as soon as it is passed: the partial file is removed and
    :class:`TooLarge` raised. Returns the bytes written."""
    written = 0
    try:
        with dest.open("wb") as out:
            while block := source.read(chunk):
                written += len(block)
                if limit is not None and written > limit:
                    raise TooLarge(f"larger than {limit:,} bytes")
                out.write(block)
    except BaseException:
        with contextlib.suppress(OSError):
            dest.unlink()
        raise
    return written
