"""The frame of the journeys app: navigation, workspace picker, who is working, overview.

Deep links on a fresh server: when a ``pages/`` folder sits next to the entry
point, Streamlit 1.67 runs a deep-linked page file *on its own* until the entry
point has called ``st.navigation`` once (shared/reference/known-traps.md). Every
page therefore starts with :func:`ensure_frame`: when the frame is not already
running it, the page runs the frame itself, whose ``st.navigation`` resolves the
same URL to the same page and runs it inside the frame — so titles, workspace
picker and store set-up are right on the very first request.
"""

from __future__ import annotations

import functools
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

from journeys.demo.loader import load_demo
from journeys.errors import JourneysError, NotAllowed
from journeys.faults import classify_fault
from journeys.files import start_tmp
from journeys.glance import overview
from journeys.settings import Settings, load_settings
from journeys.store import Store
from journeys.tickets.datasets import choose_dataset
from journeys.workspace import Workspace, open_workspace
from ui import identity
from ui.identity import AUTHOR_COOKIE, author  # noqa: F401  (pages and tests take them from the frame)
from ui.text import plain

APP_TITLE = "journeys"
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
_frame_state = threading.local()
log = logging.getLogger(__name__)
RECOVERS = ("Nothing on this page was changed. The page works again by itself once that is fixed: "
            "try again in a moment.")
UNKNOWN_FAULT = ("Something went wrong on this page ({kind}). Every save is all or nothing, so nothing was "
                 "half-saved or saved twice; the details are in the server's log. Reload the page to try again.")


class PageFault(Exception):
    """What a page shows for an error the frame does not know: its type, never its text or stack."""


_SEEDED: set[str] = set()  # database URLs known to have a workspace (the demo is loaded only into an empty one)


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    """One store (engine + connection pool) per database URL, shared by all sessions."""
    return Store(url)


def settings() -> Settings:
    return load_settings()


def shared_store() -> Store:
    """The workspace database for everyone (unguarded), created (and the demo loaded) on the very first start."""
    s = settings()
    if s.uses_embedded_database:
        s.home.mkdir(parents=True, exist_ok=True)
    start_tmp(s.home)  # once per process: sweep what killed imports left under <home>/tmp
    shared = _store(s.database_url)
    # Asked once per database: workspaces are never deleted, and a page calls store() ~7 times a rerun.
    if s.database_url not in _SEEDED:
        if not shared.list_workspaces():
            load_demo(shared, s.workspace)  # journeys only: `journeys init --demo` also imports the demo tickets
        _SEEDED.add(s.database_url)
    return shared


def store() -> Store:
    """The workspace database as this session's person may use it: every write checked against their role."""
    return ws().store


def workspace() -> str:
    """The workspace picked in the sidebar (default from settings)."""
    return st.session_state.get("workspace") or settings().workspace


@st.cache_resource(show_spinner=False, max_entries=64)
def _open(url: str, home: str, name: str) -> Workspace:
    """One open workspace (its repositories and analytics engine) per database and workspace, for all sessions."""
    return open_workspace(home, url, name, store=_store(url))


def ws() -> Workspace:
    """The open workspace this session works in, acting as the signed-in person with their role: what pages
    hand to the use cases (a viewer's save is refused there, whatever the page shows)."""
    shared = shared_store()  # created (and the demo seeded) on the very first start
    s = settings()
    opened = _open(s.database_url, str(s.home), workspace())
    assert opened.shared_store is shared
    person = identity.current_user()
    if person is None:  # no sign-in configured: the machine's local user, owner
        return opened
    role = identity.roles(shared).get(opened.name)
    key = (s.database_url, opened.name, person.email, role)
    cached = st.session_state.get("_ws_view")
    if not cached or cached[0] != key:
        cached = (key, opened.as_user(person, role))
        st.session_state["_ws_view"] = cached
    view: Workspace = cached[1]
    return view


def _workspace_picker(shared: Store) -> None:
    """The workspaces this person may open (every one without sign-in; their memberships with it)."""
    signed = identity.signs_in()
    names = sorted(identity.roles(shared), key=lambda n: (n.casefold(), n)) if signed else shared.list_workspaces()
    if not names and signed:
        identity.no_workspace()
    names = names or [settings().workspace]
    current = workspace() if workspace() in names else names[0]
    if st.session_state.get("workspace") not in names:
        st.session_state["workspace"] = current
    st.sidebar.selectbox("Workspace", names, key="workspace",
                         help="A workspace holds one team's journeys, data, pain points and experiments.")


def _ago(when: datetime) -> str:
    seconds = (datetime.now(UTC) - when).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def home() -> None:
    """What exists in the workspace and where the loop stands, at a glance."""
    shared = shared_store()
    st.title("Workspace overview")
    st.caption(f"Workspace **{plain(workspace())}** · map the journey → find friction → prioritise → change → "
               "measure → tell people → close the loop.")
    rows = overview(shared, workspace())
    if not rows:
        st.info("This workspace has no journeys yet. Start one on the **Journey map** page from a template, "
                "blank, or an imported file.")
        return
    cols = st.columns(3)
    cols[0].metric("Journeys", len(rows))
    cols[1].metric("Open structural errors", sum(r.errors for r in rows))
    cols[2].metric("Last edit", _ago(max(r.updated_at for r in rows)))
    _loop_at_a_glance([r.name for r in rows])
    st.subheader("Journeys", anchor="journeys")
    table = pd.DataFrame([{
        "Journey": r.name, "State": r.state, "Derived from": r.derived_from or "", "Steps": r.steps,
        "Errors": r.errors, "Warnings": r.warnings, "Version": r.version, "Last edit by": r.updated_by,
        "Last edit": _ago(r.updated_at), "Open": f"map?journey={quote(r.name)}",
    } for r in rows])
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Open": st.column_config.LinkColumn("Open", display_text="Open map"),
    })
    datasets = ws().datasets.list()
    latest = choose_dataset(datasets)
    if latest is not None:
        st.caption(f"Ticket data: {len(datasets)} dataset(s), {sum(d.rows for d in datasets):,} tickets; latest "
                   f"import '{plain(latest.name)}' version {latest.version} by {plain(latest.created_by)}, "
                   f"{_ago(latest.created_at)}.")


def _loop_at_a_glance(journey_names: list[str]) -> None:
    """Top pain points, experiments in flight, loops still open, maps to review: each with where to act."""
    # Imported here: the statistics and scoring stack loads only when the Overview is shown.
    from journeys.freshness import day
    from journeys.glance import glance
    from ui import experiments_view, freshness_view, priorities_view, tickets_view

    available = tickets_view.datasets()
    dataset = choose_dataset(available)
    ranking = priorities_view.ranking(dataset).ranking
    states = []
    for name in journey_names:
        try:
            states.append(freshness_view.stale_steps(name, store().load(workspace(), name).journey))
        except JourneysError:  # deleted or unreadable since the list was read: the map page says why
            continue
    seen = glance(ranking.scores, experiments_view.listing(), states, datetime.now(UTC).date(), ranking.dataset)
    st.subheader("The loop at a glance", anchor="loop")
    top, bottom = st.columns(2), st.columns(2)
    with top[0].container(border=True, height="stretch"):
        st.markdown("**:material/format_list_numbered: Top pain points**")
        if not seen.pains:
            st.caption("No pain points written up yet. Find where customers struggle on **Friction** and write "
                       "the worst up as a pain point.")
        _lines([f"{p.rank}. {plain(p.title)} :gray[· {plain(p.journey)} · score {p.score:,.1f}]"
                for p in seen.pains])
        st.page_link(PAGES_DIR / "priorities.py", label="Rank them on Priorities", icon=":material/arrow_forward:")
    with top[1].container(border=True, height="stretch"):
        st.markdown("**:material/science: Experiments in flight**")
        if not seen.experiments:
            st.caption("No experiment is running. Turn a pain point into one on **Experiments**.")
        lines = []
        for e in seen.experiments:
            since = ("not shipped yet" if e.days_running is None else
                     f"{e.days_running} day{'s' if e.days_running != 1 else ''} since the change shipped")
            status = "analysed, waiting for a decision" if e.status == "analysed" else e.status
            lines.append(f"- [{plain(e.key)}]({e.link}) {plain(e.title)} :gray[· {status} · {since}]")
        _lines(lines)
    with bottom[0].container(border=True, height="stretch"):
        st.markdown("**:material/campaign: Loops still open**")
        st.caption("Decided, but nobody has been told since: tell the customers, agents or leadership and log it on "
                   "Review." if seen.open_loops else "Every decided experiment has been told to the people it affects.")
        lines = []
        for loop in seen.open_loops:
            waiting = f"{loop.days_waiting} day{'s' if loop.days_waiting != 1 else ''}"
            lines.append(f"- [{plain(loop.key)}]({loop.link}) {plain(loop.title)} :gray[· {loop.decision}, decided "
                         f"{day(loop.decided)} · nobody told for {waiting}]")
        _lines(lines)
    with bottom[1].container(border=True, height="stretch"):
        st.markdown("**:material/update: Maps to review**")
        if not seen.maps:
            st.caption("Every map is up to date: no numbers moved since its review and no review is overdue."
                       if seen.scored_against else
                       "No map review is overdue. Import tickets to see where the numbers moved since a review.")
        _lines([f"- [{plain(m.journey)}]({m.link}) — {m.state} :gray[· {plain(m.detail)}]" for m in seen.maps])


def _lines(lines: list[str]) -> None:
    """One Markdown list (tight, wraps at the box's width); nothing for an empty section."""
    if lines:
        st.markdown("\n".join(lines))


def _pages() -> dict[str, list[st.Page]]:
    """Navigation sections; later issues add Measure and Improve pages here."""
    return {
        "Map": [
            st.Page(home, title="Overview", icon=":material/home:", default=True),
            st.Page(PAGES_DIR / "map.py", title="Journey map", icon=":material/map:"),
            st.Page(PAGES_DIR / "compare.py", title="Compare", icon=":material/compare_arrows:"),
            st.Page(PAGES_DIR / "history.py", title="History", icon=":material/history:"),
        ],
        "Measure": [
            st.Page(PAGES_DIR / "friction.py", title="Friction", icon=":material/local_fire_department:"),
            st.Page(PAGES_DIR / "topics.py", title="Topics", icon=":material/topic:"),
            st.Page(PAGES_DIR / "import_tickets.py", title="Import tickets", icon=":material/upload_file:"),
            st.Page(PAGES_DIR / "rules.py", title="Mapping rules", icon=":material/rule:"),
            st.Page(PAGES_DIR / "discover.py", title="Discover", icon=":material/conversion_path:"),
        ],
        "Improve": [
            st.Page(PAGES_DIR / "priorities.py", title="Priorities", icon=":material/format_list_numbered:"),
            st.Page(PAGES_DIR / "experiments.py", title="Experiments", icon=":material/science:"),
            st.Page(PAGES_DIR / "review.py", title="Review", icon=":material/fact_check:"),
        ],
        "Team": [
            st.Page(PAGES_DIR / "settings.py", title="Settings", icon=":material/group:"),
        ],
    }


@functools.cache
def favicon() -> Image.Image:
    """The tab icon, drawn here: a ``:material/…:`` page icon makes every browser fetch its SVG from
    fonts.gstatic.com (and an emoji one from a CDN), a request to a third party on every page load of a tool
    that runs on the team's own machines. A journey of three steps on the product's navy."""
    icon = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle((0, 0, 63, 63), radius=14, fill=(31, 58, 96, 255))
    steps = [(16, 46), (32, 20), (48, 42)]
    draw.line(steps, fill=(255, 255, 255, 255), width=5, joint="curve")
    for x, y in steps:
        draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=(255, 255, 255, 255))
    return icon


def run_frame() -> None:
    """Draw the frame and run the selected page inside it; a fault becomes a short message (:func:`show_fault`)."""
    st.set_page_config(page_title=APP_TITLE, page_icon=favicon(), layout="wide")
    if identity.signs_in():
        # A team deployment: tickets leave the app only through the recorded downloads (ui/recorded_download).
        st.set_option("client.disableDataExport", True)
        if not getattr(st.user, "is_logged_in", False):
            identity.sign_in_screen()
    page = st.navigation(_pages(), expanded=True)  # every page in view: a workshop should not hunt for one
    _frame_state.active = True
    identity.forget_roles()
    try:
        _workspace_picker(shared_store())
        identity.who_box(shared_store(), workspace())
        page.run()
    except Exception as error:  # st.stop()/st.rerun() are BaseExceptions: they pass through untouched
        show_fault(error)
    finally:
        _frame_state.active = False
        identity.forget_roles()


def show_fault(error: Exception) -> None:
    """The one error boundary of the pages: a known fault (database down, disk full, read-only folder,
    permission denied) in one sentence with no path, host or stack trace; anything else as its type only.

    Nothing is cached on failure (``st.cache_resource`` keeps no store whose creation raised, and the
    PostgreSQL pool pings before use), so the next run after the database returns simply works."""
    if isinstance(error, NotAllowed):  # a role check the page did not catch: say so, nothing was changed
        st.warning(f"{plain(str(error))}. Nothing was changed.", icon=":material/lock:")
        return
    fault = classify_fault(error)
    if fault is not None:
        log.warning("page fault: %s", fault.one_line())
        st.error(f"{plain(fault.sentence())} {RECOVERS}", icon=":material/cloud_off:")
        st.button("Try again", key="frame_fault_retry", icon=":material/refresh:")  # a click is a rerun
        return
    log.exception("unexpected error on a page")
    # st.exception (not st.error) so tests that assert ``not at.exception`` still catch bugs.
    st.exception(PageFault(UNKNOWN_FAULT.format(kind=type(error).__name__)))


def frame_is_running() -> bool:
    """True while the frame is running a page."""
    return getattr(_frame_state, "active", False)


def ensure_frame() -> None:
    """First line of every page: run the frame around this page if Streamlit ran the page alone."""
    if not frame_is_running():
        run_frame()
        st.stop()
