"""The Import tickets page's parts: the upload on disk, what was detected, the mapping, the import, its report.

Why the upload goes to disk straight away: ``st.file_uploader`` holds the whole
file in memory (up to the cap, ``JOURNEYS_MAX_UPLOAD_MB``), and the importer
(DuckDB) reads from a path. The bytes are streamed to ``<home>/uploads/`` once,
in 1 MiB pieces, Streamlit's in-memory copy is released,
and from then on the page works with a path in session state (``SOURCE``).
The file is removed after a successful import, when another file is chosen,
or — for abandoned sessions — by a clean-up of day-old uploads.

Why the mapping is a grid of selectboxes rather than a ``st.data_editor``: a
selectbox per field is keyboard-friendly, shows the file's own columns as the
choices, and can be driven by AppTest (see shared/reference/known-traps.md).
The widgets are seeded from the proposed (or loaded) mapping; the mapping in
use is always rebuilt from the widgets by :func:`edited_mapping`.

Everything that comes from the file (column names, values, the file name)
is shown as plain text: in tables, selectbox options, or escaped with
:func:`plain` where Streamlit would read Markdown.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError, Problem
from journeys.files import TooLarge, copy_stream
from journeys.tickets.canonical import COLUMNS
from journeys.tickets.canonical import label as field_label
from journeys.tickets.column_mapping import (
    ALLOWED,
    DATE_ORDERS,
    DEFAULT_TRANSFORM,
    FIELD_KIND,
    TRANSFORMS,
    ColumnMapping,
    FieldMap,
    extra_name,
    parse_transform,
    valid_zone,
)
from journeys.tickets.datasets import Datasets, DatasetVersion
from journeys.tickets.importer import ImportReport, SourceInfo, TicketImportError, inspect_file
from journeys.tickets.layouts import TITLES
from journeys.tickets.workflow import import_dataset, prepare_mappings
from ui.frame import author, settings, store, workspace
from ui.text import clip, plain

_log = logging.getLogger(__name__)

# .xls/.xml: SpreadsheetML 2003 (Freshdesk's "Excel" download); a binary .xls is refused in words by the reader
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xls", "xml", "parquet", "json", "ndjson", "jsonl"]
UPLOADS_FOLDER = "uploads"
UPLOAD_MAX_AGE = timedelta(days=1)

# session-state keys (widget keys of the mapping grid all start with W so a new file resets them at once)
SOURCE = "import_source"
INSPECTED = "import_inspected"
BASE = "import_base_mapping"
RESULT = "import_result"
GEN = "import_upload_generation"
NOTICE = "import_notice"
FAILED = "import_failed"
FAILED_LABEL = "Import failed: nothing was saved"
W = "imp_w_"
TARGET, NEW_NAME = W + "target", W + "new_name"
DATE_ORDER, TIMEZONE, UPDATES = W + "date_order", W + "timezone", W + "updates"
PROFILE_PICK, PROFILE_NAME = "imp_profile_pick", "imp_profile_name"
FILE_ORDER = "\x00file order"  # "one row per update, the last row in the file wins" (never a column name)

LAYOUT_LABEL = TITLES  # every registered help desk's name, "Other (generic)"
FORMAT_LABEL = {"spreadsheetml": "Excel 2003 XML"}  # SpreadsheetML: one long word would break mid-word
DELIMITER_LABEL = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
STAGE_LABEL = {"sniffing": "Looking at the file", "reading": "Reading and checking rows",
               "writing": "Saving the dataset", "done": "Done"}
ARGUMENT = {"diff_minutes": "column", "bot_handoff": "column", "timestamp_tz": "zone", "enum": "codes",
            "tags_columns": "columns"}
ARGUMENT_LABEL = {"diff_minutes": "since column", "bot_handoff": "unless this column is set",
                  "timestamp_tz": "time zone, e.g. Europe/Paris", "enum": "codes, e.g. 2=Open,3=Pending",
                  "tags_columns": "and columns, e.g. Labels (2)|Component/s"}
TRANSFORM_LABEL = {
    "text": "text", "lower": "lower-case text", "enum": "codes to labels", "handled_by": "words to bot / human",
    "timestamp": "date and time", "timestamp_tz": "date and time in a given zone", "unix_seconds": "seconds since 1970",
    "unix_millis": "milliseconds since 1970", "minutes": "minutes", "seconds_to_minutes": "seconds, as minutes",
    "hours_to_minutes": "hours, as minutes", "millis_to_minutes": "milliseconds, as minutes",
    "hhmmss_to_minutes": "HH:MM:SS, as minutes", "diff_minutes": "minutes since another column",
    "csat": "rating 1–5 or good / bad", "csat_10": "rating 0–10, as 1–5", "csat_100": "rating 0–100, as 1–5",
    "int": "whole number", "number": "number", "bool": "yes / no", "gt_zero": "yes when above 0",
    "gt_one": "yes when above 1", "bot_if_true": "bot when set, else human",
    "bot_handoff": "yes when a bot handed over",
    "split_tags": "tags split on , ; or spaces", "split_tags_space": "tags split on spaces",
    "split_tags_comma": "tags split on , or ;", "tags_columns": "one tag per cell, over several columns",
    "hhmmss_zero_unknown": "HH:MM:SS, 0:00:00 = none", "duration_text": "duration (seconds or 1 Day 2 Hours)",
    "csat_5point": "5-point labels (Extremely satisfied … 1)",
}
DATE_ORDER_LABEL = {"auto": "Decide from the data", "dayfirst": "Day first (31/12/2026)",
                    "monthfirst": "Month first (12/31/2026)"}
NOT_IN_FILE = "— not in this file —"
NAME_YOUR_SELF = "Tell us your name in the sidebar first: it is recorded with every import and profile."


@dataclass(frozen=True)
class Upload:
    """The file being imported: where it was saved, what it was called, and the upload's id."""

    path: Path
    name: str
    size: int
    file_id: str


@dataclass(frozen=True)
class Inspection:
    """What sniffing found (or why the file cannot be read); cached per upload."""

    file_id: str
    info: SourceInfo | None = None
    proposed: ColumnMapping | None = None
    error: TicketImportError | None = None


@dataclass(frozen=True)
class ImportResult:
    """The last import of this session, kept so the report survives the next rerun."""

    dataset: str
    version: int
    rows: int
    report: ImportReport


# --- text -----------------------------------------------------------------------------------------------------

def size_label(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} bytes"


# --- the upload on disk -------------------------------------------------------------------------------------

def uploads_folder() -> Path:
    return settings().home / UPLOADS_FOLDER


def remove_stale_uploads(max_age: timedelta = UPLOAD_MAX_AGE) -> int:
    """Delete uploads older than ``max_age``: sessions closed before importing leave their file behind."""
    folder = uploads_folder()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - max_age.total_seconds()
    removed = 0
    for path in folder.glob("*/*"):
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                remove_upload(path)
                removed += 1
    return removed


def safe_file_name(name: str) -> str:
    """The upload's own name, made safe for the filesystem; the extension is kept (the reader looks at it)."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f/]+", "", base).strip().lstrip(".") or "upload"
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    return f"{stem[:100] or 'upload'}{suffix}"


def upload_limit_mb() -> int:
    """The uploader's cap in MB (``JOURNEYS_MAX_UPLOAD_MB``); ``journeys serve`` gives Streamlit's server the same."""
    return settings().max_upload_mb


def save_upload(uploaded: Any) -> Upload:
    """Stream the upload to disk in 1 MiB pieces (no second copy in memory) and release Streamlit's copy.

    Each upload gets a folder of its own, so the file keeps its name: the import report (stored with the
    dataset) and any problem then name the file the user chose. The cap is checked again while copying
    (:class:`~journeys.files.TooLarge`), whatever the browser claimed."""
    folder = uploads_folder() / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_file_name(uploaded.name)
    uploaded.seek(0)
    try:
        size = copy_stream(uploaded, path, limit=upload_limit_mb() << 20)
    except OSError:
        remove_upload(path)
        raise
    finally:
        _release(uploaded.file_id)
    return Upload(path=path, name=path.name, size=size, file_id=uploaded.file_id)


def upload_failed(error: OSError) -> str:
    """Why an upload could not be kept, in words (the limit, or the disk's reason)."""
    if isinstance(error, TooLarge):
        return (f"The file is larger than the upload limit of {upload_limit_mb():,} MB (JOURNEYS_MAX_UPLOAD_MB). "
                "Import it on the command line instead.")
    return f"The file could not be saved on the server ({error.strerror or type(error).__name__})."


def remove_upload(path: Path) -> None:
    """Delete an upload and its folder."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _release(file_id: str) -> None:
    """Drop Streamlit's in-memory copy of an upload we have on disk (as ``st.chat_input`` does for its files)."""
    with contextlib.suppress(Exception):  # an optimisation only: without it the copy goes with the session
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
            ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=file_id)


def current_source() -> Upload | None:
    source = st.session_state.get(SOURCE)
    return source if isinstance(source, Upload) else None


def _reset_widgets() -> None:
    for key in [k for k in st.session_state if str(k).startswith(W)]:
        del st.session_state[key]


def forget_source() -> None:
    """Remove the uploaded file and everything derived from it (the last report stays)."""
    source = current_source()
    if source is not None:
        remove_upload(source.path)
    for key in (SOURCE, INSPECTED, BASE, FAILED):
        st.session_state.pop(key, None)


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
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, text = notice
        {"error": st.error, "warning": st.warning, "success": st.success}.get(kind, st.info)(text)


# --- inspection -------------------------------------------------------------------------------------------

def inspect(source: Upload) -> Inspection:
    """Sniff the file once per upload; a file that cannot be read is removed straight away."""
    cached = st.session_state.get(INSPECTED)
    if isinstance(cached, Inspection) and cached.file_id == source.file_id:
        return cached
    with st.spinner("Reading the first rows…"):
        try:
            info, proposed = inspect_file(source.path)
            result = Inspection(source.file_id, info, proposed)
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


def problems_table(problems: list[Problem], where: str = "Where") -> None:
    if problems:
        st.dataframe(pd.DataFrame({where: [p.where for p in problems], "What is wrong": [p.reason for p in problems]}),
                     hide_index=True, width="stretch")


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


# --- the mapping ------------------------------------------------------------------------------------------

def _src(name: str) -> str:
    return f"{W}src_{name}"


def _tf(name: str) -> str:
    return f"{W}tf_{name}"


def _arg(name: str) -> str:
    return f"{W}arg_{name}"


def transforms_for(name: str) -> list[str]:
    """The ways of reading a column that fit canonical field ``name``, in the vocabulary's order."""
    allowed = ALLOWED[FIELD_KIND[name]]
    return [t for t in TRANSFORMS if t in allowed]


def transform_label(name: str, field: str) -> str:
    """A transform in plain words (the vocabulary's own names are for profiles and the command line)."""
    if name == "auto":
        return f"automatic: {TRANSFORM_LABEL.get(DEFAULT_TRANSFORM[field], DEFAULT_TRANSFORM[field])}"
    return TRANSFORM_LABEL.get(name) or TRANSFORMS.get(name, name).split(":")[0]


def describe(fm: FieldMap) -> str:
    """Where a field's values come from, in words: ``minutes from Created at to Solved at``."""
    if fm.source is None:
        return NOT_IN_FILE
    tname, arg = parse_transform(fm.transform)
    if tname == "diff_minutes" and arg:
        text = f"minutes from {arg} to {fm.source}"
    elif tname in ("auto", "text"):
        text = fm.source
    else:
        text = f"{fm.source} ({TRANSFORM_LABEL.get(tname, tname)}{': ' + arg if arg else ''})"
    return text + (f", else {describe(fm.fallback)}" if fm.fallback is not None else "")


def seed_widgets(info: SourceInfo, base: ColumnMapping) -> None:
    """Give every mapping widget its starting value from ``base`` unless the user has set it already."""
    columns = set(info.columns)
    ss = st.session_state
    for col in COLUMNS:
        fm = base.field(col.name)
        ss.setdefault(_src(col.name), fm.source if fm.source in columns else None)
        tname, arg = parse_transform(fm.transform)
        ss.setdefault(_tf(col.name), tname)
        chosen = ss[_tf(col.name)]
        kind = ARGUMENT.get(chosen)
        if kind == "column":
            default = arg if chosen == tname and arg in columns else (
                base.field("created_at").source if chosen == "diff_minutes" else None)
            ss.setdefault(_arg(col.name), default if default in columns else None)
        elif kind:
            ss.setdefault(_arg(col.name), arg if chosen == tname and arg else ("UTC" if kind == "zone" else ""))
    ss.setdefault(DATE_ORDER, base.date_order if base.date_order in DATE_ORDERS else "auto")
    ss.setdefault(TIMEZONE, base.timezone)
    if base.ticket_key:
        ss.setdefault(UPDATES, base.updated_at if base.updated_at in columns else FILE_ORDER)
    else:
        ss.setdefault(UPDATES, None)


def edited_mapping(base: ColumnMapping) -> ColumnMapping:
    """The mapping as the widgets say it: ``base`` with every field, and the file-wide options, as edited."""
    ss = st.session_state
    fields: dict[str, FieldMap] = {}
    for col in COLUMNS:
        source = ss.get(_src(col.name))
        if source is None:
            fields[col.name] = FieldMap(None)
            continue
        tname = ss.get(_tf(col.name)) or "auto"
        arg = ss.get(_arg(col.name)) if tname in ARGUMENT else None
        transform = f"{tname}:{str(arg).strip()}" if arg is not None and str(arg).strip() else tname
        before = base.field(col.name)
        fallback = before.fallback if before.source == source else None  # a proposal's fallback fits its column
        fields[col.name] = FieldMap(source, transform, fallback)
    updates = ss.get(UPDATES)
    key = fields["ticket_id"].source if updates is not None else None
    return replace(base, fields=fields, ticket_key=key, updated_at=None if updates in (None, FILE_ORDER) else updates,
                   date_order=ss.get(DATE_ORDER) or "auto", timezone=(ss.get(TIMEZONE) or "UTC").strip() or "UTC")


def mapping_problems(mapping: ColumnMapping, info: SourceInfo) -> list[Problem]:
    """``ColumnMapping.validate`` plus the file-wide time zone, which it does not check."""
    problems = mapping.validate(info.columns)
    if not valid_zone(mapping.timezone):
        problems.append(Problem("mapping.timezone", f"unknown time zone '{mapping.timezone}'"))
    return problems


def _examples(info: SourceInfo, column: str | None, n: int = 3) -> list[str]:
    if column is None:
        return []
    values = [str(r.get(column)).strip() for r in info.sample if r.get(column) not in (None, "")]
    return [clip(v, 28) for v in dict.fromkeys(v for v in values if v)][:n]


def mapping_editor(info: SourceInfo, base: ColumnMapping) -> ColumnMapping:
    """One row per canonical field: the file column that fills it, how to read it, and what it holds."""
    seed_widgets(info, base)
    current = edited_mapping(base)
    by_field: dict[str, list[str]] = {}
    for problem in mapping_problems(current, info):
        by_field.setdefault(problem.where.removeprefix("mapping."), []).append(problem.reason)
    options: list[str | None] = [None, *info.columns]
    widths = [2.2, 2.6, 2.6, 2.6]
    with st.container(border=True):
        head = st.columns(widths)
        for cell, text in zip(head, ("Field", "Column in your file", "How to read it", "Values in the file"),
                              strict=True):
            cell.markdown(f"**{text}**")
        for col in COLUMNS:
            name = col.name
            field_cell, source_cell, how_cell, seen_cell = st.columns(widths, vertical_alignment="top")
            field_cell.markdown(plain(col.label) + (" :red[required]" if col.required else ""),
                                help=plain(f"{col.meaning} (stored as {name})"))
            source = source_cell.selectbox(f"Column for {plain(col.label)}", options, key=_src(name),
                                           placeholder=NOT_IN_FILE,
                                           label_visibility="collapsed",
                                           format_func=lambda c: NOT_IN_FILE if c is None else c)
            choices = transforms_for(name)
            if st.session_state.get(_tf(name)) not in choices:
                choices.append(st.session_state.get(_tf(name)) or "auto")
            tname = how_cell.selectbox(f"How to read {plain(col.label)}", choices, key=_tf(name),
                                       disabled=source is None,
                                       label_visibility="collapsed",
                                       format_func=lambda t, f=name: transform_label(t, f))
            if source is not None and ARGUMENT.get(tname) == "column":
                how_cell.selectbox(ARGUMENT_LABEL[tname], options, key=_arg(name), placeholder="Choose a column",
                                   format_func=lambda c: "Choose a column" if c is None else c)
            elif source is not None and tname in ARGUMENT:
                how_cell.text_input(ARGUMENT_LABEL[tname], key=_arg(name))
            examples = _examples(info, source)
            seen = " · ".join(examples) if examples else ("" if source is None else "(empty in the first rows)")
            fallback = current.field(name).fallback
            if fallback is not None:
                seen += f"{' — ' if seen else ''}where empty: {describe(fallback)}"
            if seen:
                seen_cell.caption(plain(seen))
            for reason in by_field.get(name, []):
                seen_cell.caption(f":red[:material/error: {plain(reason)}]")
    file_wide(info)
    return edited_mapping(base)


def file_wide(info: SourceInfo) -> None:
    """Options for the whole file: how to read dates, their zone, and files with one row per update."""
    left, middle, right = st.columns(3)
    left.selectbox("Date order (for dates like 01/02/2026)", list(DATE_ORDERS), key=DATE_ORDER,
                   format_func=lambda d: DATE_ORDER_LABEL.get(d, d),
                   help="Decide from the data: any first number above 12 means day first.")
    middle.text_input("Time zone of times without one", key=TIMEZONE,
                      help="An IANA name such as Europe/Paris, or UTC, or an offset like +01:00.")
    right.selectbox("One row per ticket update? (ticket key)", [None, FILE_ORDER, *info.columns], key=UPDATES,
                    placeholder="No: one row per ticket",
                    format_func=lambda c: ("No: one row per ticket" if c is None else
                                           "Yes: the last row in the file wins" if c == FILE_ORDER else
                                           f"Yes: the latest by {c}"),
                    help="Some exports repeat a ticket once per change; the import keeps each ticket's last row.")


def show_mapping_status(mapping: ColumnMapping, info: SourceInfo, problems: list[Problem]) -> None:
    """Problems first (they block the import), then what the proposer wants known and what becomes extras."""
    if problems:
        st.error(f"**{len(problems)} thing(s) to fix before importing:**\n\n"
                 + "\n".join(f"- {plain(field_label(p.where.removeprefix('mapping.')))}: {plain(p.reason)}"
                             for p in problems))
    for note in mapping.notes:
        st.info(plain(note))
    unused = mapping.unused(info.columns)
    mapped = sum(1 for col in COLUMNS if mapping.field(col.name).source)
    text = f"{mapped} of {len(COLUMNS)} fields filled from the file."
    if unused:
        text += (f" {len(unused)} other column(s) are kept as extra attributes (usable in mapping rules and "
                 f"filters): {', '.join(unused)}.")
    st.caption(plain(text))


# --- profiles ------------------------------------------------------------------------------------------------

def _datasets() -> Datasets:
    return Datasets(store(), settings().home)


def _load_profile(info: SourceInfo) -> None:
    name = st.session_state.get(PROFILE_PICK)
    if not name:
        return
    try:
        mapping = ColumnMapping.from_json(_datasets().load_profile(workspace(), name))
    except JourneysError as error:
        st.session_state[NOTICE] = ("error", plain(error.message))
        return
    st.session_state[BASE] = mapping
    _reset_widgets()
    missing = sorted({s for fm in mapping.fields.values() for s in fm.sources()} - set(info.columns))
    if missing:
        st.session_state[NOTICE] = ("warning", f"Loaded profile **{plain(name)}**, but this file has no column "
                                               f"{plain(', '.join(missing))}: those fields are left empty.")
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
    existed = name in _datasets().list_profiles(workspace())
    _datasets().save_profile(workspace(), name, mapping.to_json(), who)
    st.session_state[NOTICE] = ("success", f"{'Replaced' if existed else 'Saved'} profile **{plain(name)}**. The "
                                           f"command line uses it with `journeys tickets import FILE --profile "
                                           f"\"{name.replace('`', '')}\"`.")


def profile_controls(info: SourceInfo) -> None:
    """Start from a saved mapping, or keep this one for next month's export (and the command line)."""
    profiles = _datasets().list_profiles(workspace())
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
    return _datasets().list(workspace())


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
            version, report = import_dataset(store(), settings().home, workspace(), name, source.path, author(),
                                             mapping=mapping, progress=progress)
        except Exception as error:  # JourneysError is the user's input; anything else is a bug of ours
            if not isinstance(error, JourneysError):
                _log.exception("import of %s failed unexpectedly", source.path)
                error = JourneysError("Something went wrong on our side (the details are in the server log)")
            status.update(label=FAILED_LABEL, state="error", expanded=True)
            slot.empty()
            show_failure(error)
            st.session_state[FAILED] = (source.file_id, error)
            return False
        bar.progress(1.0, text="Mapping the tickets to journey steps")
        prepare_mappings(store(), settings().home, workspace(), version)  # so Friction opens without the wait
        bar.progress(1.0, text="Done")
        status.update(label="Imported", state="complete")
    forget_source()
    st.session_state[RESULT] = ImportResult(name, version.version, version.rows, report)
    return True


def show_last_failure(source: Upload) -> None:
    """The last failed attempt on this file stays in view while the mapping is fixed."""
    failed = st.session_state.get(FAILED)
    if failed and failed[0] == source.file_id:
        with st.status(FAILED_LABEL, state="error", expanded=True):
            show_failure(failed[1])


def show_failure(error: JourneysError) -> None:
    st.error(plain(error.message.rstrip(".")) + ". Nothing was saved; existing datasets are unchanged.")
    problems_table(error.problems)
    report = getattr(error, "report", None)
    if isinstance(report, ImportReport) and report.rows_read:
        st.caption(f"{report.rows_read:,} rows were read; none could be used.")
        rejected_table(report)


def rejected_table(report: ImportReport) -> None:
    rows = sorted(report.rejected.items(), key=lambda kv: -kv[1])
    st.dataframe(pd.DataFrame({"Why rows were left out": [r for r, _ in rows], "Rows": [n for _, n in rows],
                               "For example": ["; ".join(report.examples.get(r, [])) for r, _ in rows]}),
                 hide_index=True, width="stretch")


def show_report(result: ImportResult) -> None:
    """What the import kept, left out and changed, in the importer's own numbers."""
    report = result.report
    cols = st.columns(5)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Tickets kept", f"{report.rows_kept:,}")
    cols[2].metric("Rows left out", f"{report.rows_rejected:,}")
    cols[3].metric("Repeated ids", f"{report.duplicate_ids:,}",
                   help="Rows whose id was seen before (the first was kept); in a file with one row per "
                        "update, rows identical to another.")
    cols[4].metric("Update rows merged", f"{report.collapsed_updates:,}",
                   help="Files with one row per ticket update: each ticket keeps its last row.")
    st.caption(f"Saved as **{plain(result.dataset)}** version {result.version} ({result.rows:,} tickets) in "
               f"{report.seconds:.1f} s.")
    if report.history_note:
        st.info(plain(report.history_note), icon=":material/history:")
    if report.rejected:
        st.markdown("**Rows left out, and why**")
        rejected_table(report)
    if report.coerced:
        st.markdown("**Values that could not be used** (left empty; the rest of each ticket was kept)")
        st.dataframe(pd.DataFrame({"Field": [field_label(f) for f in report.coerced],
                                   "Values left empty": list(report.coerced.values())}),
                     hide_index=True, width="stretch")
    if report.unused_columns:
        st.markdown("**Other columns kept as extra attributes** (usable in mapping rules and filters)")
        st.dataframe(pd.DataFrame({"Column in the file": report.unused_columns,
                                   "Kept as": [extra_name(c) for c in report.unused_columns]}),
                     hide_index=True, width="stretch")
    for warning in report.warnings:
        st.warning(plain(warning))
    with st.expander("The column mapping used"):
        st.dataframe(pd.DataFrame({"Field": [c.label for c in COLUMNS],
                                   "Filled from": [describe(report.mapping.field(c.name)) for c in COLUMNS]}),
                     hide_index=True, width="stretch")
    st.markdown("**Next**")
    left, right = st.columns(2)
    left.page_link("pages/friction.py", label="See where customers struggle (Friction)",
                   icon=":material/local_fire_department:")
    right.page_link("pages/rules.py", label="Check how tickets land on steps (Mapping rules)", icon=":material/rule:")


def show_last_result() -> None:
    """The report of this session's last import, until the next file is chosen."""
    result = st.session_state.get(RESULT)
    if isinstance(result, ImportResult):
        st.subheader("Last import")
        label = (f"Imported {result.report.rows_kept:,} tickets into {plain(result.dataset)} "
                 f"(version {result.version})")
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
