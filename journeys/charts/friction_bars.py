"""The friction score per step as diverging bars: red to the right is worse than the journey, blue to the left better.

One colour per side, the map's palette ends (:data:`journeys.charts.overlay.WORSE_TO_BETTER`), so a step that
does better than the journey is never drawn as a red bar — the table's progress bars did that once, and a
negative score read as "some friction".
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from journeys.charts.overlay import WORSE_TO_BETTER
from journeys.charts.wire import to_browser
from journeys.metrics import METRICS

WORSE, BETTER = "worse than the journey", "better than the journey"
SIDE_COLOURS = {WORSE: WORSE_TO_BETTER[0], BETTER: WORSE_TO_BETTER[-1]}


def friction_bars(scored: pd.DataFrame, labels: Mapping[str, str]) -> alt.Chart:
    """Bars of ``scored`` (:func:`journeys.friction.friction_score`'s frame) in rank order, labelled by step."""
    frame = pd.DataFrame({
        "step": scored["step"].map(lambda s: labels.get(s, s)),
        "score": scored["score"].astype("float64").where(np.isfinite(scored["score"].astype("float64")), 0.0),
        "rank": scored["rank"].astype("int64"),
        "driver": [METRICS[m].label if m in METRICS else "—" for m in scored["main_driver"]],
        "rule": [f"{METRICS[m].label} rule: better components not counted" if m in METRICS else ""
                 for m in scored.get("guarded_by", pd.Series([""] * len(scored)))],
    })
    frame = to_browser(frame.assign(side=np.where(frame["score"] > 0, WORSE, BETTER)))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("step:N", title=None, sort=frame.sort_values("rank")["step"].tolist(), axis=alt.Axis(labelLimit=260)),
        x=alt.X("score:Q", title="Friction score (0 = the journey)", axis=alt.Axis(format=".2f")),
        color=alt.Color("side:N", title=None, scale=alt.Scale(domain=list(SIDE_COLOURS),
                                                              range=list(SIDE_COLOURS.values())),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("rank:Q", title="Rank"),
                 alt.Tooltip("score:Q", title="Friction", format=".3f"),
                 alt.Tooltip("driver:N", title="Main driver"), alt.Tooltip("rule:N", title="Outcome rule")],
    ).properties(height=alt.Step(20))
