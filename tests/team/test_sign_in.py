"""Sign-in rules on both backends (SQLite and a real PostgreSQL): who becomes owner on the first sign-in, admins,
invitations accepted at first sign-in, only one's own workspaces listed, and a viewer refused on the shared store."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.demo.journey_maps import DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.errors import NotAllowed
from journeys.members import Members, Role, User, local_user
from journeys.store import Store
from journeys.usecases import team
from journeys.workspace import open_workspace

ANA, BO, CY = User("ana@example.org", "Ana"), User("bo@example.org", "Bo"), User("cy@example.org", "Cy")


@pytest.fixture
def deployment(store: Store) -> Store:
    """Two workspaces made by the CLI's local user (an owner who never signs in through the provider)."""
    for name in ("support", "billing"):
        store.ensure_workspace(name)
        team.make_owner(store, name, local_user())
    load_demo(store, "support")
    return store


def test_the_first_person_to_sign_in_owns_every_workspace_then_nobody_else_does(deployment: Store) -> None:
    assert team.sign_in(deployment, ANA) == {"billing": Role.owner, "support": Role.owner}
    assert team.sign_in(deployment, BO) == {}  # not invited: no workspace
    newest = max(Members(deployment).history("support"), key=lambda r: r.version)
    assert (newest.message, newest.author) == ("First sign-in to the deployment", "Ana")


def test_admins_own_everything_and_an_invitation_is_accepted_at_first_sign_in(deployment: Store,
                                                                              tmp_path: Path) -> None:
    admins = ["ana@example.org"]
    assert team.sign_in(deployment, ANA, admins) == {"billing": Role.owner, "support": Role.owner}
    with open_workspace(tmp_path, deployment.url, "support", store=deployment) as ws:
        team.invite(ws.as_user(ANA, Role.owner), "Bo@Example.org", Role.viewer, "Ana")
    assert Members(deployment).load("support").members.find("bo@example.org").joined is None
    assert team.sign_in(deployment, BO, admins) == {"support": Role.viewer}  # only the workspace he is in
    bo = Members(deployment).load("support").members.find("bo@example.org")
    assert bo.joined is not None and bo.name == "Bo"
    assert team.sign_in(deployment, CY, admins) == {}  # admins configured: no first-user claim

    with open_workspace(tmp_path, deployment.url, "support", store=deployment) as ws:
        viewer = ws.as_user(BO, team.role_of(deployment, "support", BO, admins))
        loaded = viewer.journeys.load(DEMO_JOURNEY)
        with pytest.raises(NotAllowed, match="viewer"):
            viewer.journeys.save(loaded.journey.model_copy(update={"description": "x"}), loaded.version, "Bo")
        assert deployment.load("support", DEMO_JOURNEY).version == loaded.version
        assert viewer.journeys.names()  # reading is allowed


def test_an_address_that_is_not_one_is_refused(deployment: Store, tmp_path: Path) -> None:
    with (open_workspace(tmp_path, deployment.url, "support", store=deployment) as ws,
          pytest.raises(Exception, match="is not an e-mail address")):
        team.invite(ws, "<script>@", Role.editor, "Ana")
    assert team.admins_from("a@x.org, b@y.org  nonsense") == {"a@x.org", "b@y.org"}
