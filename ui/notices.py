"""One-off notices: what a callback has to say (a profile saved, an upload refused), shown once.

A callback runs before the page is drawn, so its message is left in session state under the page's
own key as ``(kind, text)`` and shown by the next run.
"""

from __future__ import annotations

import streamlit as st


def show_notice(key: str) -> None:
    """Show, once, the ``(kind, text)`` a callback left under ``key``; kind is error, warning, success or info."""
    left = st.session_state.pop(key, None)
    if left:
        kind, text = left
        {"error": st.error, "warning": st.warning, "success": st.success}.get(kind, st.info)(text)
