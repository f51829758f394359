"""Freshdesk's ticket export, written by code as CSV and as its SpreadsheetML "Excel" download, through the
real importer: the figures equal those pandas computes straight from the generated rows."""

from __future__ import annotations

import pandas as pd
import pytest

from journeys.tickets.column_mapping import propose_mapping
from tests.tickets.samples import freshdesk
from tests.tickets.samples.figures import figures, hms_minutes, imported, per_ticket


def expected(rows: list[dict[str, str]]) -> pd.DataFrame:
    """Freshdesk's own meaning, read with pandas: a non-zero ``(in hrs)`` figure wins, ``0:00:00`` means none
    (the timestamps then decide), survey labels are 5…1."""
    raw = pd.DataFrame(rows).replace("", None)
    created = pd.to_datetime(raw["Created time"], utc=True)

    def minutes(hours_col: str, *stamps: str) -> pd.Series:
        out = raw[hours_col].map(hms_minutes).where(lambda s: s > 0)
        for col in stamps:
            out = out.fillna((pd.to_datetime(raw[col], utc=True) - created).dt.total_seconds() / 60)
        return out

    return pd.DataFrame({
        "ticket_id": raw["Ticket ID"], "channel": raw["Source"], "status": raw["Status"],
        "first_response_minutes": minutes("First response time (in hrs)", "Initial response time"),
        "resolution_minutes": minutes("Resolution time (in hrs)", "Resolved time", "Closed time"),
        "csat": raw["Survey results"].map(freshdesk.LABELS).astype(float)})


@pytest.mark.parametrize("fmt", ["csv", "xls"])
def test_freshdesk_export_gives_the_figures_of_its_rows(tmp_path, fmt):
    path = tmp_path / f"freshdesk.{fmt}"
    rows = freshdesk.write(path, n=200, seed=7) if fmt == "csv" else freshdesk.write_xls(path, n=200, seed=7)
    report, got = imported(path, tmp_path)
    want = expected(rows)
    assert report.layout == "freshdesk" and report.rows_kept == 200 and report.rows_rejected == 0
    assert not report.coerced  # 0:00:00 is "none", not an unusable value
    assert figures(got) == figures(want)
    for col in ("first_response_minutes", "resolution_minutes", "csat"):
        assert per_ticket(got, col) == per_ticket(want, col), col
    # the traps: no 0-minute first reply or resolution, every label a rating, unanswered tickets empty
    assert (got["first_response_minutes"].dropna() > 0).all() and (got["resolution_minutes"].dropna() > 0).all()
    rated = sum(1 for r in rows if r["Survey results"])
    assert got["csat"].notna().sum() == rated > 0
    never = {r["Ticket ID"] for r in rows if not r["Initial response time"]}
    assert never and got.set_index("ticket_id").loc[sorted(never), "first_response_minutes"].isna().all()
    assert {"vip", "refund"} <= {t for tags in got["tags"] for t in tags}


def test_freshdesk_zero_duration_falls_back_to_timestamps():
    m = propose_mapping(freshdesk.COLUMNS)
    fr = m.field("first_response_minutes")
    assert (fr.source, fr.transform) == ("First response time (in hrs)", "hhmmss_zero_unknown")
    assert fr.fallback is not None and fr.fallback.source == "Initial response time"
    assert m.field("csat").transform == "csat_5point"
