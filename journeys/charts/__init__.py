"""Altair chart builders: pure functions from domain objects to charts.

No Streamlit here: pages pass the charts to ``st.altair_chart``, the CLI and
notebooks export them with :func:`export_chart`.
"""

from journeys.charts.blueprint import COLOR_BY, STATUSES, JourneyMapChart, journey_map
from journeys.charts.emotion import emotion_curve
from journeys.charts.export import MAP_FORMATS, export_chart, mark_count

__all__ = [
    "COLOR_BY", "MAP_FORMATS", "STATUSES", "JourneyMapChart", "emotion_curve", "export_chart", "journey_map",
    "mark_count",
]
