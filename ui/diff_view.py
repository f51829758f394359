"""Tables of what changed between two journeys (revisions, or current vs future state)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journeys.diff import JourneyDiff
from journeys.editing import field_words
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
            + [{"Change": "changed", "Step": labels.get(c.step_id, c.step_id), "Field": field_words(c.field),
                "Before": _shown(c.old), "After": _shown(c.new)} for c in diff.changed_steps])
    transitions = ([{"Change": "added", "From": labels.get(t.source, t.source), "To": labels.get(t.target, t.target),
                     "Detail": f"{t.kind}"} for t in diff.added_transitions]
                   + [{"Change": "removed", "From": labels.get(t.source, t.source),
                       "To": labels.get(t.target, t.target), "Detail": f"{t.kind}"} for t in diff.removed_transitions]
                   + [{"Change": "changed", "From": labels.get(c.source, c.source),
                       "To": labels.get(c.target, c.target),
                       "Detail": f"{field_words(c.field)}: {_shown(c.old)} → {_shown(c.new)}"}
                      for c in diff.changed_transitions])
    # One above the other, each the page's width: side by side, half of 820 px cut Before/After and Detail.
    _table("Steps", rows, {"Change": 80, "Step": 260, "Field": 110}, "No step changes.")
    _table("Transitions", transitions, {"Change": 80, "From": 230, "To": 230}, "No transition changes.")
    if diff.meta_changes:
        def said(value: object, field: str) -> str:  # the entry step by its label, not its id
            return _shown(labels.get(value, value) if field == "entry" and isinstance(value, str) else value)

        st.caption("Journey: " + "; ".join(
            f"{plain(field_words(m.field))}: {plain(said(m.old, m.field))} → {plain(said(m.new, m.field))}"
            for m in diff.meta_changes))


def _table(title: str, rows: list[dict[str, str]], widths: dict[str, int], empty: str) -> None:
    st.markdown(f"**{plain(title)}**")
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     column_config={c: st.column_config.TextColumn(width=w) for c, w in widths.items()})
    else:
        st.caption(plain(empty))


def _shown(value: object) -> str:
    """A changed value as people read it: nothing set is a dash, not "None"."""
    return "—" if value is None or value == "" else str(value)
