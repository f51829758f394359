"""The figures a CX team checks against its help desk's own reports, from any canonical-column frame.

Used on both sides of a layout test: on the Parquet the real importer wrote, and on a frame a test builds
with pandas straight from the generated rows (its own parsing of the vendor's units and formats), so the
two agree only when the import read every unit, scale and format as the vendor meant it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from journeys.tickets.importer import ImportReport, import_file


def imported(path: Path, tmp: Path) -> tuple[ImportReport, pd.DataFrame]:
    """Import ``path`` through the real importer into ``tmp`` and read the Parquet back."""
    report = import_file(path, tmp / (path.stem + ".parquet"), tmp_home=tmp)
    return report, pq.read_table(tmp / (path.stem + ".parquet")).to_pandas()


def figures(df: pd.DataFrame) -> dict[str, object]:
    """Median first reply and resolution (minutes), CSAT mean (1–5), rated count, channel and status counts."""
    def median(col: str) -> float | None:
        s = df[col].dropna() if col in df else pd.Series(dtype=float)
        return None if s.empty else round(float(s.median()), 6)

    csat = df["csat"].dropna() if "csat" in df else pd.Series(dtype=float)
    counts = {c: {str(k): int(v) for k, v in df[c].dropna().value_counts().items()} if c in df else {}
              for c in ("channel", "status")}
    return {"rows": len(df), "frt_p50": median("first_response_minutes"),
            "resolution_p50": median("resolution_minutes"), "csat_mean": None if csat.empty else
            round(float(csat.mean()), 6), "rated": int(csat.size), **counts}


def per_ticket(df: pd.DataFrame, col: str) -> dict[str, float]:
    """``ticket_id → value`` (rounded to the microsecond-minute) for the non-null values of ``col``."""
    s = df.set_index(df["ticket_id"].astype(str))[col].dropna()
    return {k: round(float(v), 6) for k, v in s.items()}


def hms_minutes(value: str) -> float | None:
    """``49:30:00`` / ``27:05 hrs`` → minutes, in plain Python (the test's own reading)."""
    value = (value or "").replace("hrs", "").strip()
    if not value:
        return None
    parts = [float(p) for p in value.split(":")]
    return parts[0] * 60 + parts[1] + (parts[2] / 60 if len(parts) > 2 else 0)


def assert_same_figures(report: ImportReport, got: pd.DataFrame, want: pd.DataFrame, layout: str, rows: int,
                        columns: tuple[str, ...] = ("first_response_minutes", "resolution_minutes", "csat")) -> None:
    """The import recognised ``layout``, kept every row, set nothing to null, and gives ``want``'s figures
    (and, ticket by ticket, its values of ``columns``)."""
    assert report.layout == layout
    assert (report.rows_kept, report.rows_rejected, report.coerced) == (rows, 0, {})
    assert figures(got) == figures(want)
    for col in columns:
        assert per_ticket(got, col) == per_ticket(want, col), col
