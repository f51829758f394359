"""Real `streamlit run` servers and headless Debian Chromium for end-to-end tests.

Each server runs on a free port on 127.0.0.1 with its own workspace folder and
is stopped by its PID; tests wait on Streamlit's own "script not running"
marker, never on sleeps. Screenshots go to ``artifacts/screenshots``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

pytestmark = pytest.mark.browser


@dataclass
class Server:
    url: str
    home: Path
    process: subprocess.Popen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path) -> Server:
    """Start `streamlit run streamlit_app.py` and wait until its health check says ok."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    env["JOURNEYS_HOME"] = str(home)
    log = open(home.parent / f"streamlit-{port}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log.name}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return Server(url, home, process)
        except OSError:
            time.sleep(0.1)  # polling a server that is still starting, not synchronising the test
    process.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: ./run.sh test installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """A server shared by the tests that do not need a fresh one."""
    running = start_server(tmp_path_factory.mktemp("e2e") / "workspace")
    yield running
    stop_server(running)


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[Server]:
    """A server nobody has requested anything from yet."""
    running = start_server(tmp_path / "workspace")
    yield running
    stop_server(running)


@pytest.fixture
def page_factory(browser):
    """New pages in isolated browser contexts (separate cookies = separate people)."""
    contexts = []

    def make(width: int = 1600, height: int = 1100):
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield make
    for context in contexts:
        context.close()


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector(IDLE, timeout=30_000)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
