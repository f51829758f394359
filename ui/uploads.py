"""An upload kept on disk: the Import tickets and Discover pages' way to take a file from the browser.

Why the upload goes to disk straight away: ``st.file_uploader`` holds the whole
file in memory (up to the cap, ``JOURNEYS_MAX_UPLOAD_MB``), and the importers
(DuckDB) read from a path. The bytes are streamed to ``<home>/uploads/`` once,
in 1 MiB pieces, Streamlit's in-memory copy is released,
and from then on a page works with a path in session state.
The file is removed after a successful import, when another file is chosen,
or — for abandoned sessions — by a clean-up of day-old uploads.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from journeys.errors import Problem
from journeys.files import TooLarge, copy_stream
from ui.frame import settings

UPLOADS_FOLDER = "uploads"
UPLOAD_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Upload:
    """The file being imported: where it was saved, what it was called, and the upload's id."""

    path: Path
    name: str
    size: int
    file_id: str



def size_label(n: int) -> str:
    """A byte count as people read it: ``1.2 MB``."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} bytes"



def uploads_folder() -> Path:
    """Where uploads wait for their import: ``<home>/uploads/<one folder per upload>/``."""
    return settings().home / UPLOADS_FOLDER


def remove_stale_uploads(max_age: timedelta = UPLOAD_MAX_AGE) -> int:
    """Delete uploads older than ``max_age``: sessions closed before importing leave their file behind."""
    folder = uploads_folder()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - max_age.total_seconds()
    removed = 0
    for path in folder.glob("*/*"):
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                remove_upload(path)
                removed += 1
    return removed


def safe_file_name(name: str) -> str:
    """The upload's own name, made safe for the filesystem; the extension is kept (the reader looks at it)."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f/]+", "", base).strip().lstrip(".") or "upload"
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    return f"{stem[:100] or 'upload'}{suffix}"


def upload_limit_mb() -> int:
    """The uploader's cap in MB (``JOURNEYS_MAX_UPLOAD_MB``); ``journeys serve`` gives Streamlit's server the same."""
    return settings().max_upload_mb


def save_upload(uploaded: Any) -> Upload:
    """Stream the upload to disk in 1 MiB pieces (no second copy in memory) and release Streamlit's copy.

    Each upload gets a folder of its own, so the file keeps its name: the import report (stored with the
    dataset) and any problem then name the file the user chose. The cap is checked again while copying
    (:class:`~journeys.files.TooLarge`), whatever the browser claimed."""
    folder = uploads_folder() / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_file_name(uploaded.name)
    uploaded.seek(0)
    try:
        size = copy_stream(uploaded, path, limit=upload_limit_mb() << 20)
    except OSError:
        remove_upload(path)
        raise
    finally:
        _release(uploaded.file_id)
    return Upload(path=path, name=path.name, size=size, file_id=uploaded.file_id)


def upload_failed(error: OSError) -> str:
    """Why an upload could not be kept, in words (the limit, or the disk's reason)."""
    if isinstance(error, TooLarge):
        return (f"The file is larger than the upload limit of {upload_limit_mb():,} MB (JOURNEYS_MAX_UPLOAD_MB). "
                "Import it on the command line instead.")
    return f"The file could not be saved on the server ({error.strerror or type(error).__name__})."


def remove_upload(path: Path) -> None:
    """Delete an upload and its folder."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _release(file_id: str) -> None:
    """Drop Streamlit's in-memory copy of an upload we have on disk (as ``st.chat_input`` does for its files)."""
    with contextlib.suppress(Exception):  # an optimisation only: without it the copy goes with the session
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
            ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=file_id)


def problems_table(problems: list[Problem], where: str = "Where") -> None:
    """Why a file cannot be used, one row per problem, in a table (file text never reaches Markdown)."""
    if problems:
        st.dataframe(pd.DataFrame({where: [p.where for p in problems], "What is wrong": [p.reason for p in problems]}),
                     hide_index=True, width="stretch")


# --- an upload kept in session state ---------------------------------------------------------------------------

def kept_upload(key: str) -> Upload | None:
    """The upload a page keeps in session state under ``key`` (None when there is none)."""
    upload = st.session_state.get(key)
    return upload if isinstance(upload, Upload) else None


def reset_widgets(prefix: str) -> None:
    """Forget every widget whose key starts with ``prefix``: a new file starts from its own proposal."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def forget_upload(key: str, derived: tuple[str, ...] = ()) -> None:
    """Remove the kept upload's file and the session state derived from it (``derived`` keys)."""
    upload = kept_upload(key)
    if upload is not None:
        remove_upload(upload.path)
    for name in (key, *derived):
        st.session_state.pop(name, None)
