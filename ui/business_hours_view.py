"""Business minutes beside calendar minutes on the Friction page (a toggle; computed only when on).

The workspace's schedule is set from the command line (``journeys workspace schedule set``); this
part only reads it, computes through ``journeys.business_hours.side_by_side`` and draws a small
table, cached by content (dataset, rules and journey versions, the slice, the schedule's version).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journeys.business_hours import Schedule, load_schedule, side_by_side, vendor_agreement, with_business_minutes
from journeys.charts.wire import to_browser
from journeys.metrics import tickets_table
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.engine import TicketSlice
from ui import tickets_view
from ui.frame import store, workspace
from ui.text import plain

HOW_TO_SET = "journeys workspace schedule set --timezone Europe/London --hours 'mon-fri 09:00-17:30'"


@st.cache_data(max_entries=16, show_spinner="Counting business minutes…")
def _side_by_side(key: tuple, schedule_json: dict[str, Any], _dataset: DatasetVersion, journey_name: str,
                  where: TicketSlice, steps: tuple[str, ...], min_sample: int) -> pd.DataFrame:
    table = tickets_view.mapped(_dataset, journey_name).table
    filters = {**where.filters(), "journey_step": list(steps)}
    return side_by_side(table, Schedule.from_json(schedule_json), min_sample=min_sample, start=where.start,
                        end=where.end, filters=filters)


@st.cache_data(max_entries=16, show_spinner=False)
def _agreement(dataset_key: tuple, schedule_json: dict[str, Any], _dataset: DatasetVersion) -> list[str]:
    table = with_business_minutes(tickets_table(_dataset.path), Schedule.from_json(schedule_json))
    return [a.sentence() for a in vendor_agreement(table)]


def business_hours(content: tuple, dataset: DatasetVersion, journey_name: str, where: TicketSlice,
                   steps: list[str], min_sample: int) -> None:
    """The toggle, and when on: first reply and resolution in calendar and business minutes for the selection."""
    schedule, version = load_schedule(store(), workspace())
    on = st.toggle("Business minutes beside calendar minutes", key="friction_business_hours",
                   disabled=schedule is None,
                   help=("Counts only the minutes the help desk is open (the workspace's business hours)."
                         if schedule is not None else f"Set the workspace's business hours first: `{HOW_TO_SET}`"))
    if not on or schedule is None:
        return
    frame = _side_by_side(content, schedule.to_json(), dataset, journey_name, where, tuple(steps), min_sample)
    shown = frame[["label", "calendar", "business", "n"]].round({"calendar": 0, "business": 0}).rename(columns={
        "label": "Metric", "calendar": "Calendar minutes", "business": "Business minutes", "n": "Tickets"})
    st.dataframe(to_browser(shown), hide_index=True, width="content", column_config={
        "Calendar minutes": st.column_config.NumberColumn(format="localized"),
        "Business minutes": st.column_config.NumberColumn(format="localized"),
        "Tickets": st.column_config.NumberColumn(format="localized")})
    sentences = _agreement((dataset.name, dataset.version), schedule.to_json(), dataset)
    st.caption(plain(f"Business hours v{version}: {schedule.summary()}. "
                     + (" ".join(s + "." for s in sentences) if sentences else
                        "The export carries no business-hours column of its help desk to compare with.")
                     + " Empty: fewer than " + f"{min_sample:,} tickets."))
