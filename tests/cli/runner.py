"""The one way tests run the ``journeys`` command line: in-process (fast) or as the real console script.

:func:`run` calls the click command in this process through click's ``CliRunner``: the same parsing,
the same error handling (:class:`journeys.cli.app.Group` turns every failure into ``journeys: …`` and
exit 2) and the same output as the console script, without 1.5–3 s of interpreter start-up per call.
It returns a :class:`subprocess.CompletedProcess` so a test reads ``returncode``, ``stdout`` and
``stderr`` either way (the text exactly as written: a ``\r`` stays a ``\r``, where a subprocess read
in text mode turned it into ``\n``). An exception that escapes the command (anything but ``SystemExit``)
fails the test: the console script would have printed it as a traceback.

One command is one process to :mod:`journeys.files`: it registers its workspace folder as the default
for temporary work and keeps ``<home>/tmp/p<pid>-…`` locked until the process exits. :func:`run` does
what that exit does through :func:`journeys.files.as_own_process` (removes the folder and lock,
closes the descriptor) and restores the registered folder, so no command leaves state behind for the next test.

:func:`run_console_script` starts ``python -m journeys`` in a subprocess; keep it for tests where the
process itself is under test (entry point, exit status of a real process, signals, capabilities).
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

from click.testing import CliRunner

from journeys.cli import cli
from journeys.files import as_own_process

AUTHOR = "tester"
INSTALLED_SCRIPT = Path(sys.executable).with_name("journeys")  # the [project.scripts] entry point


def _journeys_env(home: Path, url: str | None) -> dict[str, str]:
    """The JOURNEYS_* variables a command sees: the workspace folder, the author and an optional database."""
    env = {"JOURNEYS_HOME": str(home), "JOURNEYS_AUTHOR": AUTHOR}
    if url:
        env["JOURNEYS_DATABASE_URL"] = url
    return env


def run(home: Path, *args: str, check_ok: bool = False, url: str | None = None) -> subprocess.CompletedProcess[str]:
    """``journeys ARGS`` in this process, on the workspace folder ``home``, as the author ``tester``.

    Every other JOURNEYS_* variable of the test process is removed for the call (and restored after),
    as the subprocess helper did, so a test never reads the developer's workspace by accident.
    """
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("JOURNEYS_")}
    env.update(_journeys_env(home, url))
    with as_own_process():  # its tmp folders and locks released at the end, as the console script's exit does
        result = CliRunner(env=env).invoke(cli, list(args), prog_name="journeys")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        shown = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
        raise AssertionError(f"journeys {' '.join(args)}: uncaught exception (a traceback for a user):\n{shown}")
    code = result.exit_code
    proc = subprocess.CompletedProcess(["journeys", *args], code, result.stdout, result.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    if check_ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def run_console_script(home: Path, *args: str, check_ok: bool = False, url: str | None = None,
                       prefix: list[str] | None = None, installed: bool = False, timeout: float = 180
                       ) -> subprocess.CompletedProcess[str]:
    """``python -m journeys ARGS`` in a real subprocess (``prefix`` runs it under e.g. ``setpriv``).

    ``installed`` runs the ``journeys`` script the package installs beside the interpreter instead.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    env.update(_journeys_env(home, url))
    command = [str(INSTALLED_SCRIPT)] if installed else [sys.executable, "-m", "journeys"]
    proc = subprocess.run([*(prefix or []), *command, *args], capture_output=True,
                          text=True, env=env, timeout=timeout)
    assert "Traceback" not in proc.stderr + proc.stdout
    if check_ok:
        assert proc.returncode == 0, proc.stderr
    return proc
