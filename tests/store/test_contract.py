"""One contract for the versioned repositories, run on the real store (SQLite) and on the in-memory fake.

The fake (:mod:`journeys.fakes`) is what fast use-case tests run on; every assertion here runs on
both, so a behaviour or a refusal the fake gets wrong fails here before it misleads a use-case test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from journeys.demo import DEMO_JOURNEY, demo_journeys
from journeys.errors import JourneysError, NotFound, StaleWrite
from journeys.experiments import Experiment, Experiments
from journeys.experiments import Status as Stage
from journeys.fakes import MemoryStore, open_fake_workspace
from journeys.painpoints import PainPoint, PainPoints, Status
from journeys.store import Change, Store
from journeys.tickets.rules import Rule
from tests.store.test_store import edited, sample

WS = "Support team"


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The real store on a SQLite file, then the fake: the same tests, the same expectations."""
    opened = Store(f"sqlite:///{tmp_path / 'journeys.db'}") if request.param == "sqlite" else MemoryStore()
    yield opened
    opened.close()


# --- journeys ----------------------------------------------------------------------------------------


def test_journeys_save_on_the_version_they_read_and_keep_every_revision(store: Any) -> None:
    assert store.create(WS, sample(), "Ana") == 1
    assert store.save(WS, edited(sample(), label="Create account"), 1, "Bo", "renamed a step") == 2
    with pytest.raises(StaleWrite, match=r"'Onboarding' was changed by Bo .*\(version 2\); your copy is version 1"):
        store.save(WS, edited(sample(), label="Lost"), 1, "Cy")
    loaded = store.load(WS, "Onboarding")
    assert (loaded.version, loaded.saved_by, loaded.journey.step("signup").label) == (2, "Bo", "Create account")
    assert [(r.version, r.author, r.message) for r in store.history(WS, "Onboarding")] == [
        (2, "Bo", "renamed a step"), (1, "Ana", "Created")]
    assert store.revision(WS, "Onboarding", 1) == sample()
    assert Change("steps.1.label", "Sign up", "Create account") in store.diff(WS, "Onboarding", 1, 2)
    assert store.restore(WS, "Onboarding", 1, "Cy") == 3
    assert store.load(WS, "Onboarding").journey == sample()
    assert store.history(WS, "Onboarding")[0].message == "Restored version 1"
    with pytest.raises(StaleWrite):
        store.restore(WS, "Onboarding", 2, "Cy", expected_version=2)
    with pytest.raises(NotFound, match=r"'Onboarding' has no version 9 \(versions 1 to 3\)"):
        store.revision(WS, "Onboarding", 9)


def test_journeys_names_deletes_and_what_is_missing(store: Any) -> None:
    with pytest.raises(NotFound, match="There is no workspace 'Support team'"):
        store.load(WS, "Onboarding")
    store.create(WS, sample(), "Ana")
    store.create(WS, sample("Billing"), "Ana")
    with pytest.raises(JourneysError, match="A journey named 'Billing' already exists in workspace"):
        store.create(WS, sample("Billing"), "Bo")
    with pytest.raises(JourneysError, match="already exists"):
        store.save(WS, sample("Billing"), 1, "Bo", name="Onboarding")
    assert store.save(WS, sample("Welcome"), 1, "Bo", "renamed", name="Onboarding") == 2
    assert [s.name for s in store.list_journeys(WS)] == ["Billing", "Welcome"]
    with pytest.raises(NotFound, match="There is no journey 'Onboarding' in workspace 'Support team'"):
        store.load(WS, "Onboarding")
    store.delete(WS, "Billing", 1, "Cy")
    with pytest.raises(NotFound, match="'Billing' in workspace 'Support team' was deleted by Cy"):
        store.load(WS, "Billing")
    with pytest.raises(JourneysError, match="A deleted journey named 'Billing' exists"):
        store.create(WS, sample("Billing"), "Bo")
    assert [s.name for s in store.list_journeys(WS)] == ["Welcome"]
    assert store.undelete(WS, "Billing", "Ana") == 3
    with pytest.raises(JourneysError, match="is not deleted"):
        store.undelete(WS, "Billing", "Ana")
    summary = store.list_journeys(WS)[0]
    assert (summary.name, summary.version, summary.updated_by, summary.step_count) == ("Billing", 3, "Ana", 3)
    with pytest.raises(JourneysError, match="author is empty"):
        store.create(WS, sample("New"), " ")


# --- documents ---------------------------------------------------------------------------------------


def test_documents_compare_and_set_number_restore_and_diff(store: Any) -> None:
    docs = store.documents
    assert docs.get(WS, "note", "a") is None
    assert docs.save(WS, "note", "a", {"text": "first"}, "ana") == 1
    assert docs.save(WS, "note", "a", {"text": "second"}, "bo", expected_version=1, message="edit") == 2
    with pytest.raises(StaleWrite, match=r"'Note A' was changed by bo .*\(version 2\); your copy is version 1"):
        docs.save(WS, "note", "a", {"text": "mine"}, "cy", expected_version=1, label="Note A")
    with pytest.raises(JourneysError, match=r"'note b' does not exist \(you expected version 3\)"):
        docs.save(WS, "note", "b", {}, "cy", expected_version=3)
    assert docs.diff(WS, "note", "a", 1, 2) == [Change("text", "first", "second")]
    assert docs.restore(WS, "note", "a", 1, "cy") == 3
    head = docs.load(WS, "note", "a")
    assert (head.version, head.body, head.author, head.message) == (3, {"text": "first"}, "cy", "Restored version 1")
    assert [r.version for r in docs.history(WS, "note", "a")] == [3, 2, 1]
    with pytest.raises(NotFound, match="note 'a' has no version 9"):
        docs.revision(WS, "note", "a", 9)
    with pytest.raises(NotFound, match=r"no note 'zz' in workspace 'Support team' \(known: a\)"):
        docs.load(WS, "note", "zz")

    keys = [docs.create(WS, "painpoint", "PP", {"i": i}, "ana") for i in range(11)]
    assert keys == [f"PP-{i}" for i in range(1, 12)] and [d.key for d in docs.latest(WS, "painpoint")] == keys
    first = docs.append_next(WS, "log", "x", lambda n: {"file": f"v{n}"}, "ana", "imported")
    second = docs.append_next(WS, "log", "x", lambda n: {"file": f"v{n}"}, "ana")
    assert (first.version, first.body, second.version, second.body) == (1, {"file": "v1"}, 2, {"file": "v2"})
    assert docs.latest("Nobody", "painpoint") == []


# --- mapping rules -----------------------------------------------------------------------------------


def test_rules_compare_and_set_restore_and_diff(store: Any) -> None:
    rules = store.tickets
    assert rules.load_rules(WS, "Onboarding").version == 0
    one = [Rule(step="signup", field="tags", op="contains", value="login")]
    two = [Rule(step="signup", field="tags", op="contains", value="password")]
    assert rules.save_rules(WS, "Onboarding", one, "Ana") == 1
    assert rules.save_rules(WS, "Onboarding", two, "Bo", "wider", expected_version=1) == 2
    with pytest.raises(StaleWrite, match="'Mapping rules of Onboarding' was changed by Bo"):
        rules.save_rules(WS, "Onboarding", one, "Cy", expected_version=1)
    with pytest.raises(JourneysError, match="There are no saved mapping rules for 'Billing'"):
        rules.save_rules(WS, "Billing", one, "Cy", expected_version=2)
    with pytest.raises(JourneysError, match="have problems"):
        rules.save_rules(WS, "Onboarding", [Rule(step="signup", field="tags", op="sounds like", value="x")], "Cy",
                         expected_version=2)
    assert rules.rules_diff(WS, "Onboarding", 1, 2) == [Change("0.value", "login", "password")]
    assert rules.restore_rules(WS, "Onboarding", 1, "Cy") == 3
    assert rules.load_rules(WS, "Onboarding").rules == one
    assert [(r.version, r.message) for r in rules.rules_history(WS, "Onboarding")][:2] == [
        (3, "Restored version 1"), (2, "wider")]
    assert rules.rules_revision(WS, "Onboarding", 2).rules == two
    with pytest.raises(NotFound, match="The mapping rules of 'Onboarding' have no version 7"):
        rules.rules_revision(WS, "Onboarding", 7)


# --- typed documents: pain points and experiments ----------------------------------------------------


def test_pain_points_and_experiments_run_unchanged_on_either_store(store: Any) -> None:
    for journey in demo_journeys(7):
        store.create(WS, journey, "tester")
    pains, experiments = PainPoints(store), Experiments(store)
    key = pains.create(WS, PainPoint(title="Reset links expire", journey=DEMO_JOURNEY, steps=["reset-password"]),
                       "ana")
    assert key == "PP-1" and pains.history(WS, key)[0].message == "Written up"
    stored = pains.load(WS, key)
    assert pains.save(WS, key, stored.pain.model_copy(update={"owner": "Bo"}), "bo", expected_version=1) == 2
    with pytest.raises(StaleWrite, match="Pain point PP-1"):
        pains.save(WS, key, stored.pain, "cy", expected_version=1)
    with pytest.raises(JourneysError, match=r"no step\(s\) nowhere"):
        pains.create(WS, PainPoint(title="x", journey=DEMO_JOURNEY, steps=["nowhere"]), "ana")
    assert Change("owner", "", "Bo") in pains.diff(WS, key, 1, 2)
    assert pains.restore(WS, key, 1, "cy") == 3 and pains.load(WS, key).pain.owner == ""

    draft = Experiment.model_validate({
        "title": "Credit note with the refund", "journey": DEMO_JOURNEY, "steps": ["credit-issued"],
        "comparison_steps": ["agent-reply"], "metric": "reopen_rate", "design": "did", "shipped": "2026-07-01",
        "smallest_effect": 0.03, "pain_points": [key]})
    ex = experiments.create(WS, draft, "ana")
    assert ex == "EX-1" and experiments.history(WS, ex)[0].message == "Drafted"
    with pytest.raises(JourneysError, match="with a transition"):
        experiments.save(WS, ex, draft.model_copy(update={"status": Stage.running}), "bo", expected_version=1)
    moved = experiments.transition(WS, ex, Stage.running, "bo", expected_version=1)
    assert moved.version == 2 and moved.pain_points == [key]
    assert pains.load(WS, key).pain.status == Status.in_experiment
    with pytest.raises(StaleWrite, match="Experiment EX-1"):
        experiments.transition(WS, ex, Stage.analysed, "cy", expected_version=1)
    assert [e.key for e in experiments.for_pain_point(WS, key)] == [ex]


# --- the fake workspace ------------------------------------------------------------------------------


def test_the_fake_workspace_binds_its_repositories_like_the_real_one(tmp_path: Path) -> None:
    with open_fake_workspace("demo", home=tmp_path) as ws:
        ws.journeys.create(sample(), "Ana")
        assert ws.journeys.names() == ["Onboarding"] and set(ws.journeys.graph("Onboarding")) == {
            "visit", "signup", "bot"}
        ws.painpoints.create(PainPoint(title="Bot loops", journey="Onboarding", steps=["bot"]), "Ana")
        assert [p.key for p in ws.painpoints.list()] == ["PP-1"]
        ws.rules.save("Onboarding", [Rule(step="bot", field="tags", op="contains", value="bot")], "Ana")
        assert ws.rules.load("Onboarding").version == 1 and ws.rules.history("Onboarding")[0].author == "Ana"
    assert not any(tmp_path.iterdir())  # nothing written to disk
