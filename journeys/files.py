"""Durable file writes: what the importers need to make "written aside, then renamed" survive a power cut."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush a file (or a directory's entries, after a rename) to disk; best effort where the OS cannot."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
