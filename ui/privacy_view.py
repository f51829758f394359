"""The Settings page's privacy section: whether imports mask personal data in ticket text.

Owners get a toggle; everyone else reads the setting. The change goes through
:func:`journeys.usecases.privacy_settings.set_masking` (owners only there too), saved on top of the version shown, so a
colleague's change in between is refused in words instead of silently undone.
"""

from __future__ import annotations

import streamlit as st

from journeys.members import Role
from journeys.usecases import privacy_settings as privacy
from journeys.workspace import Workspace
from ui.frame import author, ws
from ui.notices import leave_save_outcome, show_notice
from ui.text import plain

NOTICE = "privacy_notice"
LABEL = "Mask personal data in ticket text at import"
WHAT_IT_DOES = ("When this is on, every import replaces e-mail addresses, phone numbers and card-like numbers in "
                "ticket text (subject, description and every other text column) with **[email]**, **[phone]** and "
                "**[card]** before the dataset is written, so the workspace's data never holds them (the import's own "
                "working copies hold them until it ends; README: *Sign-in for a team*). It applies to imports "
                "from now on: datasets already imported keep what they hold (import them again to mask them). "
                "Ticket and customer ids are kept: the metrics count repeat contacts by them.")


def masking_section() -> None:
    """The privacy section for the session's workspace and person (the Settings page calls it)."""
    here = ws()
    masking_section_for(here, author() or here.user.shown)


def masking_section_for(here: Workspace, who: str) -> None:
    """The section for ``here`` as ``who``: a toggle for owners, the setting in words for everyone else."""
    st.subheader("Privacy", anchor="privacy")
    show_notice(NOTICE)
    stored = privacy.current(here)
    on = stored.settings.mask_at_import
    st.markdown(WHAT_IT_DOES)
    changed = (f"Last changed by {plain(stored.author)} on {stored.saved_at:%d %b %Y, %H:%M} UTC."
               if stored.author and stored.saved_at else "Never changed: off by default.")
    if not here.may(Role.owner):
        st.caption(f"Masking at import is **{'on' if on else 'off'}**. {changed} Owners change it.")
        return
    key = f"privacy_mask_{stored.version}"  # a new version (anyone's change) draws the toggle afresh
    st.toggle(LABEL, value=on, key=key, on_change=_toggled, args=(here, who, key, stored.version))
    st.caption(changed)


def _toggled(here: Workspace, who: str, key: str, version: int) -> None:
    """Save the toggle's new state on top of the version it showed; leave the outcome for the next run."""
    wanted = bool(st.session_state[key])
    leave_save_outcome(
        NOTICE, who, lambda by: privacy.set_masking(here, wanted, by, expected_version=version),
        done=lambda _v: ("Masking at import is on: the next imports mask personal data before writing."
                         if wanted else "Masking at import is off: the next imports keep ticket text as exported."),
        stale=lambda error: plain(f"Not changed: {error.message}. The setting as it is now is shown."),
        refused="Not changed")
