"""The Review page's files and record: the experiment report, "you said, we did", who to tell, the history.

Every file is built by the use cases of :mod:`journeys.usecases.improve` (what ``journeys experiments
report`` and ``customers`` write), and only when its button is pressed (``data=`` a callable).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journeys.experiments import Status, StoredExperiment
from journeys.experiments.report import day
from journeys.members import Role
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import improve
from ui import experiments_view as ev
from ui.frame import ws


def downloads(stored: StoredExperiment, dataset: DatasetVersion | None) -> None:
    """The report (HTML with charts), "you said, we did" (Markdown, HTML), and the customers to tell (CSV)."""
    e, key = stored.experiment, stored.key
    stem = f"{key}-{ws().name}".replace(" ", "-")
    st.markdown("### Downloads")
    cols = [*st.columns(2), *st.columns(2)]  # two a row: four across cut "You said, we did (Markdown)" at 1280 px
    measured = dataset is not None and ev.has_journey(e.journey)
    cols[0].download_button("Experiment report (HTML)", key="rv_report", on_click="ignore", icon=":material/summarize:",
                            file_name=f"{stem}-report.html", mime="text/html", width="stretch",
                            data=lambda: improve.report(ws(), key, "html", dataset if measured else None),
                            help="Everything on this page in one self-contained file, charts included.")
    cols[1].download_button("You said, we did (Markdown)", key="rv_told_md", icon=":material/description:",
                            on_click="ignore", file_name=f"{stem}-you-said-we-did.md", mime="text/markdown",
                            width="stretch", data=lambda: improve.you_said_we_did(ws(), [stored], "markdown"))
    cols[2].download_button("You said, we did (HTML)", key="rv_told_html", on_click="ignore", icon=":material/html:",
                            file_name=f"{stem}-you-said-we-did.html", mime="text/html", width="stretch",
                            data=lambda: improve.you_said_we_did(ws(), [stored], "html"))
    if dataset is None or not measured or e.shipped is None or e.status == Status.draft:
        cols[3].button("Affected customers (CSV)", key="rv_customers_off", disabled=True, width="stretch",
                       help="Once the change has shipped and tickets come in.")
        return
    if not ws().may(Role.editor):
        cols[3].button("Affected customers (CSV)", key="rv_customers_role", disabled=True, width="stretch",
                       help="Customer ids are for editors and owners of the workspace.")
        return
    frame = ev.customers_for(dataset, stored)
    person = ws()  # the file is built, and the download recorded, only when the button is pressed
    cols[3].download_button(f"Affected customers ({len(frame):,})", key="rv_customers", icon=":material/group:",
                            on_click="ignore", file_name=f"{stem}-customers.csv", mime="text/csv", width="stretch",
                            data=lambda: improve.customers_file(person, key, frame),
                            help="Customer ids with tickets on the changed steps after the change: who to tell. "
                                 "Each download is recorded (who, when).")
    start, end = frame.attrs.get("start"), frame.attrs.get("end")
    missing = frame.attrs.get("without_id", 0)
    st.caption(f"{len(frame):,} customers had tickets on the changed steps from {day(start)} to "
               f"{day(end - pd.Timedelta(microseconds=1)) if end is not None else '—'}"
               + (f"; {missing:,} tickets without a customer id are left out" if missing else "") + ".")


def history(stored: StoredExperiment) -> None:
    revisions = ev.history(stored.key)
    with st.expander(f"History ({len(revisions)} versions)", icon=":material/history:"):
        st.dataframe(pd.DataFrame([{"Version": r.version, "Saved by": r.author, "Saved at (UTC)": r.created_at,
                                    "What changed": r.message} for r in revisions]), hide_index=True, width="stretch",
                     column_config={"Saved at (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})
