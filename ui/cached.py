"""Chart specs cached by content, so a rerun never rebuilds a chart it already has.

Keys are (database, workspace, journey, version) plus the drawing options; a
save bumps the version, so stale specs are never served and nothing needs
clearing. Specs are plain Vega-Lite dicts drawn with ``st.vega_lite_chart``,
which skips Altair's per-rerun conversion.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from journeys.charts import emotion_curve, journey_map
from journeys.charts.overlay import MetricOverlay
from journeys.model import Journey

JourneyKey = tuple[str, str, str, int]  # database url, workspace, journey name, version


@st.cache_data(max_entries=128, show_spinner=False)
def map_spec(key: JourneyKey, _journey: Journey, color_by: str, highlight: tuple[str, ...],
             selected: str | None, status: tuple[tuple[str, str], ...] = (),
             selection_name: str = "step", present: bool = False) -> dict[str, Any]:
    notes = {s: len(_journey.notes_for(s)) for s in _journey.step_ids()}
    return _with_arrow_datasets(journey_map(
        _journey, color_by=color_by, highlight=set(highlight), selected=selected, status=dict(status) or None,
        note_counts=notes, selection_name=selection_name, present=present).to_dict())


@st.cache_data(max_entries=64, show_spinner=False)
def overlay_map_spec(key: JourneyKey, _journey: Journey, overlay: MetricOverlay, selected: str | None,
                     selection_name: str = "step") -> dict[str, Any]:
    """The map coloured by a metric; keyed by journey version and the overlay's values (hashed)."""
    return _with_arrow_datasets(journey_map(_journey, overlay=overlay, selected=selected,
                                            selection_name=selection_name).to_dict())


@st.cache_data(max_entries=64, show_spinner=False)
def emotion_spec(key: JourneyKey, _journey: Journey) -> dict[str, Any]:
    return _with_arrow_datasets(emotion_curve(_journey).to_dict(validate=False))


def _with_arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """Datasets as the Arrow bytes Streamlit sends anyway, so a cached spec is not re-encoded every rerun."""
    spec["datasets"] = {name: convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
                        for name, rows in spec.get("datasets", {}).items()}
    return spec


def journey_key(name: str, version: int) -> JourneyKey:
    from ui.frame import settings, workspace

    return (settings().database_url, workspace(), name, version)
