"""Done when: a notebook's ``ws.friction(journey)`` and the Friction page show the same numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import journeys
from journeys.demo import DEMO_JOURNEY
from tests.pagetest import open_page


def test_the_page_ranks_exactly_what_ws_friction_returns(demo_home: Path) -> None:
    with journeys.open_workspace(demo_home) as ws:
        expected = ws.friction(DEMO_JOURNEY)
        labels = {s.id: s.label for s in ws.journeys.get(DEMO_JOURNEY).steps}
    assert len(expected) > 3  # the demo's steps with tickets: a real comparison, not two empty tables

    at = open_page("friction", journey=DEMO_JOURNEY)
    shown = next(d.value for d in at.dataframe if "Friction" in d.value.columns)

    assert shown["Step"].tolist() == [labels[s] for s in expected["step"]]  # the same steps, in the same order
    pd.testing.assert_series_equal(shown["Friction"].astype("float64"), expected["score"].astype("float64"),
                                   check_names=False, check_index=False)
    assert shown["Tickets"].tolist() == expected["volume"].astype("int64").tolist()
    for column, metric in (("CSAT", "csat"), ("Escalated", "escalation_rate"), ("Resolution p90", "resolution_p90")):
        pd.testing.assert_series_equal(shown[column].astype("float64"), expected[f"{metric}_value"].astype("float64"),
                                       check_names=False, check_index=False)
