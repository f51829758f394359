"""Help Scout's conversations export, written by code, through the real importer: the figures equal
those pandas computes straight from the generated rows."""

from __future__ import annotations

import pandas as pd
import pytest

from journeys.tickets.column_mapping import detect_layout
from tests.tickets.samples import helpscout
from tests.tickets.samples.figures import assert_same_figures, imported

HAPPINESS = {"Great": 5.0, "Okay": 3.0, "Not Good": 1.0}


def expected(rows: list[dict[str, str]]) -> pd.DataFrame:
    raw = pd.DataFrame(rows).replace("", None)
    created = pd.to_datetime(raw["Created At"], utc=True)

    def minutes(col: str) -> pd.Series:
        return (pd.to_datetime(raw[col], utc=True) - created).dt.total_seconds() / 60

    return pd.DataFrame({"ticket_id": raw["Conversation Number"], "channel": raw["Type"], "status": raw["Status"],
                         "first_response_minutes": minutes("First Response At"),
                         "resolution_minutes": minutes("Closed At"), "csat": raw["Happiness Rating"].map(HAPPINESS)})


def test_helpscout_export_gives_the_figures_of_its_rows(tmp_path):
    rows = helpscout.write(tmp_path / "helpscout.csv", n=150, seed=3)
    report, got = imported(tmp_path / "helpscout.csv", tmp_path)
    want = expected(rows)
    assert_same_figures(report, got, want, "helpscout", 150)
    # phone conversations have no first response; unrated closed ones are not ratings
    assert got.loc[got["channel"] == "phone", "first_response_minutes"].isna().all()
    assert set(got["csat"].dropna()) <= {1.0, 3.0, 5.0}
    assert {"vip", "refund"} <= {t for tags in got["tags"] for t in tags}
    assert "x_Conversation ID" in got.columns  # the internal id is kept, the number is the ticket id


def test_helpscout_api_conversations_give_the_same_figures(tmp_path):
    rows = helpscout.write_api(tmp_path / "conversations.json", n=80, seed=5)
    report, got = imported(tmp_path / "conversations.json", tmp_path)
    want = expected(rows).assign(first_response_minutes=None, csat=None)  # not in the API object
    assert_same_figures(report, got, want, "helpscout", 80, ("resolution_minutes",))
    assert {"vip", "refund"} <= {t for tags in got["tags"] for t in tags}


@pytest.mark.parametrize("subset", [
    ("Conversation Number", "Mailbox", "Created At", "Closed At", "Status"),
    ("Conversation ID", "Conversation Number", "Subject", "Customer Email", "Happiness Rating", "Replies Sent",
     "Created At"),
])
def test_helpscout_subsets_are_recognised(subset):
    assert detect_layout(subset)[0] == "helpscout"
