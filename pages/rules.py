"""Mapping rules: how tickets land on the journey's steps, what each rule does on real data, and changing them."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import rule_form, rules_view, session, topic_mapping_view  # noqa: E402
from ui.frame import ws  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Mapping rules")
st.caption("Rules put each ticket on a step of the journey. They are tried from the top; the first rule a ticket "
           "matches decides its step. A ticket whose export already names its step keeps it.")
pick_journey, pick_dataset = st.columns(2)
with pick_journey:
    name = session.pick_journey()
available = ws().datasets.list()
if not name or not available:
    st.info("No ticket data yet. Import a help-desk export with `journeys tickets import FILE` "
            "(Zendesk, Intercom, Freshdesk or any CSV/Excel/Parquet/JSON), or load the demo with "
            "`journeys init --demo`.")
    st.stop()
chosen = pick_dataset.selectbox("Ticket dataset", [d.name for d in available], key="rules_dataset",
                      help="Counts below are for this dataset; the rules themselves belong to the journey.")
dataset = next(d for d in available if d.name == chosen)
loaded = ws().journeys.load(name)
journey = loaded.journey
labels = {s.id: s.label for s in journey.steps}

rules_view.show_status(name)
rule_set = rules_view.rules_shown(name)
key = rules_view.content_key(dataset, name, loaded.version, rule_set.version)
found = rules_view.counts(key, dataset, journey, rule_set)

st.subheader(f"Rules of '{plain(name)}' · version {rule_set.version}")
st.caption(f"Counts on '{plain(dataset.name)}' v{dataset.version} ({dataset.rows:,} tickets).")
if found.problems:
    st.error("These rules don't fit this dataset or journey, so nothing can be counted until they are fixed "
             "(delete or replace the rule):\n\n" + "\n".join(f"- {plain(p)}" for p in found.problems),
             icon=":material/error:")
rules_view.summary(found)
rules_view.rules_table(rule_set, labels, found, topic_mapping_view.topic_labels(dataset))
rules_view.change_controls(name, rule_set, labels)

st.subheader("Tickets on no step")
rule_form.unmapped_section(found)
topic_mapping_view.unmapped_topics_section(name, dataset, rule_set.version)

st.subheader("Add a rule")
rule_form.add_form(name, journey, dataset, rule_set, found, key)

st.subheader("Rules history")
rules_view.history_section(name, labels, ws().rules.history(name), rule_set.version)
