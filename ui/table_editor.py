"""Bulk entry for workshops: steps and transitions as editable tables, and a quick add-step form."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from journeys import editing
from journeys.editing import STEP_FIELDS, TRANSITION_FIELDS, Edit
from journeys.model import CHANNELS, HandledBy, Journey, StepKind, TransitionKind
from ui.session import commit

STEPS_KEY, TRANSITIONS_KEY = "table_steps", "table_transitions"


def _frames(journey: Journey) -> tuple[pd.DataFrame, pd.DataFrame]:
    steps = pd.DataFrame([s.model_dump(mode="json") for s in journey.steps], columns=["id", *STEP_FIELDS])
    steps["emotion"] = steps["emotion"].astype("Int64")
    transitions = pd.DataFrame([t.model_dump(mode="json") for t in journey.transitions],
                               columns=["source", "target", *TRANSITION_FIELDS])
    transitions["share"] = transitions["share"].astype("Float64") * 100
    return steps, transitions


def _edited(original: pd.DataFrame, key: str) -> list[dict]:
    """Apply the data editor's recorded changes to the original rows."""
    state = st.session_state.get(key) or {}
    rows = original.to_dict("records")
    for index, change in state.get("edited_rows", {}).items():
        rows[int(index)].update(change)
    deleted = set(state.get("deleted_rows", []))
    rows = [r for i, r in enumerate(rows) if i not in deleted]
    return rows + list(state.get("added_rows", []))


def _save_tables(name: str, journey: Journey) -> None:
    steps, transitions = _frames(journey)
    step_rows = _edited(steps, STEPS_KEY)
    transition_rows = _edited(transitions, TRANSITIONS_KEY)
    for row in transition_rows:
        share = row.get("share")
        row["share"] = None if share is None or pd.isna(share) else float(share) / 100
    commit(name, Edit("Edited the step and transition tables",
                      partial(editing.replace_tables, steps=step_rows, transitions=transition_rows)))


def render(name: str, journey: Journey) -> None:
    """Both tables with typed columns, saved together as one revision."""
    steps, transitions = _frames(journey)
    st.caption("Type straight into the tables — add rows at the bottom, select rows to delete them. "
               "Leave **id** empty for new steps: it is made from the label. Nothing is saved until you press "
               "**Save tables**; problems in any row are listed and nothing is lost.")
    col = st.column_config
    st.data_editor(steps, key=STEPS_KEY, num_rows="dynamic", hide_index=True, width="stretch", column_config={
        "id": col.TextColumn("id", help="Stable step id (letters, digits, -)"),
        "label": col.TextColumn("Label", required=True, width="large"),
        "stage": col.SelectboxColumn("Stage", options=journey.stages, required=True),
        "lane": col.SelectboxColumn("Lane", options=journey.lanes, required=True),
        "channel": col.SelectboxColumn("Channel", options=sorted(set(CHANNELS) | set(steps["channel"].dropna()))),
        "emotion": col.NumberColumn("Emotion", min_value=-2, max_value=2, step=1),
        "kind": col.SelectboxColumn("Kind", options=[k.value for k in StepKind]),
        "handled_by": col.SelectboxColumn("Handled by", options=[h.value for h in HandledBy]),
        "owner": col.TextColumn("Owner"), "description": col.TextColumn("Description"),
    })
    ids = [s.id for s in journey.steps]
    st.data_editor(transitions, key=TRANSITIONS_KEY, num_rows="dynamic", hide_index=True, width="stretch",
                   column_config={
                       "source": col.SelectboxColumn("From", options=ids, required=True),
                       "target": col.SelectboxColumn("To", options=ids, required=True),
                       "share": col.NumberColumn("Expected share %", min_value=0, max_value=100, format="%.0f%%"),
                       "kind": col.SelectboxColumn("Kind", options=[k.value for k in TransitionKind]),
                       "label": col.TextColumn("Label"),
                   })
    st.button("Save tables", key="save_tables", type="primary", on_click=_save_tables, args=(name, journey))


def _add_step(name: str) -> None:
    label = st.session_state["add_label"].strip()
    if not label:
        st.session_state["edit_problems"] = ("A new step needs a label.", [])
        return
    edit = Edit(f"Added step '{label}'", partial(
        editing.add_step, label=label, stage=st.session_state["add_stage"], lane=st.session_state["add_lane"],
        channel=st.session_state["add_channel"] or "", handled_by=st.session_state["add_handled"]))
    if commit(name, edit):
        st.session_state["add_label"] = ""


def add_step_form(name: str, journey: Journey) -> None:
    with st.form("add_step", border=False):
        st.text_input("Label", key="add_label", placeholder="e.g. Reads the refund policy")
        a, b = st.columns(2)
        a.selectbox("Stage", journey.stages, key="add_stage")
        b.selectbox("Lane", journey.lanes, key="add_lane")
        a.selectbox("Channel", CHANNELS, index=None, key="add_channel", placeholder="none")
        b.selectbox("Handled by", [h.value for h in HandledBy], key="add_handled")
        st.form_submit_button("Add step", type="primary", on_click=_add_step, args=(name,), width="stretch")
