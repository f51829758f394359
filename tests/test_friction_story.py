"""Friction and Priorities tell one story on the demo; a strength is not written up as a pain point unasked;
a tiny import sends no NaN to the browser."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from journeys import open_workspace
from journeys.charts.friction_bars import BETTER, SIDE_COLOURS, WORSE
from journeys.demo import DEMO_JOURNEY
from journeys.painpoints import PainPoints
from journeys.store import Store
from journeys.usecases.prioritise import rank
from tests.pagetest import open_page


def _charts(at: AppTest) -> list[tuple[dict, dict[str, list[dict]]]]:
    """Every Vega-Lite chart on the page: its spec and its Arrow datasets (as rows)."""
    found = []
    for chart in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        datasets = {d.name: pa.ipc.open_stream(d.data.data).read_pandas().to_dict("records")
                    for d in chart.proto.datasets}
        found.append((json.loads(chart.proto.spec), datasets))
    return found


def test_the_steps_priorities_ranks_first_are_frictions_top_three(demo_home):
    with open_workspace(demo_home, name="demo") as ws:
        ranking = rank(ws)
        labels = {s.id: s.label for s in ws.journeys.get(DEMO_JOURNEY).steps}
    top = [step for score in ranking.scores[:3] for step in ranking.pains[score.key].pain.steps]
    assert len(top) == 3  # the demo's top three pain points are one step each
    at = open_page("friction", journey=DEMO_JOURNEY)
    table = at.dataframe[0].value
    assert {labels[s] for s in top} == set(table["Step"].head(3)), table.head(5)
    # The bot that hands half its chats over: the journey's worst escalation rate, guarded by the outcome rule.
    worst = table.loc[table["Escalated"].idxmax()]
    assert worst["Step"] in {labels[s] for s in top} and worst["Friction"] > 0
    assert worst["Main driver"] == "Escalation rate · outcome rule"
    assert any("Outcome rule:" in c.value and "cannot buy back" in c.value for c in at.caption)


def test_better_than_journey_scores_are_blue_bars_never_red(demo_home):
    at = open_page("friction", journey=DEMO_JOURNEY)
    (spec, data), = [(s, d) for s, d in _charts(at) if s.get("mark", {}).get("type") == "bar"]
    scale = spec["encoding"]["color"]["scale"]
    colour = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colour[BETTER] == SIDE_COLOURS[BETTER] == "#4575b4" and colour[WORSE] == "#d73027"
    rows = next(iter(data.values()))
    assert {r["side"] for r in rows if r["score"] <= 0} == {BETTER}
    assert {r["side"] for r in rows if r["score"] > 0} == {WORSE}
    assert len(rows) == len(at.dataframe[0].value) and any(r["score"] < 0 for r in rows)


def _pains(home: Path) -> set[str]:
    with Store.for_folder(home) as store:
        return {p.key for p in PainPoints(store).list("demo")}


def test_writing_up_a_metric_the_step_does_better_on_asks_first(demo_home):
    before = _pains(demo_home)
    at = open_page("friction", journey=DEMO_JOURNEY)
    at.selectbox(key="friction_step").set_value("phone-support")
    at.selectbox(key="friction_metric").set_value("csat")  # phone support's CSAT beats the journey's
    at.run()
    at.button(key="friction_write_up").click()
    at.run()
    assert not at.exception
    (asked,) = [w.value for w in at.warning if "write up anyway?" in w.value]
    assert asked == ("'Calls the support line' does better than the journey on CSAT; a pain point usually needs a "
                     "worse figure — write up anyway?")
    assert _pains(demo_home) == before  # nothing written yet
    at.button(key="friction_write_up_cancel").click()
    at.run()
    assert not [w for w in at.warning if "write up anyway?" in w.value] and _pains(demo_home) == before
    at.button(key="friction_write_up").click()
    at.run()
    at.button(key="friction_write_up_anyway").click()
    at.run()
    assert not at.exception
    (new,) = _pains(demo_home) - before
    assert at.get("page_link")[0].proto.label == f"Written up as {new}: open it on Priorities"


def test_a_worse_metric_is_written_up_without_a_question(demo_home):
    before = _pains(demo_home)
    at = open_page("friction", journey=DEMO_JOURNEY)
    at.selectbox(key="friction_step").set_value("billing-team")
    at.selectbox(key="friction_metric").set_value("resolution_p90")  # worse than the journey, not written up yet
    at.run()
    at.button(key="friction_write_up").click()
    at.run()
    assert not [w for w in at.warning if "write up anyway?" in w.value]
    assert len(_pains(demo_home) - before) == 1


def _strict(text: str) -> None:
    """Parse as the browser's JSON.parse does: NaN and Infinity are errors."""
    json.loads(text, parse_constant=lambda word: pytest.fail(f"{word} in JSON sent to the browser: {text[:300]}"))


def _arrow_blobs(at: AppTest) -> list[bytes]:
    """Every Arrow payload on the page: the tables and every chart's datasets."""
    charts = at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
    return [d.proto.arrow_data.data for d in at.dataframe] + [d.data.data for c in charts for d in c.proto.datasets]


def test_a_five_ticket_import_sends_no_nan_to_the_browser(demo_home, tmp_path):
    """Once the steps table's frame carried a baseline with NaN in its attrs, which pyarrow writes into the
    Arrow schema as JSON: the browser showed a red JSON.parse error instead of the table.

    Every map colour on one page (one import, one page open) rather than a fresh workspace per colour."""
    from journeys.demo.ticket_export import generate
    from journeys.tickets.workflow import import_dataset

    tiny = generate(400, 5)
    tiny = tiny[tiny["Subject"].isin(["Chat: invoice status", "Reset link expired"])].head(5).copy()
    tiny.loc[tiny.index[:3], "Satisfaction Score"] = ""  # no ratings on most: CSAT unknown
    tiny.loc[tiny.index[1:], "First reply time in minutes"] = None
    source = tmp_path / "tiny.csv"
    tiny.to_csv(source, index=False)
    with Store.for_folder(demo_home) as store:
        import_dataset(store, demo_home, "demo", "Tiny", source, "Tester")
    at = open_page("friction", journey=DEMO_JOURNEY)
    at.selectbox(key="friction_dataset").set_value("Tiny")
    for colour in ("friction", "csat", "resolution_p90"):
        at.selectbox(key="friction_colour").set_value(colour)
        at.run()
        assert at.metric[0].value == "5", colour
        for tab in ("Steps ranked", "Week by week"):
            at.session_state["friction_tab"] = tab
            at.run()
            assert not at.exception, (colour, tab, at.exception)
            assert at.selectbox(key="friction_colour").value == colour
            assert len(at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")) >= 2, (colour, tab)
            for spec in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
                _strict(spec.proto.spec)
            blobs = _arrow_blobs(at)
            assert len(blobs) >= 3, (colour, tab)
            for blob in blobs:
                metadata = pa.ipc.open_stream(blob).schema.metadata or {}
                _strict(metadata.get(b"pandas", b"{}").decode())


def test_to_browser_drops_attrs_and_infinities():
    import numpy as np
    import pandas as pd

    from journeys.charts.wire import to_browser

    frame = pd.DataFrame({"x": [1.0, np.inf, -np.inf, np.nan], "s": ["a", "b", "c", "d"], "n": [1, 2, 3, 4]})
    frame.attrs["baseline"] = {"csat": float("nan")}
    sent = to_browser(frame)
    assert sent.attrs == {} and frame.attrs  # the original is left alone
    assert sent["x"].isna().tolist() == [False, True, True, True] and sent["n"].tolist() == [1, 2, 3, 4]
    _strict(pa.Table.from_pandas(sent).schema.metadata[b"pandas"].decode())
    with pytest.raises(BaseException, match="NaN in JSON"):
        _strict(pa.Table.from_pandas(frame).schema.metadata[b"pandas"].decode())  # what the browser got before


def test_priorities_hand_form_asks_before_writing_up_a_metric_the_step_does_better_on(demo_home):
    before = _pains(demo_home)
    at = open_page("priorities")
    at.selectbox(key="pp_new_journey").set_value(DEMO_JOURNEY)
    at.run()

    def submit() -> None:
        at.text_input(key="pp_new_title").input("Phone support is too good")
        at.multiselect(key="pp_new_steps").set_value(["phone-support"])
        at.selectbox(key="pp_new_metric").set_value("csat")
        next(b for b in at.button if b.label == "Write it up").click()
        at.run()
        assert not at.exception, at.exception

    submit()
    assert any("does better than the journey on CSAT" in e.value and "write up anyway?" in e.value for e in at.error)
    assert _pains(demo_home) == before
    submit()  # the same submit again: written up
    assert not any("write up anyway?" in e.value for e in at.error)
    (new,) = _pains(demo_home) - before
    with Store.for_folder(demo_home) as store:
        (made,) = [p for p in PainPoints(store).list("demo") if p.key == new]
    assert made.pain.metric == "csat" and made.pain.steps == ["phone-support"]
