"""Front's analytics message export (one row per message), written by code, through the real importer:
each conversation becomes one ticket whose figures equal those pandas computes from the generated rows."""

from __future__ import annotations

import pandas as pd
import pytest

from journeys.tickets.column_mapping import detect_layout
from tests.tickets.samples import front
from tests.tickets.samples.figures import assert_same_figures, imported


def expected(rows: list[dict[str, str]]) -> pd.DataFrame:
    """Per conversation, Front's own figures: its last message's state, its segment start, and the
    segment's total reply time (seconds; Front's resolution figure)."""
    raw = pd.DataFrame(rows).replace("", None)
    raw["at"] = pd.to_datetime(raw["Message date"], utc=True)
    last = raw.sort_values("at").groupby("Conversation ID").tail(1).set_index("Conversation ID")
    first = raw.groupby("Conversation ID")["Segment start"].first()
    return pd.DataFrame({"ticket_id": last.index, "created_at": pd.to_datetime(first[last.index], utc=True).array,
                         "status": last["Status"].values, "group": last["Inbox"].values,
                         "resolution_minutes": pd.to_numeric(last["Total reply time"]).values / 60,
                         "first_response_minutes": None, "csat": None})


def test_front_message_export_gives_one_ticket_per_conversation(tmp_path):
    rows = front.write(tmp_path / "front.csv", conversations=70, seed=12)
    report, got = imported(tmp_path / "front.csv", tmp_path)
    want = expected(rows)
    assert (report.rows_read, report.collapsed_updates) == (len(rows), len(rows) - 70)
    assert_same_figures(report, got, want, "front", 70, ("resolution_minutes",))
    g, w = got.set_index("ticket_id"), want.set_index("ticket_id")
    assert (g["created_at"] == w["created_at"]).all() and (g["group"] == w["group"]).all()
    assert g.loc[w["status"] == "open", "resolution_minutes"].isna().all()  # open: no total reply time yet
    assert got["first_response_minutes"].isna().all()  # not derivable from the last message (docstring)
    assert "x_First response" in got.columns and "x_Response time" in got.columns


@pytest.mark.parametrize("subset", [
    ("Message ID", "Conversation ID", "Inbox", "Message date", "Tags", "Reaction time"),
    ("Conversation ID", "Direction", "Message date", "Total reply time", "Status"),
])
def test_front_subsets_are_recognised(subset):
    assert detect_layout(subset)[0] == "front"
