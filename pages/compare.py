"""Compare two journeys — typically today's journey and its future state — side by side."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from journeys.diff import diff_journeys  # noqa: E402
from ui import cached, diff_view, session  # noqa: E402
from ui.frame import store, workspace  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Compare journeys")
summaries = store().list_journeys(workspace())
if len(summaries) < 2:
    st.info("Comparing needs two journeys: derive a future state on the **Journey map** page first.")
    st.stop()

names = [s.name for s in summaries]
left_col, right_col = st.columns(2)
with right_col:
    future = session.pick_journey("Future state (or any journey)", key="compare_right",
                                  default=next((s.name for s in summaries if s.derived_from), names[-1]))
derived_from = next((s.derived_from for s in summaries if s.name == future), None)
with left_col:
    default = derived_from if derived_from in names else names[0]
    current = st.selectbox("Compare with", names, index=names.index(default), key="compare_left")

old_loaded, new_loaded = store().load(workspace(), current), store().load(workspace(), future)
(old, old_v), (new, new_v) = (old_loaded.journey, old_loaded.version), (new_loaded.journey, new_loaded.version)
diff = diff_journeys(old, new)
st.markdown(f"**{plain(current)}** → **{plain(future)}**: {plain(diff.summary())}")
diff_view.render(diff, old, new)

status = diff_view.step_status(diff, old, new)
a, b = st.columns(2)
with a:
    st.markdown(f"**{plain(current)}**")
    st.vega_lite_chart(cached.map_spec(cached.journey_key(current, old_v), old, "emotion", (), None,
                                       tuple(sorted(status["old"].items())), "left"), width="stretch")
with b:
    st.markdown(f"**{plain(future)}**")
    st.vega_lite_chart(cached.map_spec(cached.journey_key(future, new_v), new, "emotion", (), None,
                                       tuple(sorted(status["new"].items())), "right"), width="stretch")
st.caption("Rings: green = added, amber = changed, grey = removed. Colour = the customer's emotion.")
