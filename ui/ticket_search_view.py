"""Search a drill-down's tickets by meaning: a text box, and "Tickets like this one" on its example tickets.

The Friction page's step drill-down and the Topics page's topic drill-down draw :func:`search_section`
with their own restriction (a journey step, a topic). Results are shown in ``st.dataframe``, which
does not render Markdown; anything typed or exported that reaches a caption goes through ``plain``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError
from journeys.usecases import ticket_search
from ui import recorded_download
from ui.frame import ws
from ui.text import plain

COLUMNS = {
    "ticket_id": st.column_config.TextColumn("Ticket", width=90),
    "subject": st.column_config.TextColumn("Subject", help="The text topics read: the subject, and the start of "
                                                            "a description where the export has one."),
    "score": st.column_config.NumberColumn("Similarity", format="%.2f", width=80,
                                           help="Cosine similarity: 1 is the same meaning, 0 unrelated."),
    "method": st.column_config.TextColumn("Found by", help="Meaning (WordLlama embeddings) for English; character "
                                                           "n-grams for languages the model does not know."),
    "topic": st.column_config.TextColumn("Topic", width=70),
}


def search_section(dataset_name: str, *, topic: str | None = None, step: tuple[str, str] | None = None,
                   examples: Sequence[str] = (), key: str = "ticket_search") -> None:
    """Free-text search over the drill-down's tickets, and tickets like one of ``examples`` (ticket ids)."""
    where = "this topic's" if topic is not None else "this step's" if step is not None else "the dataset's"
    query = st.text_input("Search tickets by meaning", key=f"{key}_query", placeholder="e.g. refund not received",
                          help=f"Finds {where} tickets that mean something like what you type, worded or not "
                               "the same way.")
    if query.strip():
        found = _run(lambda: ticket_search.search_tickets(ws(), dataset_name, query, topic=topic, step=step))
        st.caption(f"Closest to '{plain(query.strip()[:80])}' among {where} tickets."
                   + ("" if found is None or len(found) else " None to search."))
        _table(found, f"{key}_results")
    if examples:
        chosen = st.selectbox("Tickets like this one", list(dict.fromkeys(str(e) for e in examples)), index=None,
                              key=f"{key}_like", placeholder="Pick an example ticket",
                              help=f"The {where} tickets closest in meaning to the one you pick.")
        if chosen is not None:
            found = _run(lambda: ticket_search.similar_tickets(ws(), dataset_name, chosen, topic=topic, step=step))
            st.caption(f"Most like ticket {plain(chosen)} among {where} tickets."
                       + ("" if found is None or len(found) else " None to search."))
            _table(found, f"{key}_like_results")


def _run(find: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
    """One search (reading a dataset by meaning the first time takes a few seconds); None, said, when refused."""
    try:
        with st.spinner("Reading the tickets by meaning…"):
            return find()
    except JourneysError as error:
        st.warning(plain(str(error)))
        return None


def _table(found: pd.DataFrame | None, table_key: str) -> None:
    if found is not None and len(found):
        st.dataframe(found, hide_index=True, width="stretch", key=table_key, column_config=COLUMNS)
        recorded_download.tickets_button(found, "tickets found by meaning", f"{table_key}_csv")
