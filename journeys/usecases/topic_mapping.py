"""From topics to the map: which step a topic belongs to, a topic rule in one call, a journey from topics.

The Topics page, the Mapping rules page's "Tickets on no step" and a notebook call these. A topic rule is an
ordinary mapping rule (``topic equals T4 → step``), saved as the next version of the journey's rules
against the version the caller saw, so a colleague's save in the meantime is refused, never overwritten.
Everything reads the topics of the dataset version they were found on, with that version's tickets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from journeys.editing import add_step
from journeys.errors import JourneysError, NotFound
from journeys.model import Journey
from journeys.tickets.rules import TOPIC_COLUMN, Rule, RuleSet
from journeys.topics import skeleton, step_match
from journeys.topics.storage import StoredTopicSet, assignment_path, read_centroids
from journeys.usecases.mapping_rules import RuleEdit, SavedRules, change_rules
from journeys.usecases.topics import dataset_of, topics_of

if TYPE_CHECKING:
    from journeys.tickets.datasets import DatasetVersion
    from journeys.tickets.engine import MappedTickets
    from journeys.workspace import Workspace

PROPOSED_NAME = "Proposed from tickets"


def _current(ws: Workspace, dataset: str | None) -> tuple[StoredTopicSet, DatasetVersion]:
    stored = topics_of(ws, dataset)
    return stored, dataset_of(ws, stored)


def _mapped(ws: Workspace, journey: str, stored: StoredTopicSet, version: DatasetVersion) -> MappedTickets:
    """The topics' dataset version mapped by the journey's current rules, with its topic columns."""
    return ws.engine.mapped(version, ws.rules.load(journey), ws.journeys.get(journey),
                            assignment_path(version, stored.topics))


def topic_hits(ws: Workspace, journey: str, dataset: str | None = None) -> pd.DataFrame:
    """topic, journey_step (None: on no step), tickets: where the current rules put each topic's tickets."""
    stored, version = _current(ws, dataset)
    t = _mapped(ws, journey, stored, version).table
    kept = t.filter(t.topic.notnull())
    return kept.group_by(["topic", "journey_step"]).aggregate(tickets=kept.count()).execute()


def suggest_steps(ws: Workspace, journey: str, dataset: str | None = None) -> pd.DataFrame:
    """For each topic its three likeliest steps of ``journey`` (see :mod:`journeys.topics.step_match`), with
    the topic's and the step's labels: topic, topic_label, rank, step, step_label, score, meaning, rule_share,
    reason."""
    stored, version = _current(ws, dataset)
    loaded = ws.journeys.get(journey)
    found = step_match.suggest(loaded, stored.topics.topics, read_centroids(version, stored.topics),
                               topic_hits(ws, journey, dataset))
    labels = {s.id: s.label for s in loaded.steps}
    found.insert(1, "topic_label", found["topic"].map(stored.topics.labels()))
    found.insert(4, "step_label", found["step"].map(labels))
    return found


def topic_labels(ws: Workspace, dataset: str | None = None) -> dict[str, str]:
    """Topic id → label of the dataset's current topics (empty before discovery): how a topic rule reads."""
    stored = ws.topics.get(dataset) if dataset is not None else None
    if dataset is None:
        try:
            stored = topics_of(ws)
        except NotFound:
            return {}
    return stored.topics.labels() if stored is not None else {}


def topic_rule(topic_id: str, step: str) -> Rule:
    """The rule "tickets in topic ``topic_id`` → ``step``"."""
    return Rule(step=step, field=TOPIC_COLUMN, op="equals", value=topic_id)


def add_topic_rule(ws: Workspace, journey: str, topic_id: str, step: str, *, author: str, expected_version: int,
                   dataset: str | None = None, position: int | None = None) -> SavedRules:
    """Save the rules with "topic → step" added last (or at ``position``: first match wins) as the next version.

    ``expected_version``: the rules version the caller saw (StaleWrite when someone saved since)."""
    stored, _ = _current(ws, dataset)
    label = stored.topics.topic(topic_id).label if topic_id in stored.topics.ids() else None
    if label is None:
        raise JourneysError(f"There is no topic {topic_id} in the topics of '{stored.key}' any more.")
    loaded = ws.journeys.get(journey)
    if step not in loaded.step_ids():
        raise JourneysError(f"Step '{step}' is not in journey '{journey}'.")
    seen = ws.rules.load(journey)
    if seen.version != expected_version:
        seen = ws.rules.revision(journey, expected_version) if expected_version else RuleSet(journey, [], 0)
    at = len(seen.rules) if position is None else position
    edit = RuleEdit("add", f"Added topic rule: {topic_id} ({label}) → {loaded.step(step).label}",
                    rule=topic_rule(topic_id, step), position=at)
    return change_rules(ws, journey, seen, edit, author)


def new_step_from_topic(ws: Workspace, journey: str, topic_id: str, *, stage: str, author: str,
                        expected_version: int, dataset: str | None = None) -> tuple[Journey, SavedRules]:
    """Add a step labelled by the topic to ``stage`` (the journey's normal save, against ``expected_version``
    of the journey), then the topic rule to it (against the rules as they are now)."""
    stored, _ = _current(ws, dataset)
    topic = stored.topics.topic(topic_id)
    current = ws.journeys.load(journey)
    changed = add_step(current.journey, skeleton.tidy(topic.label), stage, "customer",
                       description=f"Tickets in topic {topic.id}: {', '.join(topic.words[:5])}")
    ws.journeys.save(changed, expected_version, author, f"Added step from topic {topic.id} ({topic.label})")
    step = changed.steps[-1].id
    rules = ws.rules.load(journey)
    saved = add_topic_rule(ws, journey, topic_id, step, author=author, expected_version=rules.version,
                           dataset=dataset)
    return changed, saved


def unmapped_topics(ws: Workspace, journey: str, dataset: str | None = None) -> pd.DataFrame:
    """The topics of the tickets on no step: topic, label, tickets, share (of the tickets on no step), most
    first; tickets in no topic are one row with topic None."""
    stored, version = _current(ws, dataset)
    hits = topic_hits(ws, journey, dataset)
    stranded = hits[hits["journey_step"].isna()][["topic", "tickets"]]
    t = _mapped(ws, journey, stored, version).table
    nowhere = int(t.filter(t.journey_step.isnull() & t.topic.isnull()).count().execute())
    if nowhere:
        stranded = pd.concat([stranded, pd.DataFrame({"topic": [None], "tickets": [nowhere]})], ignore_index=True)
    total = int(stranded["tickets"].sum())
    out = stranded.assign(label=stranded["topic"].map(stored.topics.labels()).fillna("(in no topic)"),
                          share=stranded["tickets"] / total if total else 0.0)
    out["tickets"] = out["tickets"].astype(int)
    return out.sort_values(["tickets", "topic"], ascending=[False, True], na_position="last")[
        ["topic", "label", "tickets", "share"]].reset_index(drop=True)


def proposal(ws: Workspace, dataset: str | None = None, name: str = PROPOSED_NAME) -> skeleton.Proposal:
    """A journey proposed from the dataset's topics (not saved), with the topic of each step."""
    stored, version = _current(ws, dataset)
    t = ws.engine.tickets(version, topics=assignment_path(version, stored.topics))
    if "customer_id" in t.columns:
        histories = t.select("customer_id", "created_at", "topic").execute()
    else:  # no customer column: no order from histories, volume alone orders the steps
        histories = pd.DataFrame({"customer_id": [], "created_at": [], "topic": []})
    return skeleton.propose(name, stored.topics.topics, skeleton.precedence(histories),
                            description=f"Proposed from the topics of '{stored.key}' v{version.version}: one step "
                                        "per topic, in the order customers raise them.")


def propose_journey(ws: Workspace, dataset: str | None = None, name: str = PROPOSED_NAME) -> Journey:
    """A journey skeleton from the dataset's topics, NOT saved: the facilitator edits it and saves it."""
    return proposal(ws, dataset, name).journey


def create_proposed(ws: Workspace, chosen: skeleton.Proposal, *, author: str) -> int:
    """Save a (possibly edited) proposal as a new journey, with one topic rule per step; its version."""
    version = ws.journeys.create(chosen.journey, author, "Created from the tickets' topics")
    rules = [topic_rule(chosen.topics[s.id], s.id) for s in chosen.journey.steps if s.id in chosen.topics]
    if rules:
        ws.rules.save(chosen.journey.name, rules, author, message="One topic rule per step of the proposal",
                      expected_version=0)
    return version
