"""Priorities: which pain points matter most, why (the evidence, not an opinion), and what moved since the last look."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import freshness_view, painpoint_detail, painpoint_form, tickets_view  # noqa: E402
from ui import priorities_view as pv  # noqa: E402

st.title("Priorities")
st.caption("Pain points ranked by how many customers they reach, how much worse than the journey they are, how sure "
           "the data is, and the effort to fix them — all measured on your tickets.")
pv.show_status()
dataset = pv.pick_dataset(tickets_view.datasets())
view = pv.ranking(dataset)
if not view.ranking.scores:
    painpoint_form.empty_state()
    if dataset is None:
        painpoint_form.no_data_warning()
    painpoint_form.create_form(dataset, expanded=True)
    st.stop()
if view.ranking.dataset is None:
    painpoint_form.no_data_warning()

formula, review = st.columns([2.2, 1], gap="medium")
with formula:
    pv.how_scored(view)
with review:
    pv.review_box(view)
pv.weights_editor(view)

freshness_view.stale_warning(sorted({p.pain.journey for p in view.ranking.pains.values()}))
st.subheader("Ranking")
chosen = pv.filters(view)
frame = pv.table_frame(view, chosen)
table_key = pv.table_key(frame)
selected = pv.selected_key(view, frame, table_key)
if frame.empty:
    st.info("No pain point matches these filters.")
else:
    pv.ranked_table(frame, table_key)
    caption, downloads = st.columns([2, 1], vertical_alignment="center")
    caption.caption(f"{len(frame)} of {len(view.ranking.scores)} pain points · select a row, or click a point in "
                    "the chart, to open it below · downloads: the pain points listed, in rank order.")
    with downloads:
        pv.exports(view, frame)
    st.markdown("**Value against effort** — value is reach × impact × confidence; top left is worth a lot for "
                "little work. Size: reach; colour: status.")
    st.altair_chart(pv.value_effort_chart(frame, selected), on_select="rerun", selection_mode="pick",
                    key="pp_chart", width="stretch")
painpoint_form.create_form(dataset, expanded=False)

if selected:
    st.divider()
    painpoint_detail.detail(view.ranking, selected, view.labels.get(view.ranking.pains[selected].pain.journey, {}),
                            dataset)
