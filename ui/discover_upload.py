"""Step 1 of the Discover page, from a file: upload, check the detected columns, import as a new version.

An upload goes to disk first (:func:`ui.uploads.save_upload`, the Import tickets page's way:
``st.file_uploader`` holds the whole file in memory) and is imported as the next version of a named
event log; the file is removed once imported, or as soon as it proves unreadable.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from journeys.discover import ImportOptions, LogColumns, LogImportError, LogPreview, inspect_log
from journeys.discover.log import LIFECYCLE_NAMES
from journeys.errors import JourneysError
from journeys.tickets.column_mapping import DATE_ORDERS, norm
from ui.discover_state import (
    DATE_ORDER,
    DUPLICATES,
    FAILED,
    GEN,
    LOG_NAME,
    NAME_YOURSELF,
    ORDER,
    PREVIEW,
    REPEATS,
    RESULT,
    SELECT_NEXT,
    TIMEZONE,
    UPLOAD,
    ImportDone,
    W,
    notice,
    show_failure,
)
from ui.frame import author, ws
from ui.text import clip, plain
from ui.uploads import (
    Upload,
    forget_upload,
    kept_upload,
    problems_table,
    remove_upload,
    reset_widgets,
    save_upload,
    size_label,
    upload_failed,
    upload_limit_mb,
)

_log = logging.getLogger(__name__)

LOG_TYPES = ["csv", "tsv", "txt", "parquet", "xes", "gz", "json", "jsonl", "ndjson", "xlsx"]
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


def _forget_upload() -> None:
    forget_upload(UPLOAD, (PREVIEW, FAILED))
    reset_widgets(W)


def _on_upload(key: str) -> None:
    uploaded = st.session_state.get(key)
    if uploaded is None:
        return
    _forget_upload()
    st.session_state.pop(RESULT, None)
    try:
        st.session_state[UPLOAD] = save_upload(uploaded)
    except OSError as error:
        notice("error", upload_failed(error))
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
    upload = kept_upload(UPLOAD)
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
            version, report = ws().event_logs.import_file(name, upload.path, author(), columns, options,
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

