"""The frame of the journeys app: navigation, workspace picker, home overview."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from journeys.settings import Settings, load_settings
from journeys.store import Store
from journeys.workspace import load_demo, overview

APP_TITLE = "journeys"
_frame_state = threading.local()


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    """One store (engine + connection pool) per database URL, shared by all sessions."""
    return Store(url)


def settings() -> Settings:
    return load_settings()


def store() -> Store:
    """The workspace database, created (and the demo loaded) on the very first start."""
    s = settings()
    if s.uses_embedded_database:
        s.home.mkdir(parents=True, exist_ok=True)
    st_store = _store(s.database_url)
    if not st_store.list_workspaces():
        load_demo(st_store, s.workspace)
    return st_store


def workspace() -> str:
    """The workspace picked in the sidebar (default from settings)."""
    return st.session_state.get("workspace") or settings().workspace


def _workspace_picker(st_store: Store) -> None:
    names = st_store.list_workspaces() or [settings().workspace]
    current = workspace() if workspace() in names else names[0]
    st.sidebar.selectbox("Workspace", names, index=names.index(current), key="workspace",
                         help="A workspace holds one team's journeys, data, pain points and experiments.")


def _ago(when: datetime) -> str:
    seconds = (datetime.now(UTC) - when).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def home() -> None:
    """What exists in the workspace, at a glance."""
    st_store = store()
    st.title("Workspace overview")
    st.caption(f"Workspace **{workspace()}** · map the journey → find friction → prioritise → change → "
               "measure → tell people → close the loop.")
    rows = overview(st_store, workspace())
    if not rows:
        st.info("This workspace has no journeys yet. Create one with `journeys journey import FILE` "
                "or load the demo with `journeys init --demo`.")
        return
    cols = st.columns(3)
    cols[0].metric("Journeys", len(rows))
    cols[1].metric("Open structural errors", sum(r.errors for r in rows))
    cols[2].metric("Last edit", _ago(max(r.updated_at for r in rows)))
    table = pd.DataFrame([{
        "Journey": r.name, "State": r.state, "Derived from": r.derived_from or "", "Steps": r.steps,
        "Errors": r.errors, "Warnings": r.warnings, "Version": r.version, "Last edit by": r.updated_by,
        "Last edit": _ago(r.updated_at),
    } for r in rows])
    st.dataframe(table, hide_index=True, width="stretch")


def run_frame() -> None:
    """Draw the frame and run the selected page inside it."""
    st.set_page_config(page_title=APP_TITLE, page_icon="🧭", layout="wide")
    st_store = store()
    _workspace_picker(st_store)
    page = st.navigation({"": [st.Page(home, title="Overview", icon="🏠", default=True)]})
    _frame_state.active = True
    try:
        page.run()
    finally:
        _frame_state.active = False


def frame_is_running() -> bool:
    """True while the frame is running a page (pages check it to survive deep links)."""
    return getattr(_frame_state, "active", False)
