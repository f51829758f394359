"""Getting started: ``journeys init [--demo]`` creates the workspace, ``journeys serve`` starts the app on it."""

from __future__ import annotations

import ipaddress
import os
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from journeys.cli.app import BadInput, with_workspace
from journeys.errors import clip_echo
from journeys.settings import Settings

if TYPE_CHECKING:
    from journeys.workspace import Workspace

DEMO_KINDS = ("dataset", "rules", "topics", "pain points", "experiments", "event log", "activity map")


@click.command()
@click.option("--demo", is_flag=True, help="Load the demo workspace (journeys, tickets and rules with planted "
              "problems).")
@click.option("--tickets", "n_tickets", default=200_000, show_default=True, type=click.IntRange(min=0),
              help="How many demo tickets to generate (0: journeys only).")
@with_workspace
def init(ws: Workspace, demo: bool, n_tickets: int) -> None:
    """Create the workspace (and its database); --demo loads the demo journeys and tickets."""
    from journeys.demo.loader import load_demo
    from journeys.members import Members
    from journeys.usecases.team import make_owner

    ws.store.ensure_workspace(ws.name)
    if not Members(ws.store).load(ws.name).members.members:  # the machine's user owns what it creates
        make_owner(ws.store, ws.name, ws.user)
    ws.home.mkdir(parents=True, exist_ok=True)
    created = load_demo(ws.store, ws.name, home=ws.home, tickets=n_tickets) if demo else []
    where = ws.home if ws.settings.uses_embedded_database else "the configured database"
    click.echo(f"Workspace '{ws.name}' ready in {where}.")
    for name in created:
        shown = name if name.startswith(DEMO_KINDS) else f"journey {name!r}"
        click.echo(f"  loaded demo {shown}")


# The app asks people to sign in (Streamlit's OpenID Connect) when secrets.toml has an [auth] section; without
# one, serving beyond this machine needs --allow-anonymous.
APP_ASKS_FOR_SIGN_IN = True
APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"  # the checkout's entry point, beside journeys/


@click.command()
@click.option("--port", default=8501, show_default=True, type=int)
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs sign-in or --allow-anonymous.")
@click.option("--allow-anonymous", is_flag=True,
              help="Serve on a non-loopback address without sign-in: anyone who can reach it can read and edit "
                   "the workspace.")
@click.pass_obj
def serve(settings: Settings, port: int, address: str, allow_anonymous: bool) -> None:
    """Start the web app on this workspace (this process becomes the server: stop it by its PID)."""
    if not APP.exists():
        raise BadInput(f"cannot find the app entry point {APP}; run from a checkout of journeys")
    if not is_loopback(address) and not allow_anonymous and not signs_in(APP.parent):
        raise BadInput(f"refusing to serve on {clip_echo(address)!r}: sign-in is not configured (an [auth] section "
                       "in .streamlit/secrets.toml, see the README), so anyone who can reach it could read and edit "
                       "the workspace; configure sign-in, serve on 127.0.0.1, or pass --allow-anonymous on a "
                       "network you trust")
    env = dict(os.environ, JOURNEYS_HOME=str(settings.home), JOURNEYS_DATABASE_URL=settings.database_url,
               JOURNEYS_WORKSPACE=settings.workspace)
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
               "--server.address", address, "--browser.gatherUsageStats", "false",
               "--server.maxUploadSize", str(settings.max_upload_mb)]  # the pages' cap (JOURNEYS_MAX_UPLOAD_MB)
    os.chdir(APP.parent)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become the server (no child left behind): SIGTERM or SIGINT to this PID stops Streamlit itself.
    os.execve(sys.executable, command, env)


def _has_provider(auth: dict[str, object]) -> bool:
    """An identity provider in [auth] itself or in a named sub-table ([auth.google] …), as Streamlit reads them."""
    tables = [auth, *(v for v in auth.values() if isinstance(v, dict))]
    return any(t.get("client_id") and t.get("server_metadata_url") for t in tables)


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine can connect."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def signs_in(app_dir: Path) -> bool:
    """Whether the app asks people to sign in: it must support it and have an [auth] section in the
    secrets Streamlit reads (the project's ``.streamlit/secrets.toml``, then the user's)."""
    if not APP_ASKS_FOR_SIGN_IN:
        return False
    for secrets in (app_dir / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        try:
            auth = tomllib.loads(secrets.read_text(encoding="utf-8")).get("auth")
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if isinstance(auth, dict) and auth.get("cookie_secret") and auth.get("redirect_uri") and _has_provider(auth):
            return True
    return False
