"""Gorgias' tickets export, written by code, through the real importer: the figures equal those pandas
computes from the generated rows."""

from __future__ import annotations

import pandas as pd
import pytest

from journeys.tickets.column_mapping import detect_layout
from tests.tickets.samples import gorgias
from tests.tickets.samples.figures import assert_same_figures, imported


def expected(rows: list[dict[str, str]]) -> pd.DataFrame:
    raw = pd.DataFrame(rows).replace("", None)
    created = pd.to_datetime(raw["Created datetime"]).dt.tz_localize("UTC")  # naive values are UTC
    closed = pd.to_datetime(raw["Closed datetime"]).dt.tz_localize("UTC")
    return pd.DataFrame({"ticket_id": raw["Ticket id"], "created_at": created, "channel": raw["Channel"],
                         "status": raw["Status"], "first_response_minutes": None,
                         "resolution_minutes": (closed - created).dt.total_seconds() / 60,
                         "csat": pd.to_numeric(raw["Satisfaction survey score"])})


def test_gorgias_export_gives_the_figures_of_its_rows(tmp_path):
    rows = gorgias.write(tmp_path / "gorgias.csv", n=160, seed=4)
    report, got = imported(tmp_path / "gorgias.csv", tmp_path)
    want = expected(rows)
    assert_same_figures(report, got, want, "gorgias", 160, ("resolution_minutes", "csat"))
    # microseconds survive: created_at equals the naive-UTC value to the microsecond
    assert (got.set_index("ticket_id")["created_at"] == want.set_index("ticket_id")["created_at"]).all()
    # the AI Agent's tickets stay recognisable for rules (assignee and tag kept)
    bots = got[got["x_Assignee user"] == "AI Agent"]
    assert len(bots) and all("ai_agent" in t for t in bots["tags"])
    assert got["first_response_minutes"].isna().all()


def test_gorgias_api_json_gives_the_same_figures(tmp_path):
    rows = gorgias.write_api(tmp_path / "gorgias_tickets.json", n=90, seed=7)
    report, got = imported(tmp_path / "gorgias_tickets.json", tmp_path)
    assert_same_figures(report, got, expected(rows), "gorgias", 90, ("resolution_minutes", "csat"))
    assert {"order-status", "vip"} <= {t for tags in got["tags"] for t in tags}


@pytest.mark.parametrize("subset", [
    ("Ticket id", "Subject", "Status", "Channel", "Created datetime", "Closed datetime"),
    ("Ticket id", "Tags", "Satisfaction survey score", "Assignee team", "Created datetime"),
])
def test_gorgias_subsets_are_recognised(subset):
    assert detect_layout(subset)[0] == "gorgias"
