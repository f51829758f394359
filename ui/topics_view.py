"""The pieces of the Topics page: discovery, the headline, the topic table and chart, one topic up close.

The page file stays a readable outline; each function here draws one part. Figures come from
:mod:`journeys.usecases.topic_figures`, cached by content (database, workspace, dataset, topic-set
version): every curation or discovery saves a new version, so a cached figure is never stale.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from journeys.charts.wire import to_browser
from journeys.csv_export import csv_text
from journeys.errors import JourneysError
from journeys.metric_format import format_value
from journeys.metrics import METRICS, few_note
from journeys.tickets.datasets import DatasetVersion
from journeys.topics.figures import EMERGING, FADING
from journeys.topics.languages import EMBEDDING_METHOD
from journeys.topics.storage import StoredTopicSet
from journeys.usecases import topic_figures
from journeys.usecases.topics import discover_topics
from ui import recorded_download
from ui.frame import author, settings, workspace, ws
from ui.stale_safe import NO_AUTHOR
from ui.text import plain

MAPPING_VIEW = "ui.topic_mapping_view"  # drawn by the topic → step work when it is there
FEW = few_note(0).replace("0", "…")  # "few tickets (n=…)", as on Friction
TREND_WORDS = {EMERGING: "▲ emerging", FADING: "▼ fading", "": ""}


def key_of(stored: StoredTopicSet) -> tuple:
    """The content key of cached figures: a curation or a discovery saves a new version."""
    return settings().database_url, workspace(), stored.key, stored.version


@st.cache_data(max_entries=16, show_spinner="Computing each topic's numbers…")
def _table(key: tuple, _stored: StoredTopicSet) -> tuple[pd.DataFrame, dict[str, Any]]:
    found = topic_figures.topic_table(ws(), _stored.key, stored=_stored)
    return to_browser(found), {str(k): v for k, v in found.attrs.items()}


def table(stored: StoredTopicSet) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per topic (see ``topic_table``) and its attrs (tickets, unassigned, trend windows)."""
    return _table(key_of(stored), stored)


@st.cache_data(max_entries=64, show_spinner=False)
def _weekly(key: tuple, _stored: StoredTopicSet, topic: str) -> pd.DataFrame:
    return to_browser(topic_figures.topic_weekly(ws(), _stored.key, topic, stored=_stored))


@st.cache_data(max_entries=64, show_spinner=False)
def _examples(key: tuple, _stored: StoredTopicSet, topic: str, subtopic: str | None) -> pd.DataFrame:
    return to_browser(topic_figures.topic_examples(ws(), _stored.key, topic, stored=_stored, subtopic=subtopic))


# --- discovery --------------------------------------------------------------------------------------


def discover_button(dataset: DatasetVersion, label: str, *, primary: bool = True) -> None:
    """A button that finds the dataset's topics (again), showing progress; curated names and pins are kept."""
    if not st.button(plain(label), key=f"topics_discover_{dataset.name}", type="primary" if primary else "secondary",
                     icon=":material/travel_explore:"):
        return
    who = author()
    if not who:
        st.error(NO_AUTHOR, icon=":material/person:")
        return
    with st.status("Finding topics…", expanded=True) as status:
        bar = st.progress(0.0)

        def progress(what: str, done: float) -> None:
            bar.progress(min(max(done, 0.0), 1.0), text=plain(what))

        try:
            found = discover_topics(ws(), dataset.name, author=who, progress=progress)
        except JourneysError as error:
            status.update(label="No topics found", state="error")
            st.error(plain(error.message), icon=":material/error:")
            return
        status.update(label=f"Found {len(found.topics.topics)} topics (version {found.version})", state="complete")
    st.rerun()


def has_topics(dataset: DatasetVersion) -> bool:
    return ws().topics.get(dataset.name) is not None


def empty_state(dataset: DatasetVersion) -> None:
    """Before discovery: what topics are and the one button that makes them."""
    st.info(f"**{plain(dataset.name)}** has no topics yet. Topics group the tickets by what customers write "
            "about, by meaning, on this machine: no ticket leaves it. English is read by a small built-in model "
            "(WordLlama); other languages by character n-grams, which need no model.",
            icon=":material/topic:")
    discover_button(dataset, "Discover topics")


# --- headline, table, chart ---------------------------------------------------------------------------


def methods_text(stored: StoredTopicSet) -> str:
    """Which method made which topics, in words: by meaning for English, by n-grams for the rest."""
    meaning = [t for t in stored.topics.topics if t.method == EMBEDDING_METHOD]
    ngrams = [t for t in stored.topics.topics if t.method != EMBEDDING_METHOD]
    parts = []
    if meaning:
        parts.append(f"{len(meaning)} found by meaning (WordLlama)")
    if ngrams:
        languages = ", ".join(sorted({t.language for t in ngrams}))
        parts.append(f"{len(ngrams)} by character n-grams (no model) for {languages}")
    return "; ".join(parts) or "no topics"


def headline(stored: StoredTopicSet, attrs: dict[str, Any], dataset: DatasetVersion) -> None:
    tickets, unassigned = int(attrs.get("tickets", 0)), int(attrs.get("unassigned", 0))
    cols = st.columns(4)
    cols[0].metric("Topics", len(stored.topics.topics))
    cols[1].metric("Tickets", f"{tickets:,}")
    cols[2].metric("In no topic", f"{unassigned / tickets:.1%}" if tickets else "–",
                   help=f"Tickets in groups smaller than {stored.topics.min_size:d} similar tickets.")
    cols[3].metric("Version", stored.version, help=f"Saved by {plain(stored.updated_by)}.")
    st.caption(f"Topics: {plain(methods_text(stored))}. Made from version {stored.topics.dataset_version:d} of "
               f"{plain(dataset.name)}"
               + ("." if stored.topics.dataset_version == dataset.version else
                  f"; the latest is version {dataset.version:d}: discover again to include its tickets."))


def _metric_text(frame: pd.DataFrame, metric: str) -> list[str]:
    """A metric's column as text, "(n=…)" where it rests on fewer than the minimum sample (as on Friction)."""
    sample = METRICS[metric].sample
    return [format_value(metric, None if pd.isna(v) else float(v), n=int(n) if few else None, in_minutes=True)
            for v, n, few in zip(frame[metric], frame[sample], frame[f"{metric}_too_few"], strict=True)]


def view_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The topic table as people read it: labels, tickets, share, each metric in its unit, trend, flags."""
    view = pd.DataFrame({"Topic": frame["topic"], "Label": frame["label"], "Tickets": frame["tickets"],
                         "Share": frame["share"] * 100, "Trend": frame["trend"].map(TREND_WORDS).fillna("")})
    for metric in topic_figures.TOPIC_METRICS:
        view[SHORT[metric]] = _metric_text(frame, metric)
    view["Notes"] = [", ".join(w for w, on in (("pinned", p), ("new", n), ("renamed", r)) if on)
                     for p, n, r in zip(frame["pinned"], frame["new"], frame["renamed"], strict=True)]
    return view


SHORT = {"csat": "CSAT", "resolution_p50": "Resolution p50", "resolution_p90": "Resolution p90",
         "reopen_rate": "Reopened", "escalation_rate": "Escalated"}
WIDTHS = {"csat": 50, "resolution_p50": 95, "resolution_p90": 95, "reopen_rate": 70, "escalation_rate": 75}
TABLE_COLUMNS = {
    "Topic": st.column_config.TextColumn("Topic", width=50, help="Stable id: mapping rules refer to it."),
    "Label": st.column_config.TextColumn("Label", width=190,
                                         help="Distinctive words of the topic's tickets, or the name given to it."),
    "Tickets": st.column_config.NumberColumn("Tickets", format="localized", width=70),
    "Share": st.column_config.NumberColumn("Share", format="%.1f%%", width=55, help="Of all tickets (unassigned too)."),
    "Trend": st.column_config.TextColumn("Trend", width=85, help="Emerging or fading: the test below the table."),
    **{SHORT[m]: st.column_config.TextColumn(SHORT[m], width=WIDTHS[m], help=plain(METRICS[m].definition))
       for m in topic_figures.TOPIC_METRICS},
}


def topic_table(frame: pd.DataFrame, attrs: dict[str, Any], dataset_name: str) -> None:
    """The table, its CSV download and the trend test in words."""
    if frame.empty:
        st.info("No topic: the tickets are too few or too different to group. Try a smaller minimum size with "
                "`journeys topics discover --min-size N`.", icon=":material/info:")
        return
    view = view_of(frame)
    st.dataframe(view, hide_index=True, width="stretch", column_config=TABLE_COLUMNS)
    st.caption(f"Blank or marked “{plain(FEW)}”: fewer than {topic_figures.MIN_SAMPLE:d} "
               "tickets with that figure. Resolution times in minutes.")
    st.caption(f"Emerging / fading: {plain(attrs.get('test', ''))}{_windows_text(attrs)}.")
    st.download_button("Download the topic table (CSV)", csv_text(view), file_name=f"topics-{dataset_name}.csv",
                       mime="text/csv", icon=":material/download:", key="topics_csv", on_click="ignore")


def _windows_text(attrs: dict[str, Any]) -> str:
    recent, baseline = attrs.get("recent"), attrs.get("baseline")
    if not recent or not baseline:
        return " (no tickets to test yet)"
    last = recent[1] - pd.Timedelta(days=1)
    return (f" (recent: {recent[0]:%Y-%m-%d} – {last:%Y-%m-%d}; before: {baseline[0]:%Y-%m-%d} – "
            f"{recent[0] - pd.Timedelta(days=1):%Y-%m-%d})")


def volume_chart(frame: pd.DataFrame) -> None:
    """Tickets per topic, emerging and fading marked by colour (topic set order, top to bottom)."""
    if frame.empty:
        return
    data = pd.DataFrame({"topic": frame["topic"] + " · " + frame["label"], "tickets": frame["tickets"].astype(int),
                         "trend": frame["trend"].map({EMERGING: "emerging", FADING: "fading"}).fillna("steady"),
                         "share": (frame["share"].fillna(0.0) * 100).round(1)})
    order = data["topic"].tolist()
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("tickets:Q", title="Tickets"),
        y=alt.Y("topic:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        color=alt.Color("trend:N", title="Trend", scale=alt.Scale(domain=["emerging", "fading", "steady"],
                                                                  range=["#d62728", "#1f77b4", "#9e9e9e"])),
        tooltip=[alt.Tooltip("topic:N", title="Topic"), alt.Tooltip("tickets:Q", format=",", title="Tickets"),
                 alt.Tooltip("share:Q", title="Share %"), alt.Tooltip("trend:N", title="Trend")],
    ).properties(height=max(120, 24 * len(data)))
    st.altair_chart(chart, width="stretch")


# --- one topic up close ---------------------------------------------------------------------------


def pick_topic(frame: pd.DataFrame) -> str | None:
    """The topic looked at up close (kept across reruns while it exists)."""
    ids = frame["topic"].tolist()
    if not ids:
        return None
    labels = dict(zip(frame["topic"], frame["label"], strict=True))
    if st.session_state.get("topics_pick") not in ids:
        st.session_state["topics_pick"] = ids[0]
    picked: str = st.selectbox("Topic", ids, key="topics_pick", format_func=lambda t: f"{t} · {labels.get(t, t)}")
    return picked


def words_and_subtopics(stored: StoredTopicSet, topic_id: str) -> None:
    topic = stored.topics.topic(topic_id)
    st.markdown(f"**Distinctive words:** {plain(', '.join(topic.words) or '–')}  \n"
                f"**Found by** {plain(topic.method)} · language {plain(topic.language)}"
                + (f"  \n**Most typical ticket:** {plain(topic.example_text)}" if topic.example_text else ""))
    if topic.subtopics:
        subs = pd.DataFrame({"Subtopic": [s.id for s in topic.subtopics], "Label": [s.label for s in topic.subtopics],
                             "Tickets": [s.size for s in topic.subtopics],
                             "Words": [", ".join(s.words) for s in topic.subtopics]})
        st.dataframe(subs, hide_index=True, width="stretch",
                     column_config={"Tickets": st.column_config.NumberColumn("Tickets", format="localized")})
    else:
        st.caption("No subtopics: the topic's tickets are alike.")


def weekly_chart(stored: StoredTopicSet, topic_id: str) -> None:
    """The topic's tickets per week and its share of each week's tickets."""
    weekly = _weekly(key_of(stored), stored, topic_id)
    if weekly.empty:
        st.caption("No tickets by week.")
        return
    data = pd.DataFrame({"week": weekly["week"].dt.tz_localize(None), "tickets": weekly["tickets"].astype(int),
                         "share": (weekly["share"].fillna(0.0) * 100).round(2)})
    base = alt.Chart(data).encode(x=alt.X("week:T", title="Week"))
    bars = base.mark_bar(opacity=0.35).encode(y=alt.Y("tickets:Q", title="Tickets"))
    line = base.mark_line(point=True, color="#d62728").encode(
        y=alt.Y("share:Q", title="Share (%)"),
        tooltip=[alt.Tooltip("week:T", title="Week of"), alt.Tooltip("tickets:Q", title="Tickets"),
                 alt.Tooltip("share:Q", title="Share %")])
    st.altair_chart(alt.layer(bars, line).resolve_scale(y="independent").properties(height=220), width="stretch")
    st.caption("Bars: tickets in the week; line: the topic's share of that week's tickets. The first and last "
               "weeks may be partial.")


def examples(stored: StoredTopicSet, topic_id: str, subtopic: str | None = None) -> pd.DataFrame:
    """Tickets to read (the most typical first, then the newest); returned for the move control."""
    found = _examples(key_of(stored), stored, topic_id, subtopic)
    st.dataframe(found, hide_index=True, width="stretch", column_config=EXAMPLE_COLUMNS)
    recorded_download.tickets_button(found, f"example tickets of topic {topic_id}", f"topic_{topic_id}_tickets")
    return found


EXAMPLE_COLUMNS = {"ticket_id": st.column_config.TextColumn("Ticket"),
                   "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
                   "subject": st.column_config.TextColumn("Subject", width="large"),
                   "channel": st.column_config.TextColumn("Channel"), "csat": st.column_config.NumberColumn("CSAT"),
                   "status": st.column_config.TextColumn("Status"), "subtopic": st.column_config.TextColumn("Subtopic"),
                   "language": st.column_config.TextColumn("Language")}


def mapping_hook(name: str, *args: Any) -> None:
    """Draw ``ui.topic_mapping_view.<name>(*args)`` when the topic → step module is there (it comes separately)."""
    if importlib.util.find_spec(MAPPING_VIEW) is None:
        return
    getattr(importlib.import_module(MAPPING_VIEW), name)(*args)
