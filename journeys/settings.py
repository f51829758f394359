"""Where the workspace lives, read from the environment once.

The embedded default keeps everything in one folder (SQLite file for the
workspace database, DuckDB/Parquet for ticket data) so a newcomer needs no
server. A team sets ``JOURNEYS_DATABASE_URL`` to a PostgreSQL URL instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WORKSPACE = "demo"
# The largest file the pages accept (megabytes): Streamlit's uploader holds an upload in memory before
# it reaches disk, so this bounds the server's memory per upload. The CLI reads files from disk and has
# no such cap.
DEFAULT_MAX_UPLOAD_MB = 1024


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; build with :func:`load_settings`."""

    home: Path
    database_url: str
    workspace: str
    author: str
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB

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
    """
    folder = Path(home or os.environ.get("JOURNEYS_HOME") or "workspace").expanduser().resolve()
    url = database_url or os.environ.get("JOURNEYS_DATABASE_URL") or f"sqlite:///{folder / 'journeys.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    name = workspace or os.environ.get("JOURNEYS_WORKSPACE") or DEFAULT_WORKSPACE
    author = os.environ.get("JOURNEYS_AUTHOR") or os.environ.get("USER") or "cli"
    return Settings(home=folder, database_url=url, workspace=name, author=author,
                    max_upload_mb=_positive_int(os.environ.get("JOURNEYS_MAX_UPLOAD_MB"), DEFAULT_MAX_UPLOAD_MB))


def _positive_int(text: str | None, default: int) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        return default
    return value if value > 0 else default
