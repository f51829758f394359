"""A throwaway PostgreSQL cluster for the test suite (no server needs to be running).

``initdb`` a temporary data directory, start ``postgres`` on a free port on
127.0.0.1 with its socket inside that directory, hand out databases, then stop
it and delete everything. PostgreSQL refuses to run as root, so when the suite
runs as root the server commands run as the unprivileged user ``nobody``.
Durability is switched off (``fsync=off`` …): the data is thrown away anyway,
and it keeps start-up and ``CREATE DATABASE`` fast.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

UNPRIVILEGED_USER, UNPRIVILEGED_GROUP = "nobody", "nogroup"
INITDB_OPTIONS = ["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


def find_bindir() -> Path | None:
    """The folder holding initdb/pg_ctl/postgres: from PATH, else the newest /usr/lib/postgresql/*/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent  # resolve: pg_ctl finds postgres next to its real path
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0))
    for folder in reversed(candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """A running throwaway cluster; use as a context manager.

    >>> with PgCluster() as pg:
    ...     url = pg.create_database("demo")   # postgresql+psycopg://postgres@127.0.0.1:PORT/demo
    """

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql")
        self.bindir = found
        self.root: Path | None = None
        self.port = 0
        self._counter = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a server binary, as ``nobody`` when we are root; raise with its output on failure."""
        assert self.root is not None
        extra: dict[str, Any] = {}
        if os.geteuid() == 0:
            extra = {"user": UNPRIVILEGED_USER, "group": UNPRIVILEGED_GROUP, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.root)}
        done = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            **extra,
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{tail}")
        return done

    def start(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="journeys-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, UNPRIVILEGED_USER, UNPRIVILEGED_GROUP)
        data = self.root / "data"
        self._run("initdb", "-D", str(data), *INITDB_OPTIONS)
        for attempt in range(3):  # the free port can be taken between picking and binding
            self.port = _free_port()
            options = f"-p {self.port} -k '{self.root}' -c listen_addresses=127.0.0.1 {SERVER_OPTIONS}"
            try:
                self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            if (self.root / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PgCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- databases -------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a fresh name if none given) and return its URL."""
        if name is None:
            self._counter += 1
            name = f"test_{self._counter}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connections still open to it."""
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
