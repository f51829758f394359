"""The Discover page's parts: the event log (stored, uploaded or derived from tickets), filters, the
directly-follows graph, variants, and conformance with a journey drawn on the workshop map.

Where things come from:

- event logs are :class:`journeys.discover.EventLogs` versions; an upload goes to disk first
  (:func:`ui.import_view.save_upload`, the Import tickets page's way: ``st.file_uploader`` holds
  the whole file in memory) and is imported as the next version of a named log;
- every number is computed by :mod:`journeys.discover` and cached here by content — the log's
  version (and file), the filters (a frozen :class:`~journeys.discover.LogFilter`), the journey's
  version and the activity map's contents — so a rerun never recomputes what it has, and a new
  import, journey revision or mapping edit is picked up because its key differs;
- the activity → step map is one selectbox per activity, seeded from the saved map (or the
  proposal by name) and saved as a versioned document; a save on top of a colleague's newer
  version is refused with who and when;
- "Add this route to the map" writes a journey revision through :func:`ui.session.commit`, so a
  colleague's newer save is never overwritten (the page then offers to apply it on top).

Text from files (activity names, column names, values) is shown as text: in tables, as
selectbox options, or escaped with :func:`ui.text.plain` where Streamlit reads Markdown.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from journeys.charts import journey_map
from journeys.charts.flow import FlowOverlay
from journeys.charts.process_graph import MAX_EDGES, dfg_chart, variant_chains
from journeys.discover import (
    DFG,
    Conformance,
    EventLogs,
    EventLogVersion,
    ImportOptions,
    LogColumns,
    LogFilter,
    LogImportError,
    LogPreview,
    Variants,
    add_route,
    conformance,
    customer_journeys_log,
    dfg,
    inspect_log,
    load_activity_map,
    open_log,
    propose_activity_map,
    reach,
    save_activity_map,
    segment_values,
    variants,
)
from journeys.discover.dot import dfg_dot, duration
from journeys.discover.import_report import order_rule
from journeys.discover.log import LIFECYCLE_NAMES
from journeys.discover.mapping import KIND as MAP_KIND
from journeys.editing import Edit, transition_words
from journeys.errors import JourneysError, StaleWrite
from journeys.model import Journey
from journeys.store.documents import DocumentStore
from journeys.tickets.column_mapping import DATE_ORDERS, norm
from ui import session, tickets_view
from ui.cached import journey_key
from ui.frame import author, settings, store, workspace
from ui.import_view import (
    Upload,
    problems_table,
    remove_upload,
    save_upload,
    size_label,
    upload_failed,
    upload_limit_mb,
)
from ui.text import clip, plain, shown

_log = logging.getLogger(__name__)

LogKey = tuple[str, str, str, int, str]  # database url, workspace, log name, version, stored file

LOG_TYPES = ["csv", "tsv", "txt", "parquet", "xes", "gz", "json", "jsonl", "ndjson", "xlsx"]
MODES = {"stored": "A stored event log", "upload": "Upload a file", "tickets": "Derive from tickets"}
ROLES = (("case", "Case id", True), ("activity", "Activity", True), ("timestamp", "Timestamp", True),
         ("start", "Start time", False), ("resource", "Resource", False), ("tiebreak", "Tie-breaker", False))
ROLE_HELP = {
    "case": "One journey: a customer, a ticket, a session. Events with the same case id form one sequence.",
    "activity": "What happened: the step, status or event name.",
    "timestamp": "When it happened (when it completed, if the log also says when it started); events of a case "
                 "are put in time order.",
    "start": "When the activity started, for logs that record starts as well as completions (e.g. "
             "start_timestamp). Logs with lifecycle start/complete rows need no column here: their rows are paired.",
    "resource": "Who or what carried it out (agent, bot, system); usable as a segment.",
    "tiebreak": "Orders events of a case with equal timestamps (e.g. a sequence number); else file order.",
}
STAGE_LABEL = {"reading": "Reading and checking events", "sorting": "Sorting cases and events",
               "done": "Saving the event log"}
ORDER_LABEL = {"start": "Start time (as pm4py)", "complete": "Completion time"}
DATE_ORDER_LABEL = {"auto": "Decide from the data", "dayfirst": "Day first (31/12/2026)",
                    "monthfirst": "Month first (12/31/2026)"}
NOT_IN_FILE = "— not in this file —"
NO_STEP = "— on no step —"
NO_VALUE = "\x00none"  # a segment value standing for "no value" (never a real value)
ALL = ""  # the segment choice "all events" (segments are "resource" or "x_…", never empty)
NAME_YOURSELF = "Tell us your name in the sidebar first: it is recorded with every import and save."
ROUTE_BUTTONS = 12  # undesigned routes listed with their own button; the rest in a table
TABS = ["Map", "Variants", "Flow of top variants", "Conformance"]

# session-state keys; the upload's widgets all start with W, so a new file resets them at once
MODE, LOG_PICK, SELECT_NEXT = "disc_mode", "disc_log", "disc_select_next"
UPLOAD, PREVIEW, GEN, RESULT, FAILED, NOTICE = ("disc_upload", "disc_preview", "disc_upload_gen", "disc_result",
                                                "disc_failed", "disc_notice")
TAB, JOURNEY_PICK, FLOW_TOP = "disc_tab", "disc_journey", "disc_flow_top"
W = "disc_w_"
LOG_NAME, TIMEZONE, DATE_ORDER, DUPLICATES, REPEATS = (W + "name", W + "timezone", W + "date_order",
                                                       W + "duplicates", W + "repeats")
ORDER = W + "order"
SEGMENT, MIN_EDGE, TOP_VARIANTS = "disc_f_segment", "disc_f_min_edge", "disc_f_top"


@dataclass(frozen=True)
class ImportDone:
    """The last import or derivation of this session, kept so its report survives the rerun."""

    name: str
    version: int
    report: dict[str, Any]


def _notice(kind: str, text: str) -> None:
    st.session_state[NOTICE] = (kind, text)


def show_notice() -> None:
    """A one-off message left by a callback (a mapping saved, a save refused …)."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, text = notice
        {"error": st.error, "warning": st.warning, "success": st.success}.get(kind, st.info)(text)


def _logs() -> EventLogs:
    return EventLogs(store(), settings().home)


def log_key(log: EventLogVersion) -> LogKey:
    """The content key of everything computed from a log version."""
    return (settings().database_url, workspace(), log.name, log.version, str(log.path))


# --- cached results ------------------------------------------------------------------------------------------

@st.cache_data(max_entries=32, show_spinner="Computing the directly-follows graph…")
def _dfg(key: LogKey, filters: LogFilter) -> DFG:
    return dfg(Path(key[4]), filters)


@st.cache_data(max_entries=32, show_spinner="Counting variants…")
def _variants(key: LogKey, filters: LogFilter, top: int) -> Variants:
    return variants(Path(key[4]), filters, top=top)


@st.cache_data(max_entries=16, show_spinner="Drawing the map…")
def _dfg_spec(key: LogKey, filters: LogFilter) -> tuple[dict[str, Any], int, int]:
    graph = _dfg(key, filters)
    total = int((graph.edges["source"] != graph.edges["target"]).sum())
    return dfg_chart(graph).to_dict(), min(total, MAX_EDGES), total


@st.cache_data(max_entries=16, show_spinner=False)
def _chains_spec(key: LogKey, filters: LogFilter, top: int) -> dict[str, Any]:
    return variant_chains(_variants(key, filters, max(top, 100)).table, top=top).to_dict()


@st.cache_data(max_entries=32, show_spinner=False)
def _segment_values(key: LogKey, column: str) -> list[tuple[str | None, int]]:
    return segment_values(Path(key[4]), column, limit=100)


@st.cache_data(max_entries=32, show_spinner="Comparing with the journey…")
def _conformance(key: LogKey, filters: LogFilter, jkey: tuple, mapping: tuple[tuple[str, str | None], ...],
                 _journey: Journey) -> Conformance:
    return conformance(Path(key[4]), _journey, dict(mapping), filters)


@st.cache_data(max_entries=32, show_spinner=False)
def _reach(key: LogKey, filters: LogFilter, mapping: tuple[tuple[str, str | None], ...]) -> dict[str, int]:
    return reach(Path(key[4]), dict(mapping), filters)


@st.cache_data(max_entries=16, show_spinner="Drawing the flow on the map…")
def _flow_map_spec(key: LogKey, filters: LogFilter, jkey: tuple, mapping: tuple[tuple[str, str | None], ...],
                   _journey: Journey, title: str) -> dict[str, Any]:
    result = _conformance(key, filters, jkey, mapping, _journey)
    spec = journey_map(_journey, flow=FlowOverlay.from_conformance(result, title=title)).to_dict()
    # datasets as the Arrow bytes Streamlit sends anyway, so the cached spec is not re-encoded every rerun
    spec["datasets"] = {name: convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
                        for name, rows in spec.get("datasets", {}).items()}
    return spec


# --- 1. the event log --------------------------------------------------------------------------------------

def choose_log() -> EventLogVersion | None:
    """The log to analyse: a stored one (latest version), or None while a file is uploaded or tickets derived."""
    pending = st.session_state.pop(SELECT_NEXT, None)
    if pending:  # an import just finished: show its log (widgets not drawn yet on this run)
        st.session_state[MODE], st.session_state[LOG_PICK] = "stored", pending
    available = _logs().list(workspace())
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


# --- upload -------------------------------------------------------------------------------------------------

def _current_upload() -> Upload | None:
    upload = st.session_state.get(UPLOAD)
    return upload if isinstance(upload, Upload) else None


def _reset_widgets() -> None:
    for key in [k for k in st.session_state if str(k).startswith(W)]:
        del st.session_state[key]


def _forget_upload() -> None:
    upload = _current_upload()
    if upload is not None:
        remove_upload(upload.path)
    for key in (UPLOAD, PREVIEW, FAILED):
        st.session_state.pop(key, None)
    _reset_widgets()


def _on_upload(key: str) -> None:
    uploaded = st.session_state.get(key)
    if uploaded is None:
        return
    _forget_upload()
    st.session_state.pop(RESULT, None)
    try:
        st.session_state[UPLOAD] = save_upload(uploaded)
    except OSError as error:
        _notice("error", upload_failed(error))
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


def _inspect(upload: Upload) -> LogPreview | LogImportError:
    """The file's columns and first rows, once per upload; an unreadable file is removed at once."""
    cached = st.session_state.get(PREVIEW)
    if cached and cached[0] == upload.file_id:
        return cached[1]
    with st.spinner("Reading the first rows…"):
        try:
            result: LogPreview | LogImportError = inspect_log(upload.path)
        except LogImportError as error:
            result = error
            remove_upload(upload.path)
    st.session_state[PREVIEW] = (upload.file_id, result)
    return result


def upload_flow(existing: list[str]) -> None:
    """Choose a file, check the detected columns, import it as a new log or the next version of one."""
    upload = _current_upload()
    if upload is None:
        key = f"disc_upload_{st.session_state.get(GEN, 0)}"
        st.file_uploader("Event log file", type=LOG_TYPES, key=key, on_change=_on_upload, args=(key,),
                         max_upload_size=upload_limit_mb(),
                         help="One row per event with a case id, an activity and a timestamp: CSV/TSV, Parquet, "
                              "JSON, Excel, or XES (plain or .xes.gz) from a process-mining tool. Bigger files: "
                              "`journeys discover FILE --save NAME` on the command line.")
        return
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.markdown(f":material/description: **{plain(upload.name)}** · {size_label(upload.size)}")
    right.button("Choose another file", key="disc_choose_another", on_click=_forget_upload, width="stretch")
    preview = _inspect(upload)
    if isinstance(preview, LogImportError):
        st.error(f"**{plain(upload.name)}** cannot be read as an event log. {plain(preview.message.rstrip('.'))}. "
                 "Nothing was saved.")
        problems_table(preview.problems)
        st.caption("Export the events again as CSV (UTF-8), Parquet or XES, with one row per event.")
        return
    _show_preview(preview)
    columns = _role_pickers(preview)
    options = _read_options(order_control(preview, columns))
    name = _log_name(upload, existing)
    problems = _column_problems(columns, preview.columns) + [f"{p.where}: {p.reason}" for p in options.problems()]
    for problem in problems:
        st.error(plain(problem), icon=":material/error:")
    blocked = ("Fix the problems above first." if problems else "Give the event log a name." if not name
               else NAME_YOURSELF if not author() else None)
    if st.button("Import", key="disc_import", type="primary", icon=":material/upload:", disabled=blocked is not None):
        if run_import(upload, columns, options, name):
            st.rerun()
    else:
        if blocked:
            st.caption(blocked)
        failed = st.session_state.get(FAILED)
        if failed and failed[0] == upload.file_id:
            with st.status("Import failed: nothing was saved", state="error", expanded=True):
                show_failure(failed[1])


def _show_preview(preview: LogPreview) -> None:
    facts = [("Format", preview.format.upper()), ("Text encoding", preview.encoding or "–"),
             ("Separator", {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
                 preview.delimiter or "", preview.delimiter or "–")), ("Columns", str(len(preview.columns)))]
    with st.container(border=True):
        for cell, (label, value) in zip(st.columns(len(facts)), facts, strict=True):
            cell.caption(plain(label))
            cell.markdown(f"**{plain(value)}**")
    for warning in preview.warnings:
        st.warning(plain(warning))
    if not preview.sample:
        st.warning("No rows were found under the header: this file looks empty.")
        return
    with st.expander(f"The first {min(10, len(preview.sample))} rows as read", expanded=True):
        st.dataframe(pd.DataFrame(preview.sample[:10], columns=preview.columns).astype("string"), hide_index=True,
                     width="stretch")


def _role_pickers(preview: LogPreview) -> LogColumns:
    """One selectbox per role, seeded with the detected column; the roles as the widgets say."""
    st.markdown("**Which column is which** (detected from the names; change what is wrong)")
    options: list[str | None] = [None, *preview.columns]
    chosen: dict[str, str | None] = {}
    cells = [*st.columns(3), *st.columns(3)]  # the required roles, then the optional ones
    for cell, (role, label, required) in zip(cells, ROLES, strict=True):
        key = W + "role_" + role
        detected = getattr(preview.detected, role)
        st.session_state.setdefault(key, detected if detected in preview.columns else None)
        chosen[role] = cell.selectbox(label + ("" if required else " (optional)"), options, key=key,
                                      placeholder=NOT_IN_FILE,
                                      format_func=lambda c: NOT_IN_FILE if c is None else c, help=ROLE_HELP[role])
    return LogColumns(**chosen)


def _column_problems(columns: LogColumns, offered: list[str]) -> list[str]:
    """What stops the import in the role pickers, in the pickers' words (the core's say --case for the CLI)."""
    label = {role: name for role, name, _ in ROLES}
    out = [f"{label[role]}: choose the column that holds it (no column has one of the usual names)"
           for role, _, required in ROLES if required and getattr(columns, role) is None]
    out += [f"{label.get(p.where, p.where)}: {p.reason}" for p in columns.problems(offered)
            if not p.reason.startswith("no column found")]
    return out


def _has_starts(preview: LogPreview, columns: LogColumns) -> bool:
    """Whether the file records when activities start: a start-time column, or lifecycle start rows in the preview."""
    if columns.start:
        return True
    lifecycle = [c for c in preview.columns if norm(c) in LIFECYCLE_NAMES]
    return any(str(row.get(c) or "").strip().lower() == "start" for row in preview.sample for c in lifecycle)


def order_control(preview: LogPreview, columns: LogColumns) -> str:
    """For logs with start and completion times: order each case's events by start (as pm4py) or by completion."""
    st.session_state.setdefault(ORDER, "start")
    if not _has_starts(preview, columns):
        return str(st.session_state[ORDER])
    order = str(st.radio(
        "This log records when activities start and when they complete. Order each case's events by",
        list(ORDER_LABEL), format_func=ORDER_LABEL.get, key=ORDER, horizontal=True,
        help="Start time, then completion time, is what pm4py's discover_dfg does; completion time is what a log "
             "of completions alone gives. Activities that overlap come out in a different order. The report of the "
             "import says which was used."))
    if not columns.start:
        st.caption("Its start and complete rows (lifecycle transitions) are paired into one event per activity "
                   "instance, as pm4py pairs them; other transitions (schedule, suspend …) are left out, counted.")
    return order


def _read_options(order: str = "start") -> ImportOptions:
    with st.expander("Reading options: time zone, date order, duplicates"):
        a, b, c, d = st.columns(4)
        a.text_input("Time zone of times without one", value="UTC", key=TIMEZONE,
                     help="An IANA name such as Europe/Paris, or UTC, or an offset like +01:00.")
        b.selectbox("Date order (for 01/02/2026)", list(DATE_ORDERS), key=DATE_ORDER,
                    format_func=lambda v: DATE_ORDER_LABEL.get(v, v))
        c.selectbox("Rows identical in every column", ["drop", "keep"], key=DUPLICATES,
                    format_func=lambda v: "Drop them (counted)" if v == "drop" else "Keep them")
        d.checkbox("Merge an activity repeated straight away", key=REPEATS,
                   help="For status histories: an update that leaves the status unchanged is not a new event.")
    return ImportOptions(timezone=(st.session_state.get(TIMEZONE) or "UTC").strip() or "UTC",
                         date_order=st.session_state.get(DATE_ORDER) or "auto",
                         duplicates=st.session_state.get(DUPLICATES) or "drop",
                         collapse_repeats=bool(st.session_state.get(REPEATS)), order=order)


def _log_name(upload: Upload, existing: list[str]) -> str:
    st.session_state.setdefault(LOG_NAME, clip(Path(upload.name).stem.removesuffix(".xes").strip(), 80) or "events")
    name = st.text_input("Save as event log", key=LOG_NAME, help="A new name makes a new log; the name of a stored "
                                                                 "log makes this file its next version.").strip()
    if name in existing:
        st.caption(f"**{plain(name)}** exists: this import becomes its next version (the current one stays).")
    return name


def run_import(upload: Upload, columns: LogColumns, options: ImportOptions, name: str) -> bool:
    """Import with live progress; on success the upload is removed and the new log selected."""
    st.session_state.pop(FAILED, None)
    with st.status("Importing the event log…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def progress(stage: str, fraction: float) -> None:
            fraction = min(1.0, max(0.0, fraction))
            bar.progress(fraction, text=f"{STAGE_LABEL.get(stage, stage)} · {fraction:.0%}")

        try:
            version, report = _logs().import_file(workspace(), name, upload.path, author(), columns, options,
                                                  progress)
        except Exception as error:  # JourneysError is the user's input; anything else is a bug of ours
            if not isinstance(error, JourneysError):
                _log.exception("event-log import of %s failed unexpectedly", upload.path)
                error = JourneysError("Something went wrong on our side (the details are in the server log)")
            status.update(label="Import failed: nothing was saved", state="error", expanded=True)
            bar.empty()
            show_failure(error)
            st.session_state[FAILED] = (upload.file_id, error)
            return False
        status.update(label="Imported", state="complete")
    _forget_upload()
    st.session_state[RESULT] = ImportDone(version.name, version.version, report.to_json())
    st.session_state[SELECT_NEXT] = version.name
    return True


def show_failure(error: JourneysError) -> None:
    st.error(plain(error.message.rstrip(".")) + ". Nothing was saved; stored event logs are unchanged.")
    problems_table(error.problems)
    report = getattr(error, "report", None)
    if report is not None and getattr(report, "rows_read", 0):
        st.caption(f"{report.rows_read:,} rows were read; none could be used.")


# --- derive from tickets ----------------------------------------------------------------------------------

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


def run_derive(dataset: Any, journey_name: str, name: str) -> bool:
    logs = _logs()
    with st.status("Building the event log from tickets…", expanded=True) as status:
        staged = logs.staging_path(workspace(), name)
        try:
            mapped = tickets_view.mapped(dataset, journey_name)
            report = customer_journeys_log(
                mapped.table, staged, source=f"tickets {dataset.name} v{dataset.version} on {journey_name}"
                .replace("/", "-"))
            version = logs.commit(workspace(), name, staged, report, author(),
                                  message=f"Derived from ticket dataset '{dataset.name}' version {dataset.version} "
                                          f"mapped to '{journey_name}'")
        except JourneysError as error:
            status.update(label="Not built: nothing was saved", state="error", expanded=True)
            show_failure(error)
            return False
        finally:
            staged.unlink(missing_ok=True)
        status.update(label="Built", state="complete")
    st.session_state[RESULT] = ImportDone(version.name, version.version, report.to_json())
    st.session_state[SELECT_NEXT] = version.name
    return True


# --- 2. filters ---------------------------------------------------------------------------------------------

def _span(log: EventLogVersion) -> tuple[date | None, date | None]:
    report = log.report or {}
    try:
        first = datetime.fromisoformat(report["first"]).astimezone(UTC).date() if report.get("first") else None
        last = datetime.fromisoformat(report["last"]).astimezone(UTC).date() if report.get("last") else None
    except (TypeError, ValueError):
        return None, None
    return first, last


def filters(log: EventLogVersion) -> LogFilter:
    """Time range, segment, minimum edge frequency and top-k variants, as the widgets say."""
    key = log_key(log)
    segments = list(open_log(log).segments)
    if st.session_state.get(SEGMENT) not in [ALL, *segments]:
        st.session_state[SEGMENT] = ALL
    first, last = _span(log)
    period, segment_cell, values_cell, edge_cell, top_cell = st.columns([2.2, 1.3, 2.3, 1.1, 1.1],
                                                                        vertical_alignment="bottom")
    start = end = None
    if first and last:
        chosen = period.date_input("Period", value=(first, last), min_value=first, max_value=last,
                                   key=f"disc_f_period_{log.name}_{log.version}",
                                   help="Events inside these days (UTC); a case's events outside them are left out.")
        if isinstance(chosen, (tuple, list)) and len(chosen) == 2 and (chosen[0], chosen[1]) != (first, last):
            start = datetime.combine(chosen[0], time.min, tzinfo=UTC)
            end = datetime.combine(chosen[1] + timedelta(days=1), time.min, tzinfo=UTC)
    segment = segment_cell.selectbox("Segment", [ALL, *segments], key=SEGMENT,
                                     format_func=lambda c: "All events" if c == ALL else c.removeprefix("x_"),
                                     help="A column of the log (the resource, or any other column it kept).")
    picked: tuple[str | None, ...] = ()
    if segment != ALL:
        counts = {(NO_VALUE if v is None else v): n for v, n in _segment_values(key, segment)}
        values = values_cell.multiselect(
            f"Keep {plain(segment.removeprefix('x_'))}", list(counts),
            key=f"disc_f_values_{log.name}_{log.version}_{segment}",
            placeholder="Choose values", format_func=lambda v: f"{'(no value)' if v == NO_VALUE else v} "
                                                               f"({counts.get(v, 0):,})")
        picked = tuple(None if v == NO_VALUE else v for v in values)
    else:
        values_cell.multiselect("Keep", [], disabled=True, key="disc_f_values_none", placeholder="Choose a segment")
    min_edge = edge_cell.number_input("Min. edge count", min_value=1, value=1, step=1, key=MIN_EDGE,
                                      help="Hide directly-follows edges seen fewer times (totals still count them).")
    top = top_cell.number_input("Top variants", min_value=0, value=0, step=1, key=TOP_VARIANTS,
                                help="Keep only the cases following the k most frequent variants; 0 keeps all.")
    chosen_filter = LogFilter(start=start, end=end, segment=segment if picked else None, segment_values=picked,
                              min_edge_frequency=int(min_edge), top_variants=int(top) or None)
    st.caption(plain(f"Showing {chosen_filter.describe()}."))
    return chosen_filter


def _guard(fn, *args: Any) -> Any:
    """Run a computation; a domain error becomes a message on the page instead of a traceback."""
    try:
        return fn(*args)
    except JourneysError as error:
        st.error(plain(error.message))
        problems_table(error.problems)
        return None


# --- 3. views -----------------------------------------------------------------------------------------------

def map_view(key: LogKey, where: LogFilter) -> None:
    """The directly-follows graph with its totals, and its edges, starts and ends as tables."""
    graph = _guard(_dfg, key, where)
    if graph is None:
        return
    if graph.events == 0:
        st.info("No events in this selection. Widen the period or choose other segment values.")
        return
    spec, drawn, total = _dfg_spec(key, where)
    cols = st.columns(4)
    cols[0].metric("Events", f"{graph.events:,}")
    cols[1].metric("Cases", f"{graph.cases:,}")
    cols[2].metric("Activities", f"{len(graph.activities):,}")
    cols[3].metric("Directly-follows edges", f"{len(graph.edges):,}",
                   help="Pairs of activities where one directly followed the other in a case.")
    st.vega_lite_chart(spec, width="stretch")
    note = (f" The {drawn:,} busiest of {total:,} edges are drawn; raise the minimum edge count to see the rest "
            "clearly." if drawn < total else "")
    st.caption("Read it top to bottom: boxes are activities, arrows say what came directly next and how often (wider "
               "and darker = more often). The green circle leads to the activities cases start with; "
               "■ counts the cases that end at an activity, ↻ an activity repeated straight away. Hover for "
               "times between events; drag to pan, scroll to zoom, double-click to reset." + note)
    labels = {"source": "From", "target": "To", "frequency": "Times", "cases": "Cases"}
    with st.expander(f"All {len(graph.edges):,} edges"):
        edges = graph.edges.rename(columns=labels)
        for col in ("median_seconds", "mean_seconds", "p90_seconds"):
            edges[col.split("_")[0].capitalize() + " time"] = edges.pop(col).map(duration)
        st.dataframe(edges, hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left.expander("Start activities"):
        st.dataframe(graph.starts.rename(columns={"activity": "Activity", "cases": "Cases starting"}),
                     hide_index=True, width="stretch")
    with right.expander("End activities"):
        st.dataframe(graph.ends.rename(columns={"activity": "Activity", "cases": "Cases ending"}), hide_index=True,
                     width="stretch")
    loops = graph.self_loops
    if len(loops):
        with st.expander(f"Activities repeated straight away ({len(loops)})"):
            st.dataframe(loops[["source", "frequency", "cases"]].rename(
                columns={"source": "Activity", "frequency": "Times", "cases": "Cases"}), hide_index=True,
                width="stretch")
    st.download_button("Download as Graphviz DOT", data=partial(dfg_dot, graph, f"{key[2]} ({where.describe()})"),
                       file_name=f"{clip(key[2], 60)}.dot", mime="text/vnd.graphviz", icon=":material/download:",
                       key="disc_dot")


def variants_view(key: LogKey, where: LogFilter) -> None:
    """Activity sequences by frequency, with coverage and cumulative coverage."""
    result = _guard(_variants, key, where, 500)
    if result is None:
        return
    table = result.table
    if table.empty:
        st.info("No cases in this selection.")
        return
    to_80 = int((table["cumulative_coverage"] < 0.8).sum()) + 1 if table["cumulative_coverage"].iloc[-1] >= 0.8 \
        else None
    cols = st.columns(4)
    cols[0].metric("Distinct variants", f"{result.distinct:,}")
    cols[1].metric("Cases", f"{result.cases:,}")
    cols[2].metric("The most frequent covers", f"{table['coverage'].iloc[0]:.1%}")
    cols[3].metric("Variants for 80 % of cases", f"{to_80:,}" if to_80 else f"> {len(table):,}")
    shown = pd.DataFrame({
        "Rank": table["rank"], "Variant": [" → ".join(v) for v in table["activities"]], "Steps": table["length"],
        "Cases": table["cases"], "Coverage": table["coverage"], "Cumulative coverage": table["cumulative_coverage"]})
    st.dataframe(shown, hide_index=True, width="stretch", height=min(36 + 35 * len(shown), 560), column_config={
        "Variant": st.column_config.TextColumn(width="large"),
        "Coverage": st.column_config.NumberColumn(format="percent"),
        "Cumulative coverage": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)})
    if result.distinct > len(table):
        st.caption(f"The {len(table):,} most frequent of {result.distinct:,} variants.")


def flow_view(key: LogKey, where: LogFilter) -> None:
    """The top variants as chains of activities, one row each."""
    result = _guard(_variants, key, where, 100)
    if result is None:
        return
    if result.table.empty:
        st.info("No cases in this selection.")
        return
    most = min(30, len(result.table))
    top = st.slider("Variants shown", min_value=1, max_value=most, value=min(10, most), key=FLOW_TOP) if most > 1 else 1
    covered = float(result.table["cumulative_coverage"].iloc[top - 1])
    st.caption(f"The {top:,} most frequent variants cover {covered:.1%} of {result.cases:,} cases. Each row reads left "
               "to right; an activity has the same colour in every row, so shared stretches stand out.")
    st.vega_lite_chart(_chains_spec(key, where, top), width="stretch")


# --- conformance -------------------------------------------------------------------------------------------

def _journey_with_map(log_name: str) -> str | None:
    """A journey this log already has a saved activity map for (the page opens on it)."""
    for doc in DocumentStore(store()).latest(workspace(), MAP_KIND):
        if doc.body.get("log") == log_name.strip():
            return doc.body.get("journey")
    return None


def _map_prefix(log: EventLogVersion, journey_name: str, version: int) -> str:
    digest = hashlib.sha1(f"{log.name}\x1f{log.version}\x1f{journey_name}".encode()).hexdigest()[:12]
    return f"disc_map_{digest}_{version}_"


def _save_mapping(log_name: str, journey_name: str, version: int, prefix: str, activities: list[str]) -> None:
    mapping = {a: st.session_state.get(f"{prefix}{i}") for i, a in enumerate(activities)}
    who = author()
    if not who:
        _notice("error", NAME_YOURSELF)
        return
    try:
        new = save_activity_map(store(), workspace(), log_name, journey_name, mapping, who,
                                expected_version=version, message="Edited on the Discover page")
    except StaleWrite as refusal:
        _notice("warning", f"**Not saved: {plain(refusal.saved_by)} saved version {refusal.current} of this "
                           f"mapping at {plain(refusal.saved_at)}** while you were editing version "
                           f"{refusal.expected}. Their mapping is shown now; make your change again on top of it.")
        return
    except JourneysError as error:
        _notice("error", plain(error.message) + "".join(f"\n- {plain(p)}" for p in error.problems))
        return
    _notice("success", f"Saved the activity mapping as version {new}.")


def _reset_mapping(prefix: str, activities: list[str], proposal: dict[str, str | None]) -> None:
    for i, a in enumerate(activities):
        st.session_state[f"{prefix}{i}"] = proposal.get(a)


def mapping_editor(log: EventLogVersion, journey_name: str, journey: Journey,
                   activities: list[tuple[str, int]]) -> dict[str, str | None]:
    """The activity → step map: saved (or proposed by name), editable per activity, saved as a new version."""
    saved = load_activity_map(store(), workspace(), log.name, journey_name)
    names = [a for a, _ in activities]
    steps = journey.step_ids()
    labels = {s.id: s.label for s in journey.steps}
    proposal = propose_activity_map(names, journey)
    base = saved.mapping if saved else proposal
    gone = sorted({s for s in base.values() if s is not None and s not in steps})
    version = saved.version if saved else 0
    prefix = _map_prefix(log, journey_name, version)
    for i, a in enumerate(names):
        step = base.get(a)
        st.session_state.setdefault(f"{prefix}{i}", step if step in steps else None)
    current = {a: st.session_state[f"{prefix}{i}"] for i, a in enumerate(names)}
    on_step = sum(1 for s in current.values() if s is not None)
    if saved and all(current[a] == (saved.mapping.get(a) if saved.mapping.get(a) in steps else None) for a in names):
        state = f"saved version {saved.version} by {plain(saved.author)}, {saved.saved_at:%d %b %Y}"
    elif saved:
        state = f"changed since version {saved.version} — not saved"
    else:
        state = "proposed from the names — not saved yet"
    with st.expander(f"Activity → step mapping · {on_step:,} of {len(names)} activities on a step · {state}",
                     expanded=not saved and len(names) <= 30):
        st.caption("Which step of the journey each activity of the log is. Proposed by comparing names; change "
                   "what is wrong, or leave an activity on no step (its transitions then count as not designed). "
                   "Saving keeps every version.")
        if gone:
            st.warning(plain(f"The saved mapping names step(s) this journey no longer has: {', '.join(gone)}; those "
                             "activities are on no step until you choose again."))
        options: list[str | None] = [None, *steps]
        twice = {x for x in labels.values() if list(labels.values()).count(x) > 1}

        def shown(s: str | None) -> str:  # a step by its label; the id only to tell two equal labels apart
            return NO_STEP if s is None else labels.get(s, s) + (f" ({s})" if labels.get(s) in twice else "")

        grid = st.columns(3)
        for i, (a, n) in enumerate(activities):
            grid[i % 3].selectbox(f"{plain(clip(a, 48))} · {n:,} events", options, key=f"{prefix}{i}",
                                  placeholder=NO_STEP,
                                  format_func=shown)
        left, right, _ = st.columns([1.2, 1.4, 3])
        left.button("Save this mapping", key="disc_map_save", type="primary", icon=":material/save:",
                    on_click=_save_mapping, args=(log.name, journey_name, version, prefix, names))
        right.button("Reset to the proposal by name", key="disc_map_reset", on_click=_reset_mapping,
                     args=(prefix, names, proposal))
    return current


def _add_route(journey_name: str, journey: Journey, source: str, target: str, log_name: str) -> None:
    session.commit(journey_name, Edit(f"Added the route {transition_words(journey, source, target)} that customers "
                                      f"take (event log '{log_name}')",
                                      partial(add_route, source=source, target=target)))


def _share(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0%}"


def conformance_view(log: EventLogVersion, key: LogKey, where: LogFilter) -> None:
    """Observed against designed: the headline, the flow on the map, routes to add, unused design, loops, reach."""
    session.show_save_status()
    show_notice()
    name = session.pick_journey("Compare with the journey", key=JOURNEY_PICK, default=_journey_with_map(log.name))
    if not name:
        st.info("This workspace has no journeys yet: map one on **Journey map** first.")
        return
    loaded = session.load(name)
    journey = loaded.journey
    every = _guard(_dfg, key, LogFilter())
    if every is None:
        return
    activities = list(zip(every.activities["activity"], every.activities["events"].astype(int), strict=True))
    mapping = mapping_editor(log, name, journey, activities)
    items = tuple(sorted(mapping.items()))
    jkey = journey_key(name, loaded.version)
    result: Conformance | None = _guard(_conformance, key, where, jkey, items, journey)
    if result is None:
        return
    labels = {s.id: s.label for s in journey.steps}

    def label(step: str) -> str:
        return labels.get(step, step)

    share = result.designed_share
    cols = st.columns(5)
    cols[0].metric("Follows the map", "n/a" if math.isnan(share) else f"{share:.1%}",
                   help="Share of observed transitions (one event directly following another in a case) that the "
                        "journey designs. Transitions touching activities on no step count as not designed.")
    cols[1].metric("Transitions observed", f"{result.transitions:,}")
    cols[2].metric("Routes not on the map", f"{len(result.undesigned):,}",
                   help=f"{int(result.undesigned['events'].sum()):,} transitions took them.")
    cols[3].metric("Designed, nobody took", f"{len(result.unused):,}")
    cols[4].metric("Loops", f"{len(result.loops):,}", help="Self-loops and back-edges: customers going round again.")
    st.caption(plain(f"{result.summary()} Journey version {loaded.version}; {where.describe()}."))

    title = f"Customers (event log '{clip(log.name, 40)}')"
    st.vega_lite_chart(_flow_map_spec(key, where, jkey, items, journey, title), width="stretch")
    st.caption("Designed transitions are as wide as the customers who took them (dotted grey: nobody did); dashed "
               "navy lines are routes customers take that the map does not have; ↻ counts customers going round a "
               "step. Hover for counts and shares.")

    routes = result.undesigned
    st.subheader("Routes customers take that the map does not have")
    if routes.empty:
        st.success("Every transition between mapped steps is on the map.")
    for row in routes.head(ROUTE_BUTTONS).itertuples(index=False):
        text, button = st.columns([5, 1.4], vertical_alignment="center")
        text.markdown(f"**{plain(label(row.source))} → {plain(label(row.target))}** · {row.events:,} times · "
                      f"{row.cases:,} cases · {_share(row.observed_share)} of those leaving "
                      f"{plain(label(row.source))} · median {plain(duration(row.median_seconds) or '–')}"
                      + (" · a loop" if row.loop else ""))
        button.button("Add this route to the map", key=f"disc_add_{row.source}__{row.target}",
                      icon=":material/add_road:", on_click=_add_route,
                      args=(name, journey, row.source, row.target, log.name),
                      help="Saves a new version of the journey with this transition (kind normal, no expected "
                           "share yet); History can undo it.", width="stretch")
    if len(routes) > ROUTE_BUTTONS:
        with st.expander(f"All {len(routes):,} routes not on the map"):
            st.dataframe(pd.DataFrame({"From": routes["source"].map(label), "To": routes["target"].map(label),
                                       "Times": routes["events"], "Cases": routes["cases"]}),
                         hide_index=True, width="stretch")

    designed = result.designed
    st.subheader("Designed transitions: observed against expected")
    st.dataframe(pd.DataFrame({
        "From": designed["source"].map(label), "To": designed["target"].map(label), "Kind": designed["kind"],
        "Expected share": designed["expected_share"], "Observed share": designed["observed_share"],
        "Gap (points)": (designed["share_gap"] * 100).round(1), "Times": designed["events"],
        "Cases": designed["cases"], "Median time": designed["median_seconds"].map(duration)}),
        hide_index=True, width="stretch", column_config={
            "Expected share": st.column_config.NumberColumn(format="percent"),
            "Observed share": st.column_config.NumberColumn(format="percent")})
    unused, loops = result.unused, result.loops
    st.markdown(f"**Designed routes nobody takes** ({len(unused)})")
    if unused.empty:
        st.caption("Customers took every designed transition.")
    else:
        st.dataframe(pd.DataFrame({"From": unused["source"].map(label), "To": unused["target"].map(label),
                                   "Kind": unused["kind"], "Expected share": unused["expected_share"]}),
                     hide_index=True, width="stretch",
                     column_config={"Expected share": st.column_config.NumberColumn(format="percent")})
    st.markdown(f"**Loops: customers going round again** ({len(loops)})")
    if loops.empty:
        st.caption("Nobody went round a loop.")
    else:
        st.dataframe(pd.DataFrame({"From": loops["source"].map(label), "To": loops["target"].map(label),
                                   "Loop": loops["loop"], "On the map": loops["designed"], "Times": loops["events"],
                                   "Cases": loops["cases"]}), hide_index=True, width="stretch")
    idle = result.unmapped_activities
    if len(idle):
        with st.expander(f"Activities on no step ({len(idle)}): {result.transitions - result.mapped_events:,} "
                         "transitions touch them"):
            st.dataframe(idle.rename(columns={"activity": "Activity", "events": "Events"}), hide_index=True,
                         width="stretch")
    reach_view(key, where, items, journey, result)


def reach_view(key: LogKey, where: LogFilter, items: tuple[tuple[str, str | None], ...], journey: Journey,
               result: Conformance) -> None:
    """Cases reaching each step (at least one event on it): the reach for contact rate."""
    reached = _guard(_reach, key, where, items)
    if reached is None:
        return
    st.subheader("Reach per step")
    st.caption("Cases with at least one event on the step in this selection — the reach the contact rate "
               "(tickets per 1,000 customers reaching a step) is computed from.")
    total = max(result.cases, 1)
    st.dataframe(pd.DataFrame({
        "Step": [s.label for s in journey.steps], "Stage": [s.stage for s in journey.steps],
        "Cases reaching": [reached.get(s.id, 0) for s in journey.steps],
        "Share of cases": [reached.get(s.id, 0) / total for s in journey.steps]}),
        hide_index=True, width="stretch", column_config={
            "Share of cases": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)})

