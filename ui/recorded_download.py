"""Ticket-level downloads: for editors and owners only, and each one recorded (who, when, what, how many).

On a deployment with sign-in the tables' own "Download as CSV" is turned off (``client.disableDataExport``, set
by the frame), so this button — built and recorded only when pressed — is the way tickets leave the app.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journeys.members import Role
from journeys.usecases import team
from ui.frame import ws


def tickets_button(tickets: pd.DataFrame, what: str, key: str) -> None:
    """"Download these N tickets (CSV)" under a ticket table, for editors and owners; nothing for viewers."""
    if tickets.empty or not ws().may(Role.editor):
        return
    person = ws()
    st.download_button(f"Download these {len(tickets):,} tickets (CSV)", key=key, on_click="ignore",
                       icon=":material/download:", mime="text/csv", file_name=f"{key}.csv",
                       data=lambda: team.ticket_file(person, what, tickets),
                       help="Ticket-level data: each download is recorded (who, when, what) on Settings.")
