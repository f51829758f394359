"""From topics to the map on the pages: suggested steps with reasons, one-click topic rules, a journey from topics.

The Topics page calls :func:`topic_to_step_section` and :func:`skeleton_section`; the Mapping rules page calls
:func:`unmapped_topics_section` under "Tickets on no step". Every save is made against the version this run
showed (rules, journey), so a colleague's save in the meantime is refused and said, never overwritten;
a save is confirmed with a toast.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journeys.errors import NotFound
from journeys.tickets.datasets import DatasetVersion
from journeys.topics.skeleton import Proposal, rearranged
from journeys.topics.storage import StoredTopicSet
from journeys.usecases import topic_mapping
from ui.frame import author, settings, workspace, ws
from ui.notices import leave_save_outcome
from ui.text import plain

OUTCOME = "topic_mapping_outcome_{}"  # (kind, words) of a section's last save, shown once by the next run
ON_NO_STEP_SHOWN = 8


def _say_outcome(where: str) -> None:
    outcome = st.session_state.pop(OUTCOME.format(where), None)
    if outcome is None:
        return
    kind, words = outcome
    if kind == "ok":
        st.toast(plain(words), icon=":material/check_circle:")
    else:
        st.error(plain(words), icon=":material/error:")


def _saving(action: Any, *args: Any, done: str, where: str, **kwargs: Any) -> None:
    """Run one save (a button's callback) and leave its outcome for the section ``where`` to show next run."""
    leave_save_outcome(OUTCOME.format(where), author(), lambda who: action(*args, author=who, **kwargs),
                       done=lambda _saved: done,
                       stale=lambda refused: f"Not saved: {refused.saved_by} saved a change in the meantime. "
                                             "The page now shows their version; click again if it still applies.")


@st.cache_data(max_entries=16, show_spinner="Matching topics to steps…")
def _suggestions(key: tuple, journey: str, dataset: str) -> pd.DataFrame:
    return topic_mapping.suggest_steps(ws(), journey, dataset)


def _key(stored: StoredTopicSet, journey: str) -> tuple:
    loaded = ws().journeys.load(journey)
    return (settings().database_url, workspace(), stored.key, stored.version, journey, loaded.version,
            ws().rules.load(journey).version)


def topic_to_step_section(stored: StoredTopicSet, topic_id: str) -> None:
    """The steps this topic likely belongs to, with why; a topic rule or a new step in one click."""
    _say_outcome("topic")
    names = ws().journeys.names()
    if not names:
        st.info("No journey yet: propose one from the topics below, or make one on the Journey map page.")
        return
    journey = st.selectbox("Journey", names, key="topic_map_journey")
    if journey not in names:
        return
    topic = stored.topics.topic(topic_id)
    rules_version = ws().rules.load(journey).version
    found = _suggestions(_key(stored, journey), journey, stored.key)
    mine = found[found["topic"] == topic_id]
    st.markdown(f"**Where '{plain(topic.label)}' belongs on '{plain(journey)}'**")
    for row in mine.itertuples(index=False):
        text, button = st.columns([4, 2], vertical_alignment="center")
        text.markdown(f"{row.rank:d}. **{plain(row.step_label)}** · score {row.score:.2f}  \n{plain(row.reason)}")
        button.button("Add a rule: topic → step", key=f"topic_rule_{topic_id}_{row.step}", width="stretch",
                      on_click=_saving, args=(topic_mapping.add_topic_rule, ws(), journey, topic_id, row.step),
                      kwargs={"expected_version": rules_version, "dataset": stored.key, "where": "topic",
                              "done": f"Added rule: topic {topic_id} → {row.step_label}"},
                      help="Added last in the order: tickets an earlier rule takes stay where they are.")
    loaded = ws().journeys.load(journey)
    stage_col, button_col = st.columns([4, 2], vertical_alignment="bottom")
    stage = stage_col.selectbox("Stage of the new step", loaded.journey.stages, key="topic_map_stage")
    button_col.button("Create a new step from this topic", key=f"topic_new_step_{topic_id}", width="stretch",
                      disabled=stage is None, on_click=_new_step,
                      args=(journey, topic_id, loaded.version, stored.key))


def _new_step(journey: str, topic_id: str, journey_version: int, dataset: str) -> None:
    # the stage as picked now: a callback's arguments were bound when the button was drawn, before the pick
    _saving(topic_mapping.new_step_from_topic, ws(), journey, topic_id, stage=st.session_state["topic_map_stage"],
            expected_version=journey_version, dataset=dataset, where="topic",
            done=f"Added a step from topic {topic_id} and its rule")


@st.cache_data(max_entries=4, show_spinner="Proposing a journey from the topics…")
def _proposal(key: tuple, dataset: str) -> Proposal:
    return topic_mapping.proposal(ws(), dataset)


def proposal_rows(proposal: Proposal) -> pd.DataFrame:
    """The proposal as the table the facilitator edits: order, stage, step label, topic, step id."""
    return pd.DataFrame([{"Order": i + 1, "Stage": s.stage, "Step": s.label, "Topic": proposal.topics.get(s.id, ""),
                          "id": s.id} for i, s in enumerate(proposal.journey.steps)])


def _create(proposal: Proposal, name: str, rows: pd.DataFrame) -> None:
    edited = rearranged(proposal, rows.rename(columns={"Order": "order", "Stage": "stage", "Step": "label",
                                                       "id": "step"}))
    named = Proposal(edited.journey.model_copy(update={"name": name.strip() or proposal.journey.name}),
                     edited.topics)
    _saving(lambda chosen, author: topic_mapping.create_proposed(ws(), chosen, author=author), named,
            done=f"Created journey '{named.journey.name}' with one topic rule per step", where="skeleton")


def skeleton_section(stored: StoredTopicSet) -> None:
    """A journey proposed from the topics (stages → steps, in the customers' order), edited here, then saved;
    in an expander, open when the workspace has no journey yet (the ticket-first start)."""
    _say_outcome("skeleton")
    with st.expander("Start a journey from these topics", icon=":material/account_tree:",
                     expanded=not ws().journeys.names()):
        _skeleton(stored)


def _skeleton(stored: StoredTopicSet) -> None:
    proposal = _proposal((settings().database_url, workspace(), stored.key, stored.version), stored.key)
    st.caption("One step per topic, stages from groups of close topics, in the order customers raise them in "
               "their ticket histories. Edit the labels, stages and order (clear an order to leave a step out).")
    rows = st.data_editor(proposal_rows(proposal), key="skeleton_rows", hide_index=True, width="stretch",
                          disabled=["Topic", "id"], column_config={
                              "Order": st.column_config.NumberColumn("Order", min_value=1, step=1),
                              "id": None})
    name = st.text_input("Name of the new journey", value=proposal.journey.name, key="skeleton_name")
    taken = name.strip() in ws().journeys.names()
    if taken:
        st.warning("A journey has this name already: choose another.", icon=":material/warning:")
    st.button("Create this journey", key="skeleton_create", type="primary", disabled=taken,
              on_click=_create, args=(proposal, name, rows),
              help="Saved as a normal journey (version 1), with a topic rule for each step.")


@st.cache_data(max_entries=16, show_spinner="Reading the topics of the tickets on no step…")
def _unmapped(key: tuple, journey: str, dataset: str) -> pd.DataFrame:
    return topic_mapping.unmapped_topics(ws(), journey, dataset)


def topic_labels(dataset: DatasetVersion) -> dict[str, str]:
    """The dataset's topic labels by id (empty before discovery), for rules that name a topic."""
    return topic_mapping.topic_labels(ws(), dataset.name)


def unmapped_topics_section(journey: str, dataset: DatasetVersion, rules_version: int) -> None:
    """The topics of the tickets on no step, each with a one-click "map to step…"."""
    _say_outcome("unmapped")
    stored = ws().topics.get(dataset.name)
    key = (settings().database_url, workspace(), dataset.name, dataset.version, journey,
           ws().journeys.load(journey).version, rules_version, stored.version if stored else 0)
    try:
        stranded = _unmapped(key, journey, dataset.name)
    except NotFound:
        st.caption("Discover this dataset's topics on the Topics page to see what the tickets on no step are about.")
        return
    if stranded.empty:
        return
    steps = {s.id: s.label for s in ws().journeys.get(journey).steps}
    st.markdown("**Their topics.** Pick a step and map the whole topic there with one rule (added last).")
    for row in stranded.head(ON_NO_STEP_SHOWN).itertuples(index=False):
        text, pick, button = st.columns([3, 3, 2], vertical_alignment="bottom")
        text.markdown(f"**{plain(row.label)}**  \n{row.tickets:,} tickets · {row.share:.0%}")
        if not isinstance(row.topic, str):
            continue
        step = pick.selectbox("Step", list(steps), key=f"unmapped_topic_step_{row.topic}", index=None,
                              placeholder="Pick a step", format_func=lambda s: steps.get(s, s))
        button.button("Map to step", key=f"unmapped_topic_map_{row.topic}", disabled=step is None, width="stretch",
                      on_click=_saving, args=(topic_mapping.add_topic_rule, ws(), journey, row.topic, step),
                      kwargs={"expected_version": rules_version, "dataset": dataset.name, "where": "unmapped",
                              "done": f"Added rule: topic {row.topic} → {steps.get(str(step), step)}"})
