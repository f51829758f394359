"""The Import tickets page's parts: the chosen file, what was detected, profiles, the import and its result.

The upload waits on disk (:mod:`ui.uploads`) and the page works with its path in
session state (``SOURCE``); the mapping grid is :mod:`ui.import_mapping`, the
report :mod:`ui.import_outcome`. The work — sniffing, importing, profiles — is
the use cases of :mod:`journeys.usecases.ticket_import`; this module keeps the
session's state between reruns and draws.

Everything that comes from the file (column names, values, the file name)
is shown as plain text: in tables, selectbox options, or escaped with
:func:`plain` where Streamlit would read Markdown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError, Problem
from journeys.tickets.column_mapping import ColumnMapping
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.importer import SourceInfo, TicketImportError
from journeys.tickets.layouts import TITLES
from journeys.usecases import ticket_import
from journeys.usecases.ticket_import import MAPPING_STAGE, Imported
from ui import notices
from ui.frame import author, ws
from ui.import_mapping import W, edited_mapping, mapping_problems
from ui.import_outcome import show_failure, show_report
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

# .xls/.xml: SpreadsheetML 2003 (Freshdesk's "Excel" download); a binary .xls is refused in words by the reader
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xls", "xml", "parquet", "json", "ndjson", "jsonl"]

# session-state keys
SOURCE = "import_source"
INSPECTED = "import_inspected"
BASE = "import_base_mapping"
RESULT = "import_result"
GEN = "import_upload_generation"
NOTICE = "import_notice"
FAILED = "import_failed"
FAILED_LABEL = "Import failed: nothing was saved"
TARGET, NEW_NAME = W + "target", W + "new_name"
PROFILE_PICK, PROFILE_NAME = "imp_profile_pick", "imp_profile_name"

LAYOUT_LABEL = TITLES  # every registered help desk's name, "Other (generic)"
FORMAT_LABEL = {"spreadsheetml": "Excel 2003 XML"}  # SpreadsheetML: one long word would break mid-word
DELIMITER_LABEL = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
STAGE_LABEL = {"sniffing": "Looking at the file", "reading": "Reading and checking rows",
               "writing": "Saving the dataset", "done": "Done", MAPPING_STAGE: "Mapping the tickets to journey steps"}
NAME_YOUR_SELF = "Tell us your name in the sidebar first: it is recorded with every import and profile."


@dataclass(frozen=True)
class Inspection:
    """What sniffing found (or why the file cannot be read); cached per upload."""

    file_id: str
    info: SourceInfo | None = None
    proposed: ColumnMapping | None = None
    error: TicketImportError | None = None


# --- the chosen file ------------------------------------------------------------------------------------------

def current_source() -> Upload | None:
    return kept_upload(SOURCE)


def _reset_widgets() -> None:
    reset_widgets(W)


def forget_source() -> None:
    """Remove the uploaded file and everything derived from it (the last report stays)."""
    forget_upload(SOURCE, (INSPECTED, BASE, FAILED))


def _on_upload(key: str) -> None:
    """A file arrived: save it, forget the previous one, and retire this uploader (a fresh one next time)."""
    uploaded = st.session_state.get(key)
    if uploaded is None:
        return
    forget_source()
    _reset_widgets()
    st.session_state.pop(RESULT, None)
    try:
        st.session_state[SOURCE] = save_upload(uploaded)
    except OSError as error:
        st.session_state[NOTICE] = ("error", upload_failed(error))
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


def _choose_another() -> None:
    forget_source()
    _reset_widgets()
    st.session_state.pop(RESULT, None)


def choose_file() -> Upload | None:
    """The uploader when no file is chosen, else the chosen file with a way to pick another."""
    show_notice()
    source = current_source()
    if source is None:
        key = f"import_upload_{st.session_state.get(GEN, 0)}"
        st.file_uploader("Help-desk export", type=UPLOAD_TYPES, key=key, on_change=_on_upload, args=(key,),
                         max_upload_size=upload_limit_mb(),
                         help=f"{', '.join(t for k, t in LAYOUT_LABEL.items() if k != 'generic')} exports, "
                              "or any CSV, TSV, Excel (.xlsx), Parquet, "
                              "JSON or NDJSON file with one row per ticket. Bigger files than the limit: "
                              "`journeys tickets import FILE` on the command line.")
        return None
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.markdown(f":material/description: **{plain(source.name)}** · {size_label(source.size)}")
    right.button("Choose another file", key="imp_choose_another", on_click=_choose_another, width="stretch")
    return source


def show_notice() -> None:
    """A one-off message left by a callback (profile saved, upload failed …)."""
    notices.show_notice(NOTICE)


# --- inspection -------------------------------------------------------------------------------------------

def inspect(source: Upload) -> Inspection:
    """Sniff the file once per upload; a file that cannot be read is removed straight away."""
    cached = st.session_state.get(INSPECTED)
    if isinstance(cached, Inspection) and cached.file_id == source.file_id:
        return cached
    with st.spinner("Reading the first rows…"):
        try:
            found = ticket_import.preview_export(source.path)
            result = Inspection(source.file_id, found.info, found.proposed)
        except TicketImportError as error:
            result = Inspection(source.file_id, error=error)
            remove_upload(source.path)
    st.session_state[INSPECTED] = result
    if result.proposed is not None:
        st.session_state[BASE] = result.proposed
    return result


def show_unreadable(source: Upload, error: TicketImportError) -> None:
    st.error(f"**{plain(source.name)}** cannot be imported. {plain(error.message.rstrip('.'))}. Nothing was saved.")
    problems_table(error.problems)
    st.caption("Export the tickets again as CSV (UTF-8), Excel (.xlsx), Parquet or JSON and choose that file.")


def show_detected(source: Upload, info: SourceInfo, mapping: ColumnMapping) -> None:
    """What the reader found: which help desk, how the text is written, and the first rows as they were read."""
    facts = [
        ("Looks like", LAYOUT_LABEL.get(mapping.layout, mapping.layout),
         "Recognised from the column names; it decides the proposed mapping below."),
        ("Format", FORMAT_LABEL.get(info.format, (info.format or "?").upper())
         + (f" (sheet {info.sheet})" if info.sheet else ""), None),
        ("Text encoding", info.encoding or "–", None),
        ("Separator", DELIMITER_LABEL.get(info.delimiter or "", info.delimiter or "–"), None),
        ("Header on line", "no header" if not info.has_header else str((info.header_row or 0) + 1),
         "Lines above the header (titles, notes) are skipped."),
        ("Columns", str(len(info.columns)), None),
    ]
    with st.container(border=True):
        for cell, (label, value, help_text) in zip(st.columns(len(facts)), facts, strict=True):
            cell.caption(plain(label), help=plain(help_text) if help_text else None)
            cell.markdown(f"**{plain(value)}**")
    for warning in info.warnings:
        st.warning(plain(warning))
    if not info.sample:
        st.warning("No ticket rows were found under the header: this file looks empty.")
        return
    with st.expander(f"The first {min(10, len(info.sample))} rows as read", expanded=False):
        preview = pd.DataFrame(info.sample[:10], columns=info.columns).astype("string")
        st.dataframe(preview, hide_index=True, width="stretch")



# --- profiles ------------------------------------------------------------------------------------------------

def _load_profile(info: SourceInfo) -> None:
    name = st.session_state.get(PROFILE_PICK)
    if not name:
        return
    try:
        loaded = ticket_import.load_profile(ws(), name, info.columns)
    except JourneysError as error:
        st.session_state[NOTICE] = ("error", plain(error.message))
        return
    st.session_state[BASE] = loaded.mapping
    _reset_widgets()
    if loaded.missing_columns:
        st.session_state[NOTICE] = ("warning", f"Loaded profile **{plain(name)}**, but this file has no column "
                                               f"{plain(', '.join(loaded.missing_columns))}: those fields are left "
                                               "empty.")
    else:
        st.session_state[NOTICE] = ("success", f"Loaded profile **{plain(name)}**.")


def _save_profile(info: SourceInfo) -> None:
    name = (st.session_state.get(PROFILE_NAME) or "").strip()
    who = author()
    if not who or not name:
        st.session_state[NOTICE] = ("error", NAME_YOUR_SELF if not who else "Give the profile a name first.")
        return
    mapping = edited_mapping(st.session_state[BASE])
    if mapping_problems(mapping, info):
        st.session_state[NOTICE] = ("error", "Fix the mapping's problems before saving it as a profile.")
        return
    replaced = ticket_import.save_profile(ws(), name, mapping, who)
    st.session_state[NOTICE] = ("success", f"{'Replaced' if replaced else 'Saved'} profile **{plain(name)}**. The "
                                           f"command line uses it with `journeys tickets import FILE --profile "
                                           f"\"{name.replace('`', '')}\"`.")


def profile_controls(info: SourceInfo) -> None:
    """Start from a saved mapping, or keep this one for next month's export (and the command line)."""
    profiles = ticket_import.profiles(ws())
    pick, load, name, save = st.columns([3, 1.2, 3, 1.2], vertical_alignment="bottom")
    pick.selectbox("Start from a saved profile", profiles, index=None, key=PROFILE_PICK,
                   placeholder="No saved profiles yet" if not profiles else "Choose a profile",
                   disabled=not profiles)
    load.button("Load", key="imp_load_profile", on_click=_load_profile, args=(info,), width="stretch",
                disabled=not profiles)
    name.text_input("Save this mapping as a profile", key=PROFILE_NAME, placeholder="e.g. Zendesk monthly export")
    save.button("Save profile", key="imp_save_profile", on_click=_save_profile, args=(info,), width="stretch")


# --- the import -----------------------------------------------------------------------------------------------

def datasets() -> list[DatasetVersion]:
    """The workspace's ticket datasets, the latest version of each."""
    return list(ws().datasets.list())


def choose_dataset(source: Upload) -> str:
    """The dataset this import becomes a version of: an existing one, or a new one named after the file."""
    names = [d.name for d in datasets()]
    stem = clip(Path(source.name).stem.strip(), 80) or "tickets"
    st.session_state.setdefault(TARGET, stem if stem in names else None)
    st.session_state.setdefault(NEW_NAME, stem)
    left, right = st.columns(2)
    target = left.selectbox("Import into", [None, *names], key=TARGET, placeholder="A new dataset",
                            format_func=lambda n: "A new dataset" if n is None else f"{n} (as its next version)")
    if target is not None:
        latest = next(d for d in datasets() if d.name == target)
        right.caption(f"Becomes version {latest.version + 1} of **{plain(target)}**; version {latest.version} "
                      f"({latest.rows:,} tickets) stays available.")
        return target
    name = right.text_input("Name of the new dataset", key=NEW_NAME).strip()
    if name in names:
        right.caption(f"A dataset called **{plain(name)}** exists: this import becomes its next version.")
    return name


def blocked_reason(problems: list[Problem], name: str) -> str | None:
    if problems:
        return "Fix the mapping's problems above first."
    if not name:
        return "Give the dataset a name."
    if not author():
        return NAME_YOUR_SELF
    return None


def run_import(source: Upload, mapping: ColumnMapping, name: str) -> bool:
    """Import with live progress; on success the upload is removed and the result kept for the page to show."""
    st.session_state.pop(FAILED, None)
    with st.status("Importing…", expanded=True) as status:
        slot = st.empty()
        bar = slot.progress(0.0, text="Starting")

        def progress(stage: str, fraction: float) -> None:
            fraction = min(1.0, max(0.0, fraction))
            bar.progress(fraction, text=f"{STAGE_LABEL.get(stage, stage)} · {fraction:.0%}")

        try:
            imported = ticket_import.import_tickets(ws(), source.path, name, author(), mapping=mapping,
                                                    progress=progress)
        except Exception as error:  # JourneysError is the user's input; anything else is a bug of ours
            if not isinstance(error, JourneysError):
                _log.exception("import of %s failed unexpectedly", source.path)
                error = JourneysError("Something went wrong on our side (the details are in the server log)")
            status.update(label=FAILED_LABEL, state="error", expanded=True)
            slot.empty()
            show_failure(error)
            st.session_state[FAILED] = (source.file_id, error)
            return False
        bar.progress(1.0, text="Done")
        status.update(label="Imported", state="complete")
    forget_source()
    st.session_state[RESULT] = imported
    return True


def show_last_failure(source: Upload) -> None:
    """The last failed attempt on this file stays in view while the mapping is fixed."""
    failed = st.session_state.get(FAILED)
    if failed and failed[0] == source.file_id:
        with st.status(FAILED_LABEL, state="error", expanded=True):
            show_failure(failed[1])


def show_last_result() -> None:
    """The report of this session's last import, until the next file is chosen."""
    result = st.session_state.get(RESULT)
    if isinstance(result, Imported):
        st.subheader("Last import")
        label = (f"Imported {result.report.rows_kept:,} tickets into {plain(result.dataset.name)} "
                 f"(version {result.dataset.version})")
        with st.status(label, state="complete", expanded=True):
            show_report(result)


def datasets_table() -> None:
    """The workspace's ticket datasets, newest version of each."""
    rows = datasets()
    if not rows:
        st.caption("No ticket datasets in this workspace yet.")
        return
    st.dataframe(pd.DataFrame([{
        "Dataset": d.name, "Version": d.version, "Tickets": d.rows, "Imported by": d.created_by,
        "Imported at": d.created_at.strftime("%Y-%m-%d %H:%M UTC"),
    } for d in rows]), hide_index=True, width="stretch", column_config={
        "Tickets": st.column_config.NumberColumn("Tickets", format="localized"),
    })

