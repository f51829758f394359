"""What the Discover page's parts share: session-state keys, labels, one-off notices, the log's content key.

The page is drawn by :mod:`ui.discover_log` (step 1: the event log, stored or derived from tickets;
:mod:`ui.discover_upload` for a file), :mod:`ui.discover_view` (step 2 and 3: filters, the graph,
variants, flow) and :mod:`ui.discover_conformance` (the comparison with a journey); results are
cached by :mod:`ui.discover_cached`. Every number comes from :mod:`journeys.usecases.discovery`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from journeys.discover import EventLogVersion
from journeys.errors import JourneysError
from ui import notices
from ui.frame import settings, workspace
from ui.text import plain
from ui.uploads import problems_table

LogKey = tuple[str, str, str, int, str]  # database url, workspace, log name, version, stored file

MODES = {"stored": "A stored event log", "upload": "Upload a file", "tickets": "Derive from tickets"}
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


def notice(kind: str, text: str) -> None:
    """Leave a message for the next run (callbacks run before the page is drawn)."""
    st.session_state[NOTICE] = (kind, text)


def show_notice() -> None:
    """A one-off message left by a callback (a mapping saved, a save refused …)."""
    notices.show_notice(NOTICE)


def log_key(log: EventLogVersion) -> LogKey:
    """The content key of everything computed from a log version."""
    return (settings().database_url, workspace(), log.name, log.version, str(log.path))


def guard(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a computation; a domain error becomes a message on the page instead of a traceback."""
    try:
        return fn(*args)
    except JourneysError as error:
        st.error(plain(error.message))
        problems_table(error.problems)
        return None


def show_failure(error: JourneysError) -> None:
    """Why an import or derivation failed, and that nothing was saved."""
    st.error(plain(error.message.rstrip(".")) + ". Nothing was saved; stored event logs are unchanged.")
    problems_table(error.problems)
    report = getattr(error, "report", None)
    if report is not None and getattr(report, "rows_read", 0):
        st.caption(f"{report.rows_read:,} rows were read; none could be used.")
