"""`journeys serve` is the server: a signal to its PID stops Streamlit; beyond loopback it needs a reason."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from journeys.cli.start import is_loopback as _is_loopback

STOP_WITHIN = 5.0  # seconds the issue allows between the signal and a closed port


def _env(home: Path, user_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOURNEYS_", "STREAMLIT_"))}
    env.update(JOURNEYS_HOME=str(home), JOURNEYS_AUTHOR="tester", HOME=str(user_home),
               STREAMLIT_SERVER_HEADLESS="true", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("serve")
    home, user_home = base / "ws", base / "user"
    user_home.mkdir()
    done = subprocess.run([sys.executable, "-m", "journeys", "init"], env=_env(home, user_home), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return home, user_home


def _started(workspace: tuple[Path, Path], port: int, *more: str) -> subprocess.Popen[str]:
    """``journeys serve`` on ``port``, once its health endpoint answers ok."""
    proc = subprocess.Popen([sys.executable, "-m", "journeys", "serve", "--port", str(port), *more],
                            env=_env(*workspace), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)  # polling interval, not synchronisation: the loop ends on the health answer
    proc.kill()
    pytest.fail("serve did not answer /_stcore/health within 90 s")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_its_pid_stops_the_server(workspace, sig):
    port = _free_port()
    proc = _started(workspace, port)
    try:
        proc.send_signal(sig)
        proc.wait(timeout=STOP_WITHIN)  # TimeoutExpired here means a server kept running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not _listening(port)
    assert "Traceback" not in (proc.stdout.read() if proc.stdout else "")


@pytest.mark.parametrize("address", ["0.0.0.0", "192.0.2.7", "example.org", "::"])
@pytest.mark.parametrize("secrets", ["", '[auth]\nredirect_uri = "http://x/oauth2callback"\ncookie_secret = "s"\n'],
                         ids=["no secrets", "auth without a provider"])
def test_beyond_loopback_it_refuses_without_sign_in_or_allow_anonymous(workspace, address, secrets):
    home, user_home = workspace
    (user_home / ".streamlit").mkdir(exist_ok=True)
    (user_home / ".streamlit" / "secrets.toml").write_text(secrets, encoding="utf-8")
    port = _free_port()
    done = subprocess.run([sys.executable, "-m", "journeys", "serve", "--address", address, "--port", str(port)],
                          env=_env(home, user_home), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "--allow-anonymous" in done.stderr and "sign-in" in done.stderr
    assert "Traceback" not in done.stderr and not _listening(port)


def test_with_sign_in_configured_it_serves_on_every_address(workspace):
    """A complete [auth] section (the app then asks everyone to sign in): a network address is accepted."""
    _, user_home = workspace
    (user_home / ".streamlit").mkdir(exist_ok=True)
    (user_home / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "http://x/oauth2callback"\ncookie_secret = "s"\nclient_id = "journeys"\n'
        'client_secret = "c"\nserver_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n',
        encoding="utf-8")
    port = _free_port()
    proc = _started(workspace, port, "--address", "0.0.0.0")
    try:
        assert _listening(port)
    finally:
        proc.terminate()
        proc.wait(timeout=STOP_WITHIN)
        (user_home / ".streamlit" / "secrets.toml").unlink()


def test_loopback_addresses():
    assert all(_is_loopback(a) for a in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"))
    assert not any(_is_loopback(a) for a in ("0.0.0.0", "::", "", "10.0.0.1", "example.org", "127.0.0.1.evil"))
