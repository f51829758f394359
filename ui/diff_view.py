"""Tables of what changed between two journeys (revisions, or current vs future state)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journeys.diff import JourneyDiff
from journeys.model import Journey
from ui.text import plain


def step_status(diff: JourneyDiff, old: Journey, new: Journey) -> dict[str, dict[str, str]]:
    """Ring colours for both maps: added/changed on the new one, removed/changed on the old one."""
    changed = {c.step_id for c in diff.changed_steps}
    added = {s.id for s in diff.added_steps}
    removed = {s.id for s in diff.removed_steps}
    return {
        "old": {s.id: "removed" if s.id in removed else "changed" if s.id in changed else "same" for s in old.steps},
        "new": {s.id: "added" if s.id in added else "changed" if s.id in changed else "same" for s in new.steps},
    }


def render(diff: JourneyDiff, old: Journey, new: Journey) -> None:
    if diff.is_empty:
        st.success("No differences.")
        return
    cols = st.columns(4)
    cols[0].metric("Steps added", len(diff.added_steps))
    cols[1].metric("Steps removed", len(diff.removed_steps))
    cols[2].metric("Steps changed", len({c.step_id for c in diff.changed_steps}))
    moved = [d for d in diff.emotion_delta.values() if d]
    cols[3].metric("Emotion change (sum)", f"{sum(moved):+d}" if moved else "0")
    labels = {s.id: s.label for s in [*old.steps, *new.steps]}
    rows = ([{"Change": "added", "Step": s.label, "Field": "", "Before": "", "After": ""} for s in diff.added_steps]
            + [{"Change": "removed", "Step": s.label, "Field": "", "Before": "", "After": ""}
               for s in diff.removed_steps]
            + [{"Change": "changed", "Step": labels.get(c.step_id, c.step_id), "Field": c.field,
                "Before": str(c.old), "After": str(c.new)} for c in diff.changed_steps])
    transitions = ([{"Change": "added", "From": labels.get(t.source, t.source), "To": labels.get(t.target, t.target),
                     "Detail": f"{t.kind}"} for t in diff.added_transitions]
                   + [{"Change": "removed", "From": labels.get(t.source, t.source),
                       "To": labels.get(t.target, t.target), "Detail": f"{t.kind}"} for t in diff.removed_transitions]
                   + [{"Change": "changed", "From": labels.get(c.source, c.source),
                       "To": labels.get(c.target, c.target), "Detail": f"{c.field}: {c.old} → {c.new}"}
                      for c in diff.changed_transitions])
    left, right = st.columns(2)
    with left:
        st.markdown("**Steps**")
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        else:
            st.caption("No step changes.")
    with right:
        st.markdown("**Transitions**")
        if transitions:
            st.dataframe(pd.DataFrame(transitions), hide_index=True, width="stretch")
        else:
            st.caption("No transition changes.")
    if diff.meta_changes:
        st.caption("Journey: " + "; ".join(f"{plain(m.field)}: {plain(m.old)} → {plain(m.new)}"
                                           for m in diff.meta_changes))
