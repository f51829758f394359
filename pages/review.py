"""Review: did the change move the metric, what did we decide, and who have we told."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import experiment_changes as changes  # noqa: E402
from ui import experiment_downloads as files  # noqa: E402
from ui import experiments_view as ev  # noqa: E402
from ui import review_view as rv  # noqa: E402
from ui import tickets_view  # noqa: E402

st.title("Review")
st.caption("One experiment: the metric around the change, the effect with its interval and the verdict in plain "
           "words, the decision, and closing the loop with the people it affects.")
changes.show_status()
items = ev.listing()
picked, data = st.columns([2, 1])
with picked:
    chosen = rv.pick(items)
with data:
    dataset = ev.pick_dataset(tickets_view.datasets())
if chosen is None:
    rv.empty_state()
    st.stop()

stored = chosen
rv.intro(stored)
rv.analyse_bar(stored, dataset)
rv.result(stored, dataset)

st.divider()
decide, tell = st.columns(2, gap="large")
with decide:
    rv.decision(stored)
with tell:
    rv.close_the_loop(stored)

st.divider()
files.downloads(stored, dataset)
files.history(stored)
