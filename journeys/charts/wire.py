"""What a data frame may carry to the browser: its cells, never its ``attrs``, and no NaN or infinity.

Streamlit sends a frame (a table, or a chart's data) as Arrow, and pyarrow writes ``df.attrs`` into the
Arrow schema's pandas metadata as JSON — with ``NaN`` when an attribute holds one (a journey baseline of a
metric nobody rated). The browser's ``JSON.parse`` rejects that: a red "Unexpected token 'N'" box instead of
the table (Friction, after a five-ticket import). Frames built from :func:`journeys.metrics.compute` and
:func:`journeys.friction.friction_score` carry such attrs, so every frame a page draws goes through
:func:`to_browser` first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def to_browser(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy without ``attrs``, with NaN/±inf in float columns as missing values (sent as null)."""
    out = frame.copy()
    out.attrs = {}
    for column in out.select_dtypes(include=[np.floating]).columns:
        values = out[column].to_numpy(dtype="float64")
        if not np.isfinite(values[~np.isnan(values)]).all():
            out[column] = np.where(np.isinf(values), np.nan, values)
    return out
