"""Jira Cloud / JSM CSV exports written by code, through the real importer: Jira's dates read, resolution
from Resolved − Created (never the textual Resolution), repeated Labels/Component/s/Sprint as one tag list,
JSM's satisfaction and request type; the figures equal pandas' own reading of the generated rows."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
from duckdb.sqltypes import VARCHAR
from hypothesis import given
from hypothesis import strategies as st

from journeys.tickets.column_mapping import propose_mapping
from journeys.tickets.normalise import Context, SqlBuilder
from tests.strategies import examples
from tests.tickets.samples import jira
from tests.tickets.samples.figures import figures, imported, per_ticket


def parse(value: str) -> datetime | None:
    """The test's own reading of Jira's ``06/Jan/26 9:29 AM`` (English month names)."""
    return datetime.strptime(value, "%d/%b/%y %I:%M %p") if value else None


def expected(issues: list[dict[str, object]]) -> pd.DataFrame:
    created = [parse(str(i["Created"])) for i in issues]
    resolved = [parse(str(i["Resolved"])) for i in issues]
    return pd.DataFrame({
        "ticket_id": [i["Issue key"] for i in issues], "status": [i["Status"] for i in issues],
        "channel": None, "first_response_minutes": float("nan"),
        "resolution_minutes": [(r - c).total_seconds() / 60 if r else float("nan")
                               for c, r in zip(created, resolved, strict=True)],
        "csat": [float(i["Custom field (Satisfaction)"]) if i["Custom field (Satisfaction)"] else float("nan")
                 for i in issues]})


def test_jira_export_gives_the_figures_of_its_rows(tmp_path):
    path = tmp_path / "jira.csv"
    issues = jira.write(path, n=220, seed=4)
    report, got = imported(path, tmp_path)
    want = expected(issues)
    assert report.layout == "jira" and report.rows_kept == 220 and report.rows_rejected == 0
    assert not report.coerced  # no date refused, no "Done" read as minutes
    assert figures(got) == figures(want)
    assert per_ticket(got, "resolution_minutes") == per_ticket(want, "resolution_minutes")
    by_key = got.set_index("ticket_id")
    for i in issues:
        tags = {str(t).lower() for t in [*i["Labels"], *i["Component/s"], *i["Sprint"]]}  # type: ignore[misc]
        assert set(by_key.loc[i["Issue key"], "tags"]) == tags, i["Issue key"]
    assert set(got["category"]) == {"Get IT help", "Request a refund", "Report a bug"}
    # the textual resolution and JSM's SLA "time remaining" columns stay extras, untouched
    assert set(got["x_Resolution"].dropna()) == {"Done", "Won't Do", "Duplicate"}
    assert {"x_Time to first response", "x_Time to resolution"} <= set(got.columns)
    assert got["first_response_minutes"].isna().all()


def test_jira_mapping_never_reads_resolution_words_or_sla_as_minutes():
    m = propose_mapping([*jira.EN[:13], "Time to first response", "Time to resolution"])
    assert m.layout == "jira"
    assert m.field("resolution_minutes").source == "Resolved"
    assert m.field("resolution_minutes").transform == "diff_minutes:Created"
    assert m.field("first_response_minutes").source is None
    # without Resolved, the word column is still not proposed as minutes
    m = propose_mapping(["Issue key", "Summary", "Status", "Created", "Resolution"])
    assert m.layout == "jira" and m.field("resolution_minutes").source is None


@examples(80, deadline=None)
@given(t=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31)).map(
    lambda t: t.replace(second=0, microsecond=0)), spanish=st.booleans())
def test_jira_date_property(t, spanish):
    """Every minute Jira can print, in its English or Spanish UI, reads back as that minute."""
    b = SqlBuilder(Context(types={"v": VARCHAR}))
    alias = b.timestamp("v")  # the importer's own timestamp expression (two-digit years: 1990…2060 here)
    source = b.nested("(SELECT ?::VARCHAR AS v)", ["v"])
    ((got,),) = duckdb.execute(f"SELECT {alias} FROM {source}", [jira.jira_date(t, spanish)]).fetchall()
    assert got == t, jira.jira_date(t, spanish)


def test_repeated_label_columns_read_as_one_list_do_not_warn_about_renames(tmp_path):
    """Jira repeats ``Labels`` once per value: the mapping reads the copies together and says so, so the
    reader's "renamed" warning is not shown; a spreadsheet whose duplicated header is not explained keeps it."""
    from journeys.tickets.importer import inspect_file

    path = tmp_path / "jira.csv"
    jira.write(path, n=30, seed=5)
    info, mapping = inspect_file(path)
    assert len(info.original_columns) > len(set(info.original_columns))  # the file does repeat headers
    assert not any(w.startswith("Duplicated column names") for w in info.warnings)
    assert any("read together as one list" in note for note in mapping.notes)

    plain = tmp_path / "sheet.csv"
    plain.write_text("Ticket ID,Created,Notes,Notes\n1,2024-01-02 10:00,a,b\n2,2024-01-03 11:00,c,d\n")
    info, _ = inspect_file(plain)
    assert any(w.startswith("Duplicated column names") for w in info.warnings)
