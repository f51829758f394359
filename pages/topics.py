"""Topics: what the tickets are about, by meaning, found on this machine — and curated by the team."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import ticket_search_view, tickets_view, topics_curate, topics_view  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Topics")
available = tickets_view.datasets()
if not available:
    st.info("No ticket data yet. Import a help-desk export on **Import tickets** or with "
            "`journeys tickets import FILE`, or load the demo with `journeys init --demo`.")
    st.page_link("pages/import_tickets.py", label="Import tickets", icon=":material/upload_file:")
    st.stop()
dataset = tickets_view.pick_dataset(available, "Ticket dataset", "topics_dataset",
                                    "Topics are found per dataset; the latest import is picked first.")
assert dataset is not None
if not topics_view.has_topics(dataset):
    topics_view.empty_state(dataset)
    st.stop()

topics_curate.status(dataset.name)
stored = topics_curate.shown(dataset.name)
frame, attrs = topics_view.table(stored)
topics_view.headline(stored, attrs, dataset)

st.subheader("Topics by volume")
topics_view.volume_chart(frame)
topics_view.topic_table(frame, attrs, dataset.name)
topics_view.mapping_hook("skeleton_section", stored)

st.subheader("One topic up close")
topic_id = topics_view.pick_topic(frame)
if topic_id is None:
    st.stop()
labels = dict(zip(frame["topic"], frame["label"], strict=True))
st.markdown(f"#### {plain(topic_id)} · {plain(labels[topic_id])}")
words, trend = st.columns([1, 1.4])
with words:
    topics_view.words_and_subtopics(stored, topic_id)
with trend:
    topics_view.weekly_chart(stored, topic_id)
st.markdown("**Example tickets** (the most typical first, then the newest)")
examples = topics_view.examples(stored, topic_id)
ticket_search_view.search_section(dataset.name, topic=topic_id, key=f"topics_search_{topic_id}",
                                  examples=examples["ticket_id"].astype(str).tolist())
topics_view.mapping_hook("topic_to_step_section", stored, topic_id)

st.markdown("**Curate this topic**")
topics_curate.controls(stored, topic_id, examples, labels)
with st.expander("Discover again", icon=":material/travel_explore:"):
    st.caption("Finds the topics of the dataset's latest version again. Curated names, pins and topic ids are "
               "kept (matched by meaning); topics found for the first time are marked new.")
    topics_view.discover_button(dataset, "Discover again", primary=False)
