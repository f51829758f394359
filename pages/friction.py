"""Friction: where on the journey customers struggle, from the team's own tickets."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from journeys.charts.wire import to_browser  # noqa: E402
from journeys.metric_format import format_value  # noqa: E402
from journeys.metrics import METRICS  # noqa: E402
from journeys.usecases import measure  # noqa: E402
from ui import business_hours_view, cached, friction_view, session, ticket_search_view, tickets_view  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Friction")
pick, data = st.columns([1, 1], vertical_alignment="bottom")
with pick:
    name = session.pick_journey()
available = tickets_view.datasets()
if not available:
    st.info("No ticket data yet. Import a help-desk export on **Import tickets** or with "
            "`journeys tickets import FILE` (Zendesk, Intercom, Freshdesk or any CSV/Excel/Parquet/JSON), or load "
            "the demo with `journeys init --demo`.")
    st.page_link("pages/import_tickets.py", label="Import tickets", icon=":material/upload_file:")
    st.stop()
chosen = data.selectbox("Ticket dataset", [d.name for d in available], key="friction_dataset")
dataset = next(d for d in available if d.name == chosen)
if not name:  # tickets but no journey yet: the data's own numbers, by group, channel, status or month
    st.info("No journey yet, so no friction per step. Here are your tickets' numbers by group, channel, status or "
            "month; draw the journey on **Journey map** and map tickets to its steps to see where customers "
            "struggle.", icon=":material/info:")
    st.page_link("pages/map.py", label="Journey map", icon=":material/map:")
    friction_view.dataset_overview(dataset)
    st.stop()
content = tickets_view.key(dataset, name)
loaded = session.load(name)
journey = loaded.journey
labels = {s.id: s.label for s in journey.steps}

options = tickets_view.choices(content, dataset, name)
where = friction_view.slice_filters(options, scope=f"{dataset.name}@v{dataset.version}")
period = friction_view.period_text(where, options)
found = tickets_view.friction(content, dataset, name, where)  # what ws.friction(name, dataset, …) returns
scored, attrs, n, unmapped, baseline = found.scored, found.attrs, found.tickets, found.unmapped, found.baseline

cols = st.columns(4)
cols[0].metric("Tickets", f"{n:,}", help=f"In this selection: {plain(where.describe())}.")
cols[1].metric("On no step", f"{unmapped / n:.1%}" if n else "–", help="Tickets no mapping rule placed on a step.")
cols[2].metric("Steps with tickets", len(scored))
csat = baseline.get("csat", float("nan"))
cols[3].metric("Journey CSAT", format_value("csat", csat), help="Share of rated tickets rated 4–5.")
friction_view.data_caption(dataset, where, period, attrs.get("min_sample", 30))
friction_view.skipped_rules(dataset, name)
if scored.empty:
    st.info("No tickets on this journey's steps in this selection. Widen the filters, or map tickets to steps "
            "on **Mapping rules**.")
    st.page_link("pages/rules.py", label="Mapping rules", icon=":material/rule:")
    if unmapped == n:  # no rule places a ticket yet: the dataset's own numbers meanwhile
        friction_view.dataset_overview(dataset)
    st.stop()
business_hours_view.business_hours(content, dataset, name, where, journey.step_ids(), attrs.get("min_sample", 30))

# The selected step: a click on the map or the step picker below.
event = st.session_state.get("friction_map")
clicked = (event or {}).get("selection", {}).get("step") or []
clicked_id = clicked[0].get("id") if clicked else None
if clicked_id and clicked_id != st.session_state.get("friction_last_click") and clicked_id in labels:
    st.session_state["friction_step"] = clicked_id
st.session_state["friction_last_click"] = clicked_id
with_tickets = scored["step"].tolist()
if st.session_state.get("friction_step") not in with_tickets:
    st.session_state["friction_step"] = with_tickets[0]
selected = st.session_state["friction_step"]

colour = st.selectbox("Colour the map by", friction_view.colour_choices(), key="friction_colour",
                      format_func=friction_view.colour_label)
drawn = measure.step_overlay(colour, found, period)
spec = cached.overlay_map_spec(cached.journey_key(name, loaded.version), journey, drawn, selected)
st.vega_lite_chart(spec, on_select="rerun", selection_mode=["step", "step_zoom"], key="friction_map",
                   width="stretch")
st.caption("Click a step to see its trend and tickets below. Red is worse than the journey, blue better; grey "
           "steps have no tickets or too few to tell. How the friction score is built, and why a step with the "
           "journey's worst outcome never scores as better than the journey: under *Steps ranked*.")

# Stateful tabs: only the open one is computed (the week-by-week heatmap is the costly one).
steps_tab, weeks_tab, emotion_tab, unmapped_tab, overview_tab = st.tabs(
    ["Steps ranked", "Week by week", "Emotion vs CSAT", "Tickets on no step", "By group, channel, month"],
    key="friction_tab", on_change="rerun")
if steps_tab.open:
    with steps_tab:
        friction_view.steps_table(scored, labels, dataset.name)
if weeks_tab.open:
    with weeks_tab:
        friction_view.heatmap(tickets_view.cells(content, dataset, name, where, colour), colour, journey, baseline,
                              where, options)
if emotion_tab.open:
    with emotion_tab:
        friction_view.emotion_flags(tickets_view.disagreements(name, scored))
if unmapped_tab.open:
    with unmapped_tab:
        friction_view.unmapped_summary(n, unmapped)
if overview_tab.open:
    with overview_tab:
        friction_view.dataset_overview(dataset)

st.subheader(f"Up close: {plain(labels.get(selected, selected))}")
left, right, write = st.columns([1, 1, 0.8], vertical_alignment="bottom")
left.selectbox("Step", with_tickets, format_func=lambda s: labels.get(s, s), key="friction_step")
metric = right.selectbox("Metric", [m for m in METRICS if m != "contact_rate"], key="friction_metric",
                         format_func=lambda m: METRICS[m].label)
better = measure.does_better(found.by_step, baseline, selected, metric)
with write:
    friction_view.write_up(journey, selected, metric, dataset, where, better=better)
friction_view.confirm_write_up(journey, selected, metric, dataset, where)
friction_view.step_trend(tickets_view.trend(content, dataset, name, selected, metric, where), metric, where, options)
st.markdown(f"**Newest tickets on {plain(labels.get(selected, selected))}** ({plain(where.describe())})")
newest = tickets_view.examples(content, dataset, name, selected, where)
st.dataframe(to_browser(newest), hide_index=True, width="stretch")
ticket_search_view.search_section(dataset.name, step=(name, selected), key=f"friction_search_{selected}",
                                  examples=newest["ticket_id"].astype(str).tolist())
