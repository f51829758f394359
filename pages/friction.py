"""Friction: where on the journey customers struggle, from the team's own tickets."""

from ui.frame import ensure_frame

ensure_frame()

import altair as alt  # noqa: E402
import streamlit as st  # noqa: E402

from journeys.metrics import METRICS  # noqa: E402
from journeys.tickets.analysis import neutralise_formulas  # noqa: E402
from ui import session, tickets_view  # noqa: E402

st.title("Friction")
name = session.pick_journey()
available = tickets_view.datasets()
if not name or not available:
    st.info("No ticket data yet. Import a help-desk export with `journeys tickets import FILE` "
            "(Zendesk, Intercom, Freshdesk or any CSV/Excel/Parquet/JSON), or load the demo with "
            "`journeys init --demo`.")
    st.stop()
chosen = st.selectbox("Ticket dataset", [d.name for d in available], key="friction_dataset")
dataset = next(d for d in available if d.name == chosen)
content = tickets_view.key(dataset, name)
scored, attrs, n, unmapped = tickets_view.friction_for(content, dataset, name)
journey = session.load(name).journey
labels = {s.id: s.label for s in journey.steps}

cols = st.columns(4)
cols[0].metric("Tickets", f"{n:,}")
cols[1].metric("On no step", f"{unmapped / n:.1%}" if n else "–", help="Tickets no mapping rule placed on a step.")
cols[2].metric("Steps with tickets", len(scored))
cols[3].metric("Dataset version", dataset.version)
st.caption(f"Dataset '{dataset.name}' v{dataset.version} ({dataset.rows:,} tickets) · rules of '{name}' · "
           "friction = Σ weight × gap to the journey's baseline (worse is positive) × √(volume share of the "
           "busiest step); rates on fewer than 30 tickets count as too few.")

table = scored.assign(Step=scored["step"].map(labels).fillna(scored["step"]),
                      main_driver=scored["main_driver"].map(lambda m: METRICS[m].label if m in METRICS else ""))
shown = {"Step": "Step", "rank": "Rank", "score": "Friction", "volume": "Tickets", "main_driver": "Main driver"}
for metric in ("csat", "reopen_rate", "escalation_rate", "repeat_contact_rate", "resolution_p90"):
    if f"{metric}_value" in table:
        shown[f"{metric}_value"] = METRICS[metric].label
view = table[list(shown)].rename(columns=shown)
percent = {METRICS[m].label for m in ("csat", "reopen_rate", "escalation_rate", "repeat_contact_rate")}
st.dataframe(view, hide_index=True, width="stretch", column_config={
    "Friction": st.column_config.ProgressColumn("Friction", min_value=float(min(0.0, view["Friction"].min())),
                                                max_value=float(max(0.01, view["Friction"].max())), format="%.3f"),
    **{label: st.column_config.NumberColumn(label, format="percent") for label in percent},
})
st.download_button("Download the table as CSV", key="friction_csv",
                   data=lambda: neutralise_formulas(view).to_csv(index=False),
                   file_name=f"friction-{dataset.name}.csv", mime="text/csv")

st.subheader("A step up close")
left, right = st.columns([1, 1])
step = left.selectbox("Step", scored["step"].tolist(), format_func=lambda s: labels.get(s, s), key="friction_step")
metric = right.selectbox("Metric", [m for m in METRICS if m != "contact_rate"], key="friction_metric",
                         format_func=lambda m: METRICS[m].label)
weekly = tickets_view.trend(content, dataset, name, step, metric)
st.altair_chart(alt.Chart(weekly).mark_line(point=True).encode(
    x=alt.X("period:T", title="week"), y=alt.Y(f"{metric}:Q", title=f"{METRICS[metric].label} "
                                                 f"({METRICS[metric].unit})"),
    tooltip=["period:T", alt.Tooltip(f"{metric}:Q", format=".3f"), "n:Q"]).properties(height=240), width="stretch")
st.markdown(f"**Newest tickets on {labels.get(step, step)}**")
st.dataframe(tickets_view.examples(content, dataset, name, step), hide_index=True, width="stretch")
