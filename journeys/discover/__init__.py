"""Discover: the journey customers actually take, from event data, compared with the designed one.

The flow, one module per concept::

    file (CSV/Parquet/XES) ─ log_files, xes, log_columns ─► import_log (log, import_report) ─► stored Parquet
    mapped tickets / per-update exports ─ from_tickets ─┘                            │  EventLogs (versions)
                                                                                     ▼
                                         dfg / variants (dfg) ─► conformance, reach (conformance) ◄─ mapping
                                                                                     │
                                                                  dot (Graphviz text), charts.process_graph

Queries run on the connection they are given (``con=``: a DuckDB connection or the workspace's
engine); :mod:`journeys.usecases.discovery` passes ``ws.engine``, so the app and the CLI use one
DuckDB. No module keeps a connection of its own. The pieces are re-exported here; the page, the
CLI and notebooks call the use cases. No Streamlit, and never pm4py (AGPL): the benchmark alone
compares against it.
"""

from journeys.discover.conformance import Conformance, add_route, conformance, reach
from journeys.discover.dfg import DFG, LogFilter, StoredLog, Variants, dfg, open_log, segment_values, variants
from journeys.discover.from_tickets import customer_journeys_log, status_history_log
from journeys.discover.import_report import ImportOptions, LogImportError, LogReport
from journeys.discover.log import import_log, inspect_log
from journeys.discover.log_columns import LogColumns, detect_columns
from journeys.discover.log_files import LogPreview
from journeys.discover.mapping import (
    ActivityMap,
    SavedActivityMap,
    load_activity_map,
    match_scores,
    propose_activity_map,
    save_activity_map,
)
from journeys.discover.versions import EventLogs, EventLogVersion

__all__ = [
    "DFG",
    "ActivityMap",
    "Conformance",
    "EventLogVersion",
    "EventLogs",
    "ImportOptions",
    "LogColumns",
    "LogFilter",
    "LogImportError",
    "LogPreview",
    "LogReport",
    "SavedActivityMap",
    "StoredLog",
    "Variants",
    "add_route",
    "conformance",
    "customer_journeys_log",
    "detect_columns",
    "dfg",
    "import_log",
    "inspect_log",
    "load_activity_map",
    "match_scores",
    "open_log",
    "propose_activity_map",
    "reach",
    "save_activity_map",
    "segment_values",
    "status_history_log",
    "variants",
]
