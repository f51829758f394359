"""The Friction page over the demo tickets, through AppTest."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from journeys.charts.overlay import d3_text
from journeys.csv_export import csv_text
from journeys.demo import DEMO_JOURNEY
from journeys.store import Store
from tests.pagetest import open_page, use_home


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    return use_home(monkeypatch, tmp_path)


def _page(**params: str) -> AppTest:
    return open_page("friction", **params)


def test_without_ticket_data_the_page_says_how_to_get_some(home):
    at = _page()
    assert "journeys tickets import" in at.info[0].value


def _filter(widgets, prefix: str, suffix: str = ""):
    """The one filter widget of the shown dataset (filters are keyed by dataset and version)."""
    found = [w for w in widgets if w.key and w.key.startswith(prefix + "_") and w.key.endswith(suffix)]
    assert len(found) == 1, [w.key for w in widgets]
    return found[0]


def _map(at: AppTest) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The coloured map as drawn: its Vega-Lite spec and its datasets (sent as Arrow beside the spec)."""
    chart = at.get("vega_lite_chart")[0].proto
    datasets = {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.datasets}
    return json.loads(chart.spec), datasets


def test_friction_ranks_the_planted_steps_and_drills_down(demo_home):
    at = _page(journey=DEMO_JOURNEY)
    table = at.dataframe[0].value
    assert table.iloc[0]["Step"] in {"Resets password", "Billing team corrects the invoice"}
    assert table["Friction"].is_monotonic_decreasing  # in rank order
    assert at.metric[0].value == "30,000"
    # The drill-down starts on the top-ranked step.
    assert at.subheader[0].value == f"Up close: {table.iloc[0]['Step']}"
    at.selectbox(key="friction_step").set_value("bot-invoice-status")
    at.selectbox(key="friction_metric").set_value("escalation_rate")
    at.run()
    assert not at.exception
    examples = at.dataframe[-1].value
    assert len(examples) == 50 and set(examples["subject"]) == {"Chat: invoice status"}
    assert at.subheader[0].value == "Up close: Bot shows invoice status"


def test_filters_narrow_every_number_on_the_page(demo_home):
    at = _page(journey=DEMO_JOURNEY)
    everything = int(at.metric[0].value.replace(",", ""))
    _filter(at.multiselect, "friction_channels").select("Chat")
    at.run()
    assert not at.exception
    chat = int(at.metric[0].value.replace(",", ""))
    assert 0 < chat < everything
    assert "channel Chat" in at.caption[0].value
    examples = at.dataframe[-1].value
    assert set(examples["channel"]) <= {"Chat"}
    _filter(at.selectbox, "friction_segment").set_value("group")
    at.run()
    _filter(at.multiselect, "friction_segment_values", "_group").select("Bot")
    at.run()
    assert not at.exception
    assert 0 < int(at.metric[0].value.replace(",", "")) < chat
    # A date range inside the data: fewer tickets again, and the caption says which dates.
    first, last = _filter(at.date_input, "friction_dates").value
    from datetime import timedelta

    _filter(at.date_input, "friction_dates").set_value((first + timedelta(days=30), last - timedelta(days=30)))
    at.run()
    assert not at.exception
    assert f"{first + timedelta(days=30):%Y-%m-%d} – {last - timedelta(days=30):%Y-%m-%d}" in at.caption[0].value


def test_map_colours_by_any_catalogue_metric_and_flags_emotions(demo_home):
    at = _page(journey=DEMO_JOURNEY)
    at.selectbox(key="friction_colour").set_value("reopen_rate")
    at.run()
    assert not at.exception
    spec, datasets = _map(at)
    assert "Reopen rate" in json.dumps(spec)
    # The planted password-reset reopen problem has the highest value on the map.
    at.session_state["friction_tab"] = "Emotion vs CSAT"  # only the open tab is computed
    at.run()
    steps = datasets["steps"].set_index("id")
    drawn = steps.loc[steps["metric_state"] == "value", "metric"]
    assert drawn.idxmax() == "reset-password" and drawn.max() > 0.2
    assert steps.loc["reset-password", "badge"] == d3_text(drawn.max(), ".0%")
    warnings = [w.value for w in at.warning]
    assert any("Bot suggests articles" in w and "negative (-1)" in w for w in warnings)


def test_csv_export_neutralises_formulas():
    import pandas as pd

    frame = pd.DataFrame({"Step": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "fine"], "n": [1, 2, 3, 4, 5]})
    safe = pd.read_csv(io.StringIO(csv_text(frame)))
    assert list(safe["Step"]) == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "fine"]
    assert list(safe["n"]) == [1, 2, 3, 4, 5]
    assert list(safe["n"]) == [1, 2, 3, 4, 5]


def test_week_by_week_heatmap_follows_the_map_colour(demo_home):
    at = _page(journey=DEMO_JOURNEY)
    at.session_state["friction_tab"] = "Week by week"
    at.selectbox(key="friction_colour").set_value("reopen_rate")
    at.run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 3  # the map, the heatmap in the open tab, the step's trend
    heatmap = charts[1]
    assert heatmap["layer"][1]["mark"]["type"] == "rect"
    assert heatmap["layer"][1]["encoding"]["color"]["title"] == "Reopen rate"


def test_a_finding_is_written_up_as_a_pain_point_with_its_evidence(demo_home):
    from datetime import UTC, datetime, timedelta

    from journeys.painpoints import PainPoints, Source

    with Store.for_folder(demo_home) as store:
        before = {p.key for p in PainPoints(store).list("demo")}
    at = _page(journey=DEMO_JOURNEY)
    at.selectbox(key="friction_step").set_value("reset-password")
    at.selectbox(key="friction_metric").set_value("repeat_contact_rate")
    first, last = _filter(at.date_input, "friction_dates").value
    _filter(at.date_input, "friction_dates").set_value((first + timedelta(days=60), last))
    at.run()
    assert not at.exception
    at.button(key="friction_write_up").click()
    at.run()
    assert not at.exception, at.exception
    with Store.for_folder(demo_home) as store:
        (stored,) = [p for p in PainPoints(store).list("demo") if p.key not in before]
    pain = stored.pain
    assert (pain.journey, pain.steps, pain.metric, pain.source) == (
        DEMO_JOURNEY, ["reset-password"], "repeat_contact_rate", Source.friction)
    assert stored.updated_by == "Tester" and pain.title == "Resets password: repeat contacts"
    repeat = next(e for e in pain.evidence if e.metric == "repeat_contact_rate")
    assert repeat.n > 0 and repeat.value > repeat.baseline and repeat.dataset == "Zendesk tickets (demo)"
    # The page's date range is the evidence's period; the newest tickets of the step are its examples.
    assert repeat.start == datetime.combine(first + timedelta(days=60), datetime.min.time(), tzinfo=UTC)
    assert len(pain.example_tickets) == 5
    # The button became a link to the pain point on Priorities.
    assert "friction_write_up" not in [b.key for b in at.button]
    link = at.get("page_link")[0].proto
    assert link.label == f"Written up as {stored.key}: open it on Priorities"
    assert (link.page, link.query_string) == ("priorities", f"painpoint={stored.key}")


def test_switching_dataset_never_carries_the_previous_date_range(demo_home, tmp_path):
    """A range picked on one dataset must not filter another (once 182 of 200,180 tickets were shown, no filter set).

    The second dataset spans the same first and last day as the demo, so the date widget looks the same to
    Streamlit: only keying the filters by dataset keeps the first one's range off it."""
    from datetime import timedelta

    from journeys.demo.ticket_export import generate
    from journeys.tickets.workflow import import_dataset

    at = _page(journey=DEMO_JOURNEY)
    demo_name = at.selectbox(key="friction_dataset").value
    first, last = _filter(at.date_input, "friction_dates").value
    other = generate(400, 11)
    other.loc[0, "Created at"], other.loc[1, "Created at"] = f"{first} 09:00:00", f"{last} 09:00:00"
    other = other[(other["Created at"] >= str(first)) & (other["Created at"] < str(last + timedelta(days=1)))]
    source = tmp_path / "other.csv"
    other.to_csv(source, index=False)
    with Store.for_folder(demo_home) as store:
        import_dataset(store, demo_home, "demo", "Other tickets", source, "Tester")
    at.run()
    _filter(at.date_input, "friction_dates").set_value((last - timedelta(days=30), last))
    at.run()
    narrowed = int(at.metric[0].value.replace(",", ""))
    assert 0 < narrowed < 30_000
    at.selectbox(key="friction_dataset").set_value("Other tickets")
    at.run()
    assert not at.exception
    assert int(at.metric[0].value.replace(",", "")) == len(other)  # every ticket: no range was set on it
    assert _filter(at.date_input, "friction_dates").value == (first, last)
    # Back on the demo dataset: whatever range it shows is its own, and the count agrees with it.
    at.selectbox(key="friction_dataset").set_value(demo_name)
    at.run()
    shown = _filter(at.date_input, "friction_dates").value
    assert int(at.metric[0].value.replace(",", "")) == (30_000 if shown == (first, last) else narrowed)
