"""Experiments: turn a pain point into a measured change — plan what it can detect, start it, follow it to Review."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import experiment_changes as changes  # noqa: E402
from ui import experiment_form as form  # noqa: E402
from ui import experiments_view as ev  # noqa: E402
from ui import tickets_view  # noqa: E402

st.title("Experiments")
st.caption("A change aimed at a pain point, the metric it should move, and how we will know: plan what the tickets "
           "can detect before it starts, then measure, decide and tell people on Review.")
changes.show_status()
dataset = ev.pick_dataset(tickets_view.datasets())
items = ev.listing()
selected = ev.selected_key(items)

if not items:
    ev.empty_state()
    form.create_form(dataset, expanded=True)
    st.stop()

statuses, verdicts = ev.filters()
frame = ev.list_frame(items, statuses, verdicts)
if frame.empty:
    st.info("No experiment matches these filters.")
else:
    selected = ev.list_table(frame) or selected
    st.caption(f"{len(frame)} of {len(items)} experiments · select a row to open it below; **Open** goes to its "
               "Review (result, decision, close the loop).")
ev.period_exports(items)

form.create_form(dataset, expanded=False)

if selected:
    stored = ev.load(selected)
    if stored is not None:
        st.divider()
        form.detail(stored, dataset)
