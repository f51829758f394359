"""Where the workspace lives, read from the environment once.

The embedded default keeps everything in one folder (SQLite file for the
workspace database, DuckDB/Parquet for ticket data) so a newcomer needs no
server. A team sets ``JOURNEYS_DATABASE_URL`` to a PostgreSQL URL instead.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_WORKSPACE = "demo"
# The largest file the pages accept (megabytes): Streamlit's uploader holds an upload in memory before
# it reaches disk, so this bounds the server's memory per upload. The CLI reads files from disk and has
# no such cap.
DEFAULT_MAX_UPLOAD_MB = 1024


@dataclass(frozen=True)
class ImportLimits:
    """What one import may use, so a huge or hostile file fails in words instead of exhausting the machine."""

    memory: str = "512MB"  # DuckDB's memory_limit for an import's own connection (it spills to disk beyond)
    max_log_bytes: int = 20 << 30  # event logs larger than this are refused before reading
    max_events: int = 50_000_000  # event logs with more events are refused (0: no limit)


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build with :func:`load_settings`."""

    home: Path
    database_url: str
    workspace: str
    author: str
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
    import_limits: ImportLimits = field(default_factory=ImportLimits)

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(home: str | Path | None = None, database_url: str | None = None,
                  workspace: str | None = None) -> Settings:
    """Settings from arguments, then ``JOURNEYS_*`` environment variables, then defaults.

    - ``JOURNEYS_HOME``: the workspace folder (default ``./workspace``).
    - ``JOURNEYS_DATABASE_URL``: SQLAlchemy URL of the workspace database
      (default: SQLite file ``journeys.db`` in the workspace folder).
    - ``JOURNEYS_WORKSPACE``: the workspace opened by default (default ``demo``).
    - ``JOURNEYS_AUTHOR``: name recorded on CLI saves (default: the OS user).
    - ``JOURNEYS_MAX_UPLOAD_MB``: the largest upload the pages accept, in MB (default 1024); a value
      that is not a positive whole number falls back to the default.
    - ``JOURNEYS_IMPORT_MEMORY``, ``JOURNEYS_MAX_LOG_BYTES``, ``JOURNEYS_MAX_EVENTS``: see :func:`import_limits`.
    """
    folder = Path(home or os.environ.get("JOURNEYS_HOME") or "workspace").expanduser().resolve()
    url = database_url or os.environ.get("JOURNEYS_DATABASE_URL") or f"sqlite:///{folder / 'journeys.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    name = workspace or os.environ.get("JOURNEYS_WORKSPACE") or DEFAULT_WORKSPACE
    author = os.environ.get("JOURNEYS_AUTHOR") or os.environ.get("USER") or "cli"
    return Settings(home=folder, database_url=url, workspace=name, author=author,
                    max_upload_mb=_positive_int(os.environ.get("JOURNEYS_MAX_UPLOAD_MB"), DEFAULT_MAX_UPLOAD_MB),
                    import_limits=import_limits())


def import_limits() -> ImportLimits:
    """Import limits from the environment; a value that is not well formed falls back to the default.

    - ``JOURNEYS_IMPORT_MEMORY``: memory one import's DuckDB may use, e.g. ``512MB`` or ``2GB`` (default 512MB).
    - ``JOURNEYS_MAX_LOG_BYTES``: the largest event-log file imported, in bytes (default 20 GiB).
    - ``JOURNEYS_MAX_EVENTS``: the most events an event log may have (default 50,000,000; 0 means no limit).
    """
    default = ImportLimits()
    memory = (os.environ.get("JOURNEYS_IMPORT_MEMORY") or "").strip()
    return ImportLimits(
        memory=memory if re.fullmatch(r"\d+(\.\d+)?\s?[KMGT]i?B", memory, re.IGNORECASE) else default.memory,
        max_log_bytes=_positive_int(os.environ.get("JOURNEYS_MAX_LOG_BYTES"), default.max_log_bytes),
        max_events=_whole_number(os.environ.get("JOURNEYS_MAX_EVENTS"), default.max_events))


def debug_enabled() -> bool:
    """``JOURNEYS_DEBUG`` set: the CLI lets an unexpected error's traceback through (for a bug report)."""
    return bool(os.environ.get("JOURNEYS_DEBUG"))


def _positive_int(text: str | None, default: int) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        return default
    return value if value > 0 else default


def _whole_number(text: str | None, default: int) -> int:
    """A count where 0 is meaningful ("no limit"); anything else not a whole number ≥ 0 gives the default."""
    return 0 if (text or "").strip() == "0" else _positive_int(text, default)
