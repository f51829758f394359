"""Chart specs cached by content, so a rerun never rebuilds a chart it already has.

Keys are (database, workspace, journey, version) plus the drawing options; a
save bumps the version, so stale specs are never served and nothing needs
clearing. Specs are plain Vega-Lite dicts drawn with ``st.vega_lite_chart``,
which skips Altair's per-rerun conversion.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from journeys.charts import emotion_curve, journey_map
from journeys.charts.blueprint import with_selected
from journeys.charts.overlay import MetricOverlay
from journeys.model import Journey

JourneyKey = tuple[str, str, str, int]  # database url, workspace, journey name, version


Board = tuple[dict[str, Any], dict[str, bytes]]  # a map's spec (datasets as rows) and its datasets as Arrow


def _board(spec: dict[str, Any]) -> Board:
    return spec, {name: _arrow(rows) for name, rows in spec.get("datasets", {}).items()}


@st.cache_resource(max_entries=32, show_spinner=False)
def _map_board(key: JourneyKey, _journey: Journey, color_by: str, highlight: tuple[str, ...],
               status: tuple[tuple[str, str], ...], selection_name: str, present: bool) -> Board:
    """The map of one journey version, built once whatever step is selected (shared: never mutated)."""
    notes = {s: len(_journey.notes_for(s)) for s in _journey.step_ids()}
    return _board(journey_map(
        _journey, color_by=color_by, highlight=set(highlight), status=dict(status) or None, note_counts=notes,
        selection_name=selection_name, present=present).to_dict())


def _selecting(board: Board, selected: str | None) -> dict[str, Any]:
    """The board's spec with ``selected`` selected: a fresh spec, two datasets re-encoded, the rest shared bytes.

    Selecting a step changes only the chart's data, so a click costs milliseconds, not a rebuild.
    """
    spec, arrow = board
    picked = with_selected(spec, selected)
    fresh = copy.deepcopy({k: v for k, v in spec.items() if k != "datasets"})
    return {**fresh, "datasets": {**arrow, **{name: _arrow(picked["datasets"][name])
                                               for name in ("steps", "selected_ring")}}}


def map_spec(key: JourneyKey, _journey: Journey, color_by: str, highlight: tuple[str, ...],
             selected: str | None, status: tuple[tuple[str, str], ...] = (),
             selection_name: str = "step", present: bool = False) -> dict[str, Any]:
    return _selecting(_map_board(key, _journey, color_by, highlight, status, selection_name, present), selected)


@st.cache_resource(max_entries=16, show_spinner=False)
def _overlay_board(key: JourneyKey, _journey: Journey, overlay: MetricOverlay, selection_name: str) -> Board:
    return _board(journey_map(_journey, overlay=overlay, selection_name=selection_name).to_dict())


def overlay_map_spec(key: JourneyKey, _journey: Journey, overlay: MetricOverlay, selected: str | None,
                     selection_name: str = "step") -> dict[str, Any]:
    """The map coloured by a metric; built once per journey version and the overlay's values (hashed)."""
    return _selecting(_overlay_board(key, _journey, overlay, selection_name), selected)


@st.cache_data(max_entries=64, show_spinner=False)
def emotion_spec(key: JourneyKey, _journey: Journey) -> dict[str, Any]:
    return _with_arrow_datasets(emotion_curve(_journey).to_dict(validate=False))


def _arrow(rows: list[dict[str, Any]]) -> bytes:
    return convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))


def _with_arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """Datasets as the Arrow bytes Streamlit sends anyway, so a cached spec is not re-encoded every rerun."""
    spec["datasets"] = {name: _arrow(rows) for name, rows in spec.get("datasets", {}).items()}
    return spec


def journey_key(name: str, version: int) -> JourneyKey:
    from ui.frame import settings, workspace

    return (settings().database_url, workspace(), name, version)
