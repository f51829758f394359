"""Intercom's conversations export with the Fin AI Agent attributes and a time zone in its headers,
written by code, through the real importer: the figures equal those pandas computes from the rows."""

from __future__ import annotations

import pandas as pd

from tests.tickets.samples import intercom
from tests.tickets.samples.figures import assert_same_figures, imported

Z = intercom.ZONE


def expected(rows: list[dict[str, str]]) -> pd.DataFrame:
    raw = pd.DataFrame(rows).replace("", None)
    created = pd.to_datetime(raw[f"Conversation started at ({Z})"]).dt.tz_localize(Z).dt.tz_convert("UTC")
    teammate = pd.to_numeric(raw["Last teammate rating"])
    involved, deflected = raw["Fin AI Agent involved"] == "true", raw["Fin AI Agent deflected"] == "true"
    return pd.DataFrame({
        "ticket_id": raw["Conversation ID"], "created_at": created, "channel": raw["Channel"],
        "status": raw["Current conversation state"],
        "first_response_minutes": pd.to_numeric(raw["First response time (seconds)"]) / 60,
        "resolution_minutes": pd.to_numeric(raw["Time to close (seconds)"]) / 60,
        # the customer's rating: of the teammate, else of Fin's answer (CX score is inferred, not a rating)
        "csat": teammate.fillna(pd.to_numeric(raw["Fin AI Agent rating"])),
        "handled_by": deflected.map({True: "bot", False: "human"}),
        # a bot → human hand-off, else a reassignment between teammates
        "escalated": (involved & ~deflected) | (pd.to_numeric(raw["Number of reassignments"]) > 0)})


def test_intercom_export_with_fin_columns_gives_the_figures_of_its_rows(tmp_path):
    rows = intercom.write(tmp_path / "intercom.csv", n=150, seed=6)
    report, got = imported(tmp_path / "intercom.csv", tmp_path)
    want = expected(rows)
    assert_same_figures(report, got, want, "intercom", 150)
    g, w = got.set_index("ticket_id"), want.set_index("ticket_id")
    assert (g["created_at"] == w["created_at"]).all()  # both sides of the DST change
    assert (g["handled_by"] == w["handled_by"]).all()
    assert (g["escalated"] == w["escalated"]).all()
    assert "x_CX score" in got.columns and "x_Fin AI Agent rating remark" in got.columns
