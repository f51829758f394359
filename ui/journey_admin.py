"""Whole-journey actions: new from a template or a file, a file as a new revision, derive, export, delete."""

from __future__ import annotations

import re

import streamlit as st

from journeys import interop
from journeys.charts import MAP_FORMATS, export_chart, journey_map
from journeys.diff import diff_journeys
from journeys.editing import derive_future_state
from journeys.errors import JourneysError
from journeys.model import Journey
from journeys.templates import TEMPLATES, from_template
from ui.frame import author, store, workspace
from ui.session import PROBLEMS, problem_markdown, seen
from ui.text import plain
from ui.workshop_view import PAUSED

MAX_IMPORT_MB = 5
MIME = {"json": "application/json", "graphml": "application/xml", "mermaid": "text/plain",
        "png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
REVISION = "A new revision of the open journey"
EXTENSION = {"json": "json", "graphml": "graphml", "mermaid": "mmd", "png": "png", "svg": "svg", "pdf": "pdf"}


def _create(journey: Journey, message: str) -> tuple[str, list[str]] | None:
    """Save a new journey and open it; returns a problem (text, details) to show instead when it cannot."""
    who = author()
    if not who:
        return "Tell us your name in the sidebar first: it is recorded on every save.", []
    try:
        store().create(workspace(), journey, who, message)
    except JourneysError as error:
        return error.message, [str(p) for p in error.problems]
    st.query_params["journey"] = journey.name
    st.session_state.pop("journey_pick", None)
    st.session_state["last_saved"] = f"Created '{journey.name}'"
    return None


def _ignored(imported: interop.Imported) -> str:
    """What the file had that was ignored, in a few words for the toast (the CLI lists every line)."""
    if not imported.warnings:
        return ""
    first = imported.warnings[0]
    what = first.reason.removeprefix("ignored: ").split(" (")[0]
    more = f" and {len(imported.warnings) - 1} more" if len(imported.warnings) > 1 else ""
    return f" · ignored {first.where}: {what}{more}"


def _refused(upload, error: JourneysError) -> tuple[str, list[str]]:
    return (f"'{upload.name}' was not imported, nothing was saved. {error.message}"
            + (":" if error.problems else ""), [str(p) for p in error.problems])


def _import(upload, new_name: str) -> tuple[str, list[str]] | None:
    try:
        imported = interop.read_journey(upload.getvalue(), filename=upload.name)
    except JourneysError as error:
        return _refused(upload, error)
    journey = imported.journey
    if new_name.strip():
        journey = journey.model_copy(update={"name": new_name.strip()})
    problem = _create(journey, f"Imported from {upload.name}")
    if problem is None:
        st.session_state["last_saved"] += _ignored(imported)
    return problem


def _import_into(upload, name: str) -> tuple[str, list[str]] | None:
    """The file as a new revision of ``name`` on top of the version this session showed (stale-safe)."""
    who = author()
    if not who:
        return "Tell us your name in the sidebar first: it is recorded on every save.", []
    version, head = seen(name)
    try:
        imported = interop.revision_from_file(head, upload.getvalue(), filename=upload.name)
        if imported.journey == head:
            st.session_state["last_saved"] = (f"Imported nothing: '{name}' already matches {upload.name} "
                                              f"(still version {version})" + _ignored(imported))
            return None
        new_version = store().save(workspace(), imported.journey, version, who, f"Imported from {upload.name}")
    except JourneysError as error:
        return _refused(upload, error)
    changes = diff_journeys(head, imported.journey).summary()
    st.session_state["last_saved"] = (f"Imported {upload.name} as version {new_version} of '{name}' ({changes})"
                                      + _ignored(imported))
    return None


@st.dialog("New journey", width="large", on_dismiss="rerun")  # closing it reruns the page: live polling resumes
def _new_journey_dialog() -> None:
    st.session_state[PAUSED] = True  # the live strip holds its polls while this is open
    template_tab, file_tab = st.tabs(["From a template", "From a file"])
    problem = None
    with template_tab:
        template = st.selectbox("Template", list(TEMPLATES), key="new_template")
        name = st.text_input("Name", key="new_name", placeholder="e.g. Refund request")
        if st.button("Create", key="new_create", type="primary"):
            problem = (_create(from_template(template, name.strip()), f"Created from template '{template}'")
                       if name.strip() else ("Give the new journey a name.", []))
    with file_tab:
        upload = st.file_uploader("Mermaid journey, JSON or GraphML file",
                                  type=["mmd", "mermaid", "md", "json", "graphml", "xml", "txt"],
                                  key="import_file", max_upload_size=MAX_IMPORT_MB)
        open_name = st.query_params.get("journey")
        targets = ["A new journey", *([REVISION] if open_name else [])]
        target = st.radio("Save as", targets, key="import_target", horizontal=True,
                          captions=["", f"'{plain(open_name)}'" if open_name else ""][:len(targets)],
                          help="A new revision keeps the open journey's name and history: compare it with the "
                               "version before on the History page. From a Mermaid file, what the diagram cannot "
                               "hold (channels, owners, transitions, notes) is kept from the journey.")
        if target == REVISION:
            new_name = ""
        else:
            new_name = st.text_input("Name (optional)", key="import_name", placeholder="name from the file")
        if st.button("Import", key="import_go", type="primary"):
            if not upload:
                problem = ("Choose a file to import first.", [])
            elif target == REVISION and open_name:
                problem = _import_into(upload, open_name)
            else:
                problem = _import(upload, new_name)
    if problem:
        st.error(problem_markdown(*problem), icon=":material/error:")
    elif st.session_state.get("last_saved", "").startswith(("Created", "Imported")):
        st.rerun()


def new_journey_menu() -> None:
    """Start a journey from a template, blank, or a file (in a dialog, so uploads keep it open)."""
    st.session_state.pop(PAUSED, None)  # a full run: the dialog is open only if drawn again below
    if st.button("New journey", icon=":material/add:", width="stretch"):
        _new_journey_dialog()


def _derive(source: Journey) -> None:
    try:
        problem = _create(derive_future_state(source, st.session_state["future_name"]),
                          f"Derived from '{source.name}'")
    except JourneysError as error:
        problem = error.message, []
    if problem:
        st.session_state[PROBLEMS] = problem


def derive_menu(journey: Journey) -> None:
    with st.popover("Derive future state", icon=":material/auto_awesome:", width="stretch"):
        st.write("Copy this journey as a **future-state** journey to sketch the change; compare them on the "
                 "Compare page.")
        st.text_input("Name", value=f"{journey.name} (future)", key="future_name")
        st.button("Derive", key="derive_go", type="primary", on_click=_derive, args=(journey,))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "journey"


def export_menu(journey: Journey, color_by: str = "channel") -> None:
    """Downloads, built only when clicked."""
    with st.popover("Export", icon=":material/download:", width="stretch"):
        st.markdown("**Journey file**")
        for fmt, file in interop.EXPORT_FILES.items():
            st.download_button(file.label, key=f"dl_{fmt}", on_click="ignore", help=file.help,
                               data=lambda fmt=fmt: interop.export_journey(journey, fmt),
                               file_name=f"{_slug(journey.name)}.{file.extension}", mime=file.mime,
                               width="stretch")
        st.markdown("**Map picture**")
        for fmt in MAP_FORMATS:
            st.download_button(f"Map as {fmt.upper()}", key=f"dl_map_{fmt}", on_click="ignore",
                               data=lambda fmt=fmt: export_chart(journey_map(journey, color_by=color_by), fmt),
                               file_name=f"{_slug(journey.name)}-map.{EXTENSION[fmt]}", mime=MIME[fmt],
                               width="stretch")
