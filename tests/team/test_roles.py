"""Roles enforced in the use-case layer (Python API): every use case that writes refuses a viewer, whatever a page
shows, and leaves the workspace as it was; the same call as an editor goes through (so the refusal was the role,
not bad arguments); what only owners may do refuses an editor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import journeys
from journeys.demo.journey_maps import DEMO_FUTURE, DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.demo.ticket_export import write_zendesk_csv
from journeys.errors import NotAllowed
from journeys.members import Member, MemberList, Members, Role, User
from journeys.store import Store
from journeys.tickets.rules import Rule
from journeys.usecases import (
    improve,
    map_review,
    mapping_rules,
    prioritise,
    team,
    ticket_import,
    topic_curation,
    topic_mapping,
    topics,
)
from journeys.usecases.measure import pick_dataset
from journeys.workspace import Workspace

VIEWER, EDITOR, OWNER = User("vic@example.org", "Vic"), User("eda@example.org", "Eda"), User("own@example.org", "Ow")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("roles")
    with Store.for_folder(folder) as store:
        load_demo(store, "demo", home=folder, tickets=3000)
        Members(store).save("demo", MemberList(members=[Member(email=u.email, role=r, name=u.name) for u, r in
                                                        ((VIEWER, Role.viewer), (EDITOR, Role.editor),
                                                         (OWNER, Role.owner))]), "setup", 0, "members")
    return folder


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_zendesk_csv(tmp_path_factory.mktemp("export") / "export.csv", n=300, seed=5)


def as_user(home: Path, user: User) -> Iterator[Workspace]:
    with journeys.open_workspace(home, name="demo", user=user) as ws:
        yield ws


def fingerprint(home: Path) -> tuple[Any, ...]:
    """Everything a write could change: journeys and their versions, every document's version, datasets, rules."""
    with journeys.open_workspace(home, name="demo") as ws:
        docs = ws.store.reader.connect()
        try:
            from sqlalchemy import text

            documents = docs.execute(text("select kind, key, max(version) from documents group by kind, key")).all()
        finally:
            docs.close()
        return (tuple((s.name, s.version) for s in ws.journeys.list()), tuple(sorted(map(tuple, documents))),
                tuple((d.name, d.version) for d in ws.datasets.list()),
                tuple(ws.rules.load(j).version for j in ws.journeys.names()))


def _edited_journey(ws: Workspace) -> int:
    loaded = ws.journeys.load(DEMO_JOURNEY)
    return ws.journeys.save(loaded.journey.model_copy(update={"description": "Edited"}), loaded.version, "x")


def _new_rule(ws: Workspace) -> Any:
    seen = ws.rules.load(DEMO_JOURNEY)
    edit = mapping_rules.RuleEdit("add", "a rule", rule=Rule("login", "subject", "contains", "sign in"))
    return mapping_rules.change_rules(ws, DEMO_JOURNEY, seen, edit, "x")


def _rename_topic(ws: Workspace) -> Any:
    stored = topics.topics_of(ws)
    first = stored.topics.topics[0].id
    return topic_curation.rename_topic(ws, None, first, "Renamed", author="x", expected_version=stored.version)


def _topic_rule(ws: Workspace) -> Any:
    stored = topics.topics_of(ws)
    steps = ws.journeys.get(DEMO_JOURNEY).step_ids()
    return topic_mapping.add_topic_rule(ws, DEMO_JOURNEY, stored.topics.topics[0].id, steps[0], author="x",
                                        expected_version=ws.rules.load(DEMO_JOURNEY).version)


def _review_map(ws: Workspace) -> Any:
    found = ws.store.documents.get(ws.name, "review", DEMO_JOURNEY)
    return map_review.mark_reviewed(ws, DEMO_JOURNEY, ws.journeys.get(DEMO_JOURNEY), pick_dataset(ws, None), "x",
                                    found.version if found else 0)


def _weights(ws: Workspace) -> Any:
    weights, version = prioritise.weights(ws)
    return prioritise.set_weights(ws, weights, "x", version)


def _decide(ws: Workspace) -> Any:
    stored = ws.experiments.load("EX-1")
    return improve.decide(ws, "EX-1", "adopt", "It worked", "x", expected_version=stored.version)


def _pain(ws: Workspace) -> Any:
    stored = ws.painpoints.load("PP-1")
    return prioritise.update_painpoint(ws, "PP-1", {"effort": 11}, stored.version, "x")


def _customers(ws: Workspace) -> Any:
    frame = improve.customers(ws, "EX-1")
    return improve.customers_file(ws, "EX-1", frame)


WRITES: dict[str, Callable[..., Any]] = {
    "journey save": _edited_journey,
    "journey create": lambda ws: ws.journeys.create(ws.journeys.get(DEMO_JOURNEY).model_copy(update={"name": "New"}),
                                                    "x"),
    "journey restore": lambda ws: ws.journeys.restore(DEMO_FUTURE, 1, "x"),
    "rules change": _new_rule,
    "pain point edit": _pain,
    "scoring weights": _weights,
    "experiment decision": _decide,
    "map review": _review_map,
    "topic rename": _rename_topic,
    "topic rule": _topic_rule,
    "topics discovery": lambda ws: topics.discover_topics(ws, author="x"),
    "ticket import": None,  # filled in by the test (needs the export file)
    "affected customers": _customers,
    "ticket download": lambda ws: team.ticket_file(ws, "tickets of a topic", _hostile_tickets()),
}


def _hostile_tickets() -> Any:
    import pandas as pd

    return pd.DataFrame({"ticket_id": ["1", "2"], "subject": ["=HYPERLINK(\"http://x\")", "refund"]})


@pytest.mark.parametrize("name", list(WRITES))
def test_a_viewer_is_refused_every_write_and_nothing_changes(home: Path, export: Path, name: str) -> None:
    write = WRITES[name] or (lambda ws: ticket_import.import_tickets(ws, export, "Viewer import", "x"))
    before = fingerprint(home)
    for ws in as_user(home, VIEWER):
        assert ws.role == Role.viewer
        with pytest.raises(NotAllowed, match="viewer of workspace 'demo'"):
            write(ws)
    assert fingerprint(home) == before


def test_the_same_writes_go_through_for_an_editor(home: Path, export: Path) -> None:
    """Run after the viewer's: each write changes the workspace when an editor makes it."""
    for name, write in WRITES.items():
        write = write or (lambda ws: ticket_import.import_tickets(ws, export, "Editor import", "x"))
        before = fingerprint(home)
        for ws in as_user(home, EDITOR):
            write(ws)
        assert fingerprint(home) != before, name
    with journeys.open_workspace(home, name="demo") as ws:
        found = team.downloads(ws)
    assert [(d.who, d.what, d.rows) for d in found] == [("Eda", "tickets of a topic", 2),
                                                        ("Eda", "affected customers of EX-1", found[1].rows)]
    for ws in as_user(home, EDITOR):
        assert "'=HYPERLINK" in team.ticket_file(ws, "again", _hostile_tickets())  # neutralised for spreadsheets


def test_members_are_managed_by_owners_only(home: Path) -> None:
    for ws in as_user(home, EDITOR):
        with pytest.raises(NotAllowed, match="needs the owner role"):
            team.invite(ws, "new@example.org", Role.viewer, "Eda")
        with pytest.raises(NotAllowed):
            team.downloads(ws)
    for ws in as_user(home, OWNER):
        team.invite(ws, "New@Example.org ", Role.viewer, "Ow")
        assert Members(ws.store).role_of("demo", "new@example.org") == Role.viewer
        team.change_role(ws, "new@example.org", Role.editor, "Ow")
        team.remove(ws, "new@example.org", "Ow")
        with pytest.raises(NotAllowed, match="last owner"):
            team.change_role(ws, OWNER.email, Role.viewer, "Ow")
        assert next(m.email for m in team.members(ws)) == OWNER.email  # owners first


def test_someone_not_a_member_cannot_write_and_is_told_to_ask(home: Path) -> None:
    for ws in as_user(home, User("stranger@example.org")):
        assert ws.role is None
        with pytest.raises(NotAllowed, match="not a member of workspace 'demo'"):
            _edited_journey(ws)


def test_the_cli_user_owns_what_it_creates_and_writes_freely(tmp_path: Path) -> None:
    from tests.cli.runner import run

    result = run(tmp_path, "--workspace", "fresh", "init")
    assert result.returncode == 0, result.stderr
    with journeys.open_workspace(tmp_path, name="fresh") as ws:
        owners = [m for m in team.members(ws) if m.role == Role.owner]
        assert [m.email for m in owners] == [ws.user.email] and ws.user.is_local
