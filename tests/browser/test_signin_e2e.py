"""Sign-in for a team, end to end in Chromium against a real OpenID Connect provider (PyPI's
``oidc-provider-mock``, started here on 127.0.0.1): Streamlit's own ``st.login`` with an ``[auth]`` section.

Ann (a configured admin) signs in and owns every workspace, invites Ben as a viewer of one, downloads the affected
customers (recorded); Ben signs in, sees only that workspace, cannot save, cannot download customer ids, and
signs out.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import werkzeug.serving
from oidc_provider_mock import User as ProviderUser
from oidc_provider_mock import app as provider_app
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY
from journeys.members import Members, Role
from journeys.store import Store
from tests.browser.conftest import (
    Server,
    choose,
    download,
    free_port,
    start_server,
    stop_server,
    wait_idle,
    watch_errors,
)

ANN = ProviderUser(sub="ann", claims={"email": "ann@example.org", "name": "Ann Owner"})
BEN = ProviderUser(sub="ben", claims={"email": "ben@example.org", "name": "Ben Viewer"})


@pytest.fixture
def provider() -> Iterator[str]:
    """A real OpenID Connect provider on 127.0.0.1 with two people; its discovery document at the usual path."""
    app = provider_app(user_claims=[ANN, BEN], require_client_registration=False)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def team_server(demo_template: Path, tmp_path: Path, provider: str) -> Iterator[Server]:
    """The demo workspace and a second one ("finance"), served with sign-in through the provider; Ann is admin."""
    home = tmp_path / "workspace"
    shutil.copytree(demo_template, home)
    with Store.for_folder(home) as store:
        store.ensure_workspace("finance")
        loaded = store.load("demo", DEMO_JOURNEY)  # a second version, for a restore to try
        store.save("demo", loaded.journey.model_copy(update={"description": "Reviewed"}), loaded.version, "Ann Owner")
    port = free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(16)}"\n'
        'client_id = "journeys"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    running = start_server(home, port=port, args=("--secrets.files", str(secrets_file)),
                           env={"JOURNEYS_ADMINS": "ann@example.org"})
    yield running
    stop_server(running)


def sign_in_as(page, server: Server, who: ProviderUser) -> None:
    page.goto(server.url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=who.sub, exact=True).click()  # the provider's own page: a predefined user
    expect(page.get_by_text(f"Signed in as {who.claims['name']}")).to_be_visible()
    wait_idle(page)


def ours(errors: list[str], provider: str) -> list[str]:
    """The errors of our app: the provider's own sign-in page (a test double) loads its CSS from a CDN and has
    no favicon, which is not ours to fix."""
    return [e for e in errors if provider not in e and "cdn.jsdelivr.net/npm/@picocss" not in e]


def workspaces_offered(page) -> list[str]:
    box = page.get_by_label("Workspace", exact=True)
    box.click()
    names = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return names


def test_two_people_roles_a_viewer_who_cannot_save_and_a_recorded_download(team_server, page_factory, provider):
    ann = page_factory(width=1440)
    errors = watch_errors(ann)
    sign_in_as(ann, team_server, ANN)
    expect(ann.get_by_text("Signed in as Ann Owner · owner")).to_be_visible()
    assert workspaces_offered(ann) == ["demo", "finance"]  # an admin owns every workspace

    # Ann invites Ben to "demo" as a viewer on the Settings page.
    ann.goto(f"{team_server.url}/settings")
    wait_idle(ann)
    ann.get_by_label("E-mail address").fill("ben@example.org")
    ann.get_by_label("Role", exact=True).click()
    ann.get_by_role("option", name=re.compile("^viewer")).click()
    ann.get_by_role("button", name="Invite").click()
    expect(ann.get_by_text("Invited ben@example.org as viewer.")).to_be_visible()
    with Store.for_folder(team_server.home) as store:
        assert Members(store).role_of("demo", "ben@example.org") == Role.viewer
        assert Members(store).role_of("finance", "ben@example.org") is None

    # Ann downloads who to tell about EX-1: the file arrives and the download is recorded.
    ann.goto(f"{team_server.url}/review?experiment=EX-1")
    wait_idle(ann)
    customers = download(ann, ann.get_by_role("button", name=re.compile(r"^Affected customers \(\d")))
    rows = customers.path().read_text(encoding="utf-8").strip().splitlines()
    assert rows[0].startswith("customer_id") and len(rows) > 1
    ann.goto(f"{team_server.url}/settings")
    wait_idle(ann)
    record = ann.get_by_test_id("stDataFrame").last
    expect(record).to_contain_text("affected customers of EX-1")
    assert ours(errors, provider) == [], errors

    # Ben signs in: only "demo", as a viewer; a restore is refused in words and nothing is saved.
    ben = page_factory(width=1280)
    ben_errors = watch_errors(ben)
    sign_in_as(ben, team_server, BEN)
    expect(ben.get_by_text("Signed in as Ben Viewer · viewer")).to_be_visible()
    assert workspaces_offered(ben) == ["demo"]
    with Store.for_folder(team_server.home) as store:
        before = store.load("demo", DEMO_JOURNEY).version
    ben.goto(f"{team_server.url}/history?journey={DEMO_JOURNEY.replace(' ', '%20')}")
    wait_idle(ben)
    choose(ben, "Version", "1")
    ben.get_by_role("button", name=re.compile(r"^Restore version")).click()
    wait_idle(ben)
    expect(ben.get_by_text("needs the editor role", exact=False)).to_be_visible()
    with Store.for_folder(team_server.home) as store:
        assert store.load("demo", DEMO_JOURNEY).version == before
    ben.goto(f"{team_server.url}/review?experiment=EX-1")
    wait_idle(ben)
    expect(ben.get_by_role("button", name="Affected customers (CSV)")).to_be_disabled()

    # Ben signs out: back to the sign-in screen.
    ben.get_by_role("button", name="Sign out").click()
    ben.get_by_role("button", name="End session").click()  # the provider's own page confirms
    expect(ben.get_by_role("button", name="Sign in")).to_be_visible()
    expect(ben.get_by_text("Signed in as")).to_have_count(0)
    assert ours(ben_errors, provider) == [], ben_errors
