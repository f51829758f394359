"""The Import tickets page's mapping grid: which column of the file fills each canonical field, and how.

Why a grid of selectboxes rather than a ``st.data_editor``: a selectbox per field
is keyboard-friendly, shows the file's own columns as the choices, and can be
driven by AppTest (see shared/reference/known-traps.md). The widgets are seeded
from the proposed (or loaded) mapping; the mapping in use is always rebuilt from
the widgets by :func:`edited_mapping`. Column names and values from the file are
shown as plain text (selectbox options, or escaped with :func:`plain`).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from journeys.errors import Problem
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
    parse_transform,
)
from journeys.tickets.importer import SourceInfo
from journeys.usecases import ticket_import
from ui.text import clip, plain

W = "imp_w_"  # every widget key of the grid starts with W, so a new file resets them all at once
DATE_ORDER, TIMEZONE, UPDATES = W + "date_order", W + "timezone", W + "updates"
FILE_ORDER = "\x00file order"  # "one row per update, the last row in the file wins" (never a column name)
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


def source_key(name: str) -> str:
    """The widget key of the column that fills field ``name``."""
    return f"{W}src_{name}"


def transform_key(name: str) -> str:
    """The widget key of how field ``name``'s column is read."""
    return f"{W}tf_{name}"


def argument_key(name: str) -> str:
    """The widget key of the transform's argument (a column, a zone, codes) for field ``name``."""
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
        ss.setdefault(source_key(col.name), fm.source if fm.source in columns else None)
        tname, arg = parse_transform(fm.transform)
        ss.setdefault(transform_key(col.name), tname)
        chosen = ss[transform_key(col.name)]
        kind = ARGUMENT.get(chosen)
        if kind == "column":
            default = arg if chosen == tname and arg in columns else (
                base.field("created_at").source if chosen == "diff_minutes" else None)
            ss.setdefault(argument_key(col.name), default if default in columns else None)
        elif kind:
            ss.setdefault(argument_key(col.name), arg if chosen == tname and arg else ("UTC" if kind == "zone" else ""))
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
        source = ss.get(source_key(col.name))
        if source is None:
            fields[col.name] = FieldMap(None)
            continue
        tname = ss.get(transform_key(col.name)) or "auto"
        arg = ss.get(argument_key(col.name)) if tname in ARGUMENT else None
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
    return ticket_import.mapping_problems(mapping, info.columns)


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
            source = source_cell.selectbox(f"Column for {plain(col.label)}", options, key=source_key(name),
                                           placeholder=NOT_IN_FILE,
                                           label_visibility="collapsed",
                                           format_func=lambda c: NOT_IN_FILE if c is None else c)
            choices = transforms_for(name)
            if st.session_state.get(transform_key(name)) not in choices:
                choices.append(st.session_state.get(transform_key(name)) or "auto")
            tname = how_cell.selectbox(f"How to read {plain(col.label)}", choices, key=transform_key(name),
                                       disabled=source is None,
                                       label_visibility="collapsed",
                                       format_func=lambda t, f=name: transform_label(t, f))
            if source is not None and ARGUMENT.get(tname) == "column":
                how_cell.selectbox(ARGUMENT_LABEL[tname], options, key=argument_key(name),
                                   placeholder="Choose a column",
                                   format_func=lambda c: "Choose a column" if c is None else c)
            elif source is not None and tname in ARGUMENT:
                how_cell.text_input(ARGUMENT_LABEL[tname], key=argument_key(name))
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
