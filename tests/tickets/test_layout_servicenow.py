"""ServiceNow incident lists (field names with codes and seconds; display names with labels and duration
text), cp1252, through the real importer: status and resolution come out filled, and the figures equal
those pandas computes from the generated rows."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeys.tickets.column_mapping import propose_mapping
from tests.strategies import examples
from tests.tickets.samples import servicenow
from tests.tickets.samples.figures import figures, imported, per_ticket

UNIT = {"Day": 1440, "Hour": 60, "Minute": 1, "Second": 1 / 60}


def text_minutes(value: str | None) -> float | None:
    """``1 Day 2 Hours 3 Minutes`` → minutes, the test's own reading."""
    if not isinstance(value, str) or not value:
        return None
    return sum(int(k) * UNIT[u] for k, u in re.findall(r"(\d+) (Day|Hour|Minute|Second)s?", value))


def expected(rows: list[dict[str, str]], display: bool) -> pd.DataFrame:
    raw = pd.DataFrame(rows).replace("", None)
    c = (lambda f, d: d) if display else (lambda f, d: f)
    state = raw[c("incident_state", "Incident state")]
    duration = raw[c("calendar_duration", "Duration")]
    return pd.DataFrame({
        "ticket_id": raw[c("number", "Number")], "channel": raw[c("contact_type", "Channel")],
        "status": state if display else state.map(servicenow.STATES),
        "resolution_minutes": duration.map(text_minutes) if display else duration.astype(float) / 60,
        "reopens": raw[c("reopen_count", "Reopen count")].astype(int),
        "escalated": raw[c("reassignment_count", "Reassignment count")].astype(int) > 0,
        "group": raw[c("assignment_group", "Assignment group")], "csat": float("nan"),
        "first_response_minutes": float("nan")})


@pytest.mark.parametrize("display", [False, True], ids=["field-names", "display-values"])
def test_servicenow_incidents_give_the_figures_of_their_rows(tmp_path, display):
    path = tmp_path / "incident.csv"
    rows = servicenow.write(path, n=240, seed=11, display=display)
    assert "é".encode("cp1252") in path.read_bytes()  # really cp1252, not UTF-8
    report, got = imported(path, tmp_path)
    want = expected(rows, display)
    assert report.layout == "servicenow" and report.rows_kept == 240 and report.rows_rejected == 0
    assert not report.coerced
    assert figures(got) == figures(want)
    assert per_ticket(got, "resolution_minutes") == per_ticket(want, "resolution_minutes")
    assert got["status"].notna().all() and set(got["status"]) <= set(servicenow.STATES.values())
    assert got["reopens"].tolist() == want["reopens"].tolist()
    assert round(got["reopens"].gt(0).mean(), 9) == round(want["reopens"].gt(0).mean(), 9)  # reopen share
    assert got["escalated"].tolist() == want["escalated"].tolist()
    assert {"Réseau", "Applications Zürich"} <= set(got["group"])  # cp1252 decoded
    assert got["priority"].str.match(r"^\d - ").all()
    done = want["status"].isin(["Resolved", "Closed"])
    assert got.loc[done.values, "resolution_minutes"].notna().all()


def test_servicenow_mapping_reads_state_codes_and_durations():
    m = propose_mapping(servicenow.FIELDS)
    assert m.layout == "servicenow"
    assert m.field("status").source == "incident_state" and m.field("status").transform.startswith("enum:1=New")
    res = m.field("resolution_minutes")
    assert (res.source, res.transform) == ("calendar_duration", "duration_text")
    assert res.fallback is not None and res.fallback.source == "resolved_at"
    assert m.field("escalated").source == "reassignment_count" and m.field("reopens").source == "reopen_count"


@examples(60, deadline=None)
@given(d=st.integers(0, 400), h=st.integers(0, 23), mi=st.integers(0, 59), s=st.integers(0, 59))
def test_duration_text_property(d, h, mi, s):
    """Any display value ServiceNow writes reads back as its minutes; so do its seconds and 1970 forms."""
    import duckdb
    from duckdb.sqltypes import VARCHAR

    from journeys.tickets.normalise import Context, SqlBuilder, duration_text_minutes

    seconds = d * 86400 + h * 3600 + mi * 60 + s
    expr = duration_text_minutes(SqlBuilder(Context(types={"v": VARCHAR})), "v")
    glide = (pd.Timestamp("1970-01-01") + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    for text in (servicenow.duration_text(seconds), str(seconds), glide):
        ((got,),) = duckdb.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v)", [text]).fetchall()
        assert got == pytest.approx(seconds / 60), text


def test_a_resolved_by_column_of_people_is_not_read_as_bot_or_human():
    """ServiceNow's ``resolved_by`` names the agent: handled_by stays empty (kept as an extra), with a note;
    a column that does say bot/human is still read."""
    columns = [*servicenow.FIELDS, "resolved_by"]
    people = pa.table({c: ["x"] * 4 for c in servicenow.FIELDS} | {"resolved_by": ["Beth Anglin", "ITIL User",
                                                                                    "Don Goodliffe", "Beth Anglin"]})
    m = propose_mapping(columns, sample=people)
    assert m.field("handled_by").source is None
    assert any("resolved_by" in note and "bot or human" in note for note in m.notes)
    words = people.set_column(people.schema.get_field_index("resolved_by"), "resolved_by",
                              pa.array(["bot", "Agent", "bot", "human"]))
    assert propose_mapping(columns, sample=words).field("handled_by").source == "resolved_by"
