"""Step 1 of the Discover page: the event log — a stored one, a file uploaded (:mod:`ui.discover_upload`),
or one derived from the tickets — and the report of how it was imported.

Text from files (activity names, column names, values) is shown as text: in tables, as selectbox
options, or escaped with :func:`ui.text.plain` where Streamlit reads Markdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from journeys.discover import EventLogVersion
from journeys.discover.import_report import order_rule
from journeys.errors import JourneysError
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import discovery
from ui import session, tickets_view
from ui.discover_state import (
    LOG_PICK,
    MODE,
    MODES,
    NAME_YOURSELF,
    RESULT,
    SELECT_NEXT,
    ImportDone,
    show_failure,
    show_notice,
)
from ui.discover_upload import upload_flow
from ui.frame import author, ws
from ui.text import clip, plain, shown


def choose_log() -> EventLogVersion | None:
    """The log to analyse: a stored one (latest version), or None while a file is uploaded or tickets derived."""
    pending = st.session_state.pop(SELECT_NEXT, None)
    if pending:  # an import just finished: show its log (widgets not drawn yet on this run)
        st.session_state[MODE], st.session_state[LOG_PICK] = "stored", pending
    available = ws().event_logs.list()
    st.session_state.setdefault(MODE, "stored" if available else "upload")
    mode = st.radio("Where the events come from", list(MODES), format_func=MODES.get, key=MODE, horizontal=True,
                    label_visibility="collapsed")
    show_notice()
    if mode == "upload":
        upload_flow([v.name for v in available])
        return None
    if mode == "tickets":
        derive_flow([v.name for v in available])
        return None
    if not available:
        st.info("No event logs in this workspace yet. Upload one (CSV, Parquet, XES or gzipped XES with a case id, "
                "an activity and a timestamp per row), derive one from your tickets, or load the demo with "
                "`journeys init --demo`.")
        return None
    names = [v.name for v in available]
    if st.session_state.get(LOG_PICK) not in names:
        st.session_state[LOG_PICK] = names[0]
    name = st.selectbox("Event log", names, key=LOG_PICK, help="The latest version of each stored event log.")
    log = next(v for v in available if v.name == name)
    st.caption(f"Version {log.version} · {log.events:,} events · {log.cases:,} cases · {log.activities:,} activities "
               f"· imported by {plain(log.created_by)} on {log.created_at:%d %b %Y %H:%M} UTC")
    done = st.session_state.get(RESULT)
    if isinstance(done, ImportDone) and done.name == log.name and done.version == log.version:
        # open right after the import; folded on later reruns so the analysis below is not pushed down
        with st.status(f"Imported as version {log.version} of {shown(log.name, 80)}", state="complete",
                       expanded=pending == log.name):
            show_report(done.report)
    else:
        with st.expander("How this log was imported"):
            show_report(log.report)
    return log


def show_report(report: dict[str, Any]) -> None:
    """What an import kept, left out and decided (ties, duplicates), from the report stored with the log."""
    if not report:
        st.caption("No import report was stored with this version.")
        return
    dup = int(report.get("duplicates", 0) or 0)
    cols = st.columns(6)
    cols[0].metric("Rows read", f"{int(report.get('rows_read', 0)):,}")
    cols[1].metric("Events kept", f"{int(report.get('rows_kept', 0)):,}")
    cols[2].metric("Rows left out", f"{int(report.get('rows_rejected', 0)):,}")
    cols[3].metric("Duplicates", f"{dup:,}", help="Rows identical in every column to an earlier row (rows that "
                                                  "differ in anything, e.g. start vs complete, are different "
                                                  "events): " + ("kept." if report.get("duplicates_kept")
                                                                 else "dropped, counted below."))
    cols[4].metric("Cases", f"{int(report.get('cases', 0)):,}")
    cols[5].metric("Activities", f"{int(report.get('activities', 0)):,}")
    c = report.get("columns") or {}
    roles = [f"case '{c.get('case')}'", f"activity '{c.get('activity')}'", f"timestamp '{c.get('timestamp')}'"]
    if c.get("resource"):
        roles.append(f"resource '{c['resource']}'")
    if c.get("start"):
        roles.append(f"start time '{c['start']}'")
    if c.get("tiebreak"):
        roles.append(f"tie-breaker '{c['tiebreak']}'")
    where = ", ".join(x for x in (str(report.get("format") or "").upper(), report.get("encoding") or "") if x)
    span = ""
    if report.get("first") and report.get("last"):
        span = f"; events from {str(report['first'])[:10]} to {str(report['last'])[:10]}"
    st.caption(plain(f"From {Path(str(report.get('source', ''))).name}" + (f" ({where})" if where else "")
                     + f"; columns: {', '.join(roles)}{span}; times without a zone read as "
                     f"{report.get('timezone', 'UTC')}."))
    ties, rule = int(report.get("ties", 0) or 0), report.get("tie_rule", "file order")
    st.caption(plain(f"Order within a case: {report.get('order_rule') or order_rule('time', rule)}."))
    if ties:
        examples = "; ".join(report.get("tie_examples", []))
        st.caption(plain(f"Ties: {ties:,} events in {int(report.get('tie_groups', 0)):,} group(s) share their "
                          f"case's timestamp; they are ordered by {rule}" + (f" (e.g. {examples})." if examples
                                                                             else ".")))
    else:
        st.caption(plain(f"Ties: no two events of a case share a timestamp (ties would be ordered by {rule})."))
    rejected = report.get("rejected") or {}
    if rejected:
        rows = sorted(rejected.items(), key=lambda kv: -kv[1])
        st.dataframe(pd.DataFrame({"Why rows were left out": [r for r, _ in rows], "Rows": [n for _, n in rows],
                                   "For example": ["; ".join((report.get("examples") or {}).get(r, []))
                                                   for r, _ in rows]}), hide_index=True, width="stretch")
    for warning in report.get("warnings") or []:
        st.warning(plain(warning))
    extras = report.get("extras") or []
    if extras:
        st.caption(plain(f"Other columns kept as segments: {', '.join(x.removeprefix('x_') for x in extras)}."))



def derive_flow(existing: list[str]) -> None:
    """Each customer's sequence of journey steps, from a ticket dataset mapped by a journey's rules."""
    datasets = tickets_view.datasets()
    journeys = session.journey_names()
    if not datasets or not journeys:
        st.info("No ticket data yet: import a help-desk export on **Import tickets** first.")
        return
    st.caption("Each customer becomes a case and each of their tickets an event on the step the journey's mapping "
               "rules put it on, in creation order. Tickets without a customer or on no step are left out and "
               "counted in the report.")
    left, middle, right = st.columns(3)
    chosen = left.selectbox("Ticket dataset", [d.name for d in datasets], key="disc_t_dataset")
    journey_name = middle.selectbox("Steps from the rules of", journeys, key="disc_t_journey")
    dataset = next(d for d in datasets if d.name == chosen)
    name = right.text_input("Save as event log", value=clip(f"Customer journeys: {chosen}", 80),
                            key="disc_t_name").strip()
    if name in existing:
        right.caption(f"**{plain(name)}** exists: this becomes its next version.")
    blocked = "Give the event log a name." if not name else NAME_YOURSELF if not author() else None
    if st.button("Build the event log", key="disc_derive", type="primary", icon=":material/conversion_path:",
                 disabled=blocked is not None):
        if run_derive(dataset, journey_name, name):
            st.rerun()
    elif blocked:
        st.caption(blocked)


def run_derive(dataset: DatasetVersion, journey_name: str, name: str) -> bool:
    with st.status("Building the event log from tickets…", expanded=True) as status:
        try:
            version, report = discovery.derive_from_tickets(ws(), dataset, journey_name, name, author())
        except JourneysError as error:
            status.update(label="Not built: nothing was saved", state="error", expanded=True)
            show_failure(error)
            return False
        status.update(label="Built", state="complete")
    st.session_state[RESULT] = ImportDone(version.name, version.version, report.to_json())
    st.session_state[SELECT_NEXT] = version.name
    return True
