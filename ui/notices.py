"""One-off notices: what a callback has to say (a profile saved, an upload refused), shown once.

A callback runs before the page is drawn, so its message is left in session state under the page's
own key as ``(kind, text)`` and shown by the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from journeys.errors import JourneysError, StaleWrite

Saved = TypeVar("Saved")
NO_NAME = "Tell us your name in the sidebar first: it is recorded."


def show_notice(key: str) -> None:
    """Show, once, the ``(kind, text)`` a callback left under ``key``; kind is error, warning, success or info."""
    left = st.session_state.pop(key, None)
    if left:
        kind, text = left
        {"error": st.error, "warning": st.warning, "success": st.success}.get(kind, st.info)(text)


def leave_save_outcome(key: str, who: str, save: Callable[[str], Saved], *, done: Callable[[Saved], str],
                       stale: Callable[[StaleWrite], str], refused: str = "Not saved") -> None:
    """Run one save from a callback as ``who`` and leave ``("ok"|"error", words)`` under ``key`` for the next run:
    no name → ask for it; a colleague's save in between → ``stale(error)``; any refusal → ``refused: reason``."""
    if not who:
        st.session_state[key] = ("error", NO_NAME)
        return
    try:
        result = save(who)
    except StaleWrite as error:
        st.session_state[key] = ("error", stale(error))
        return
    except JourneysError as error:
        st.session_state[key] = ("error", f"{refused}: {error.message}")
        return
    st.session_state[key] = ("ok", done(result))
