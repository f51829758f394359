"""Chart specs cached by content, so a rerun never rebuilds a chart it already has.

Keys are (database, workspace, journey, version) plus the drawing options; a
save bumps the version, so stale specs are never served and nothing needs
clearing. Specs are plain Vega-Lite dicts drawn with ``st.vega_lite_chart``,
which skips Altair's per-rerun conversion.
"""

from __future__ import annotations

import json
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from journeys.charts import emotion_curve, journey_map
from journeys.charts.blueprint import shared_datasets, with_selected
from journeys.charts.overlay import MetricOverlay
from journeys.model import Journey
from journeys.usecases.map_review import MapChecks, check_map

JourneyKey = tuple[str, str, str, int]  # database url, workspace, journey name, version


# Arrow bytes of the datasets a map shares with every map of the same structure (the transitions' routes):
# a save that changes a step's emotion or channel re-encodes the cards, not 2,000 route points.
_SHARED_ARROW: weakref.WeakKeyDictionary[Hashable, dict[str, bytes]] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()
SELECTION_DATASETS = ("steps", "selected_ring")
PICKS_KEPT = 8  # selections remembered per board (a rerun with the same selection re-encodes nothing)


class Board:
    """A map's spec (datasets as rows), its datasets as Arrow, and the last few selections' datasets.

    Shared by every session through ``st.cache_resource``: never mutated except ``picks``, under its lock.
    """

    def __init__(self, chart: alt.LayerChart) -> None:
        self.spec = chart.to_dict()
        tokens = shared_datasets(chart)
        # The selection's two datasets are encoded per selection (``picked``), in place in the dict's order.
        self.arrow = {name: b"" if name in SELECTION_DATASETS else
                      _shared_arrow(tokens[name], name, rows) if name in tokens else _arrow(rows)
                      for name, rows in self.spec.get("datasets", {}).items()}
        # The spec less its datasets, pickled: a fresh copy per rerun (Streamlit may edit it) in a fraction
        # of deepcopy's time.
        self.frame = pickle.dumps({k: v for k, v in self.spec.items() if k != "datasets"})
        self.picks: OrderedDict[str | None, dict[str, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def picked(self, selected: str | None) -> dict[str, bytes]:
        """The two datasets a selection changes (the cards' flag, the blue frame), encoded once per selection."""
        with self.lock:
            if selected in self.picks:
                self.picks.move_to_end(selected)
                return self.picks[selected]
        spec = with_selected(self.spec, selected)
        encoded = {name: _arrow(spec["datasets"][name]) for name in SELECTION_DATASETS}
        with self.lock:
            self.picks[selected] = encoded
            while len(self.picks) > PICKS_KEPT:
                self.picks.popitem(last=False)
        return encoded


def _shared_arrow(token: Hashable, name: str, rows: list[dict[str, Any]]) -> bytes:
    with _SHARED_LOCK:
        known = _SHARED_ARROW.get(token, {}).get(name)
    if known is None:
        known = _arrow(rows)
        with _SHARED_LOCK:
            _SHARED_ARROW.setdefault(token, {})[name] = known
    return known


@st.cache_resource(max_entries=32, show_spinner=False)
def _map_board(key: JourneyKey, _journey: Journey, color_by: str, highlight: tuple[str, ...],
               status: tuple[tuple[str, str], ...], selection_name: str, present: bool) -> Board:
    """The map of one journey version, built once whatever step is selected (shared: never mutated)."""
    notes = {s: len(_journey.notes_for(s)) for s in _journey.step_ids()}
    return Board(journey_map(
        _journey, color_by=color_by, highlight=set(highlight), status=dict(status) or None, note_counts=notes,
        selection_name=selection_name, present=present))


def _selecting(board: Board, selected: str | None) -> dict[str, Any]:
    """The board's spec with ``selected`` selected: a fresh spec, two datasets re-encoded, the rest shared bytes.

    Selecting a step changes only the chart's data, so a click costs milliseconds, not a rebuild.
    """
    return {**pickle.loads(board.frame), "datasets": {**board.arrow, **board.picked(selected)}}


def map_spec(key: JourneyKey, _journey: Journey, color_by: str, highlight: tuple[str, ...],
             selected: str | None, status: tuple[tuple[str, str], ...] = (),
             selection_name: str = "step", present: bool = False) -> dict[str, Any]:
    return _selecting(_map_board(key, _journey, color_by, highlight, status, selection_name, present), selected)


@st.cache_resource(max_entries=16, show_spinner=False)
def _overlay_board(key: JourneyKey, _journey: Journey, overlay: MetricOverlay, selection_name: str) -> Board:
    return Board(journey_map(_journey, overlay=overlay, selection_name=selection_name))


def overlay_map_spec(key: JourneyKey, _journey: Journey, overlay: MetricOverlay, selected: str | None,
                     selection_name: str = "step") -> dict[str, Any]:
    """The map coloured by a metric; built once per journey version and the overlay's values (hashed)."""
    return _selecting(_overlay_board(key, _journey, overlay, selection_name), selected)


@st.cache_resource(max_entries=32, show_spinner=False)
def checks(key: JourneyKey, _journey: Journey) -> MapChecks:
    """The journey's structural checks, once per version (shared: read-only)."""
    return check_map(_journey)


@st.cache_data(max_entries=64, show_spinner=False)
def emotion_spec(key: JourneyKey, _journey: Journey) -> dict[str, Any]:
    return _with_arrow_datasets(emotion_curve(_journey).to_dict(validate=False))


SMALL_ROWS = 64  # datasets up to this size are encoded once per content (lane bands, stage lines, the curve)
_SMALL_ARROW: OrderedDict[str, bytes] = OrderedDict()
SMALL_KEPT = 256


def _arrow(rows: list[dict[str, Any]]) -> bytes:
    """Rows as Arrow bytes; a small dataset seen before (most of a map's are the same from version to version)
    comes from memory: its JSON text is far cheaper than a DataFrame and Arrow's per-dataset set-up."""
    if len(rows) > SMALL_ROWS:
        return convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
    try:
        key = json.dumps(rows)
    except (TypeError, ValueError):  # not plain JSON values (a caller's own rows): encode as they are
        return convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
    with _SHARED_LOCK:
        known = _SMALL_ARROW.get(key)
        if known is not None:
            _SMALL_ARROW.move_to_end(key)
            return known
    known = convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
    with _SHARED_LOCK:
        _SMALL_ARROW[key] = known
        while len(_SMALL_ARROW) > SMALL_KEPT:
            _SMALL_ARROW.popitem(last=False)
    return known


def _with_arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """Datasets as the Arrow bytes Streamlit sends anyway, so a cached spec is not re-encoded every rerun."""
    spec["datasets"] = {name: _arrow(rows) for name, rows in spec.get("datasets", {}).items()}
    return spec


def journey_key(name: str, version: int) -> JourneyKey:
    from ui.frame import settings, workspace

    return (settings().database_url, workspace(), name, version)
