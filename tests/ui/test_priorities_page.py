"""The Priorities page over the demo tickets, through AppTest: ranking, editing, stale saves, filters, exports."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from journeys import open_workspace
from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.evidence import draft
from journeys.painpoints import PainPoint, PainPoints, Source, Status
from journeys.priorities import score_painpoints
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import Datasets
from journeys.tickets.engine import TicketEngine
from journeys.usecases.prioritise import rank
from tests.pagetest import open_page, store_at


def _write_up(home: Path, engine: TicketEngine, step: str, metric: str | None, journey: str = DEMO_JOURNEY,
              **fields) -> str:
    """A pain point as the Friction page writes it up (evidence frozen over the whole dataset)."""
    store = store_at(home)
    dataset = Datasets(store, home).list("demo")[0]
    loaded = store.load("demo", journey).journey
    table = engine.mapped(dataset, TicketStore(store).load_rules("demo", journey), loaded).table
    pain = draft(loaded, step, metric, table, start=None, end=None, dataset=dataset.name,
                 dataset_version=dataset.version)
    return PainPoints(store).create("demo", pain.model_copy(update=fields), "Sam")


def _page(**params: str) -> AppTest:
    return open_page("priorities", timeout=60, **params)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest):
    return at.dataframe[0].value


def _text(markdown: str) -> str:
    """What the reader sees of escaped Markdown (the page escapes text typed by people)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def _opened(at: AppTest) -> str:
    """The key of the pain point in the detail panel (its heading starts with the key)."""
    heading = next(s.value for s in at.subheader if s.value.startswith("PP-"))
    return heading.split(" ·")[0]


def _edit(at: AppTest, key: str, version: int, **values) -> None:
    """Fill the editor of a pain point (at the version shown) and press Save changes."""
    for field, value in values.items():
        widget = {"effort": at.number_input, "owner": at.text_input, "title": at.text_input,
                  "status": at.selectbox}[field]
        widget(key=f"pp_{key}_v{version}_{field}").set_value(value)
    at.button(key=f"FormSubmitter:pp_{key}_v{version}_form-Save changes").click()
    _run(at)


def _ranking(home: Path):
    """The workspace's ranking as the page's use case computes it (its own workspace and engine)."""
    with open_workspace(home, name="demo") as ws:
        return rank(ws)


def test_ranked_in_score_order_and_frequent_moderate_beats_rare_severe(home, engine):
    rare = _write_up(home, engine, "community-post", "csat")  # few tickets, CSAT far below the journey
    frequent = _write_up(home, engine, "agent-reply", "reopen_rate")  # many tickets, a little worse
    bot = _write_up(home, engine, "bot-invoice-status", "escalation_rate")
    at = _page()
    table = _table(at)
    ranking = _ranking(home)
    assert list(table["Key"]) == [s.key for s in ranking.scores]
    assert list(table["Rank"]) == list(range(1, len(table) + 1))
    assert list(table["Score"]) == sorted(table["Score"], reverse=True)
    # The pair ranks as the scoring function says: the rare one is worse per ticket, the frequent one reaches more.
    store = store_at(home)
    pains = [PainPoints(store).load("demo", k) for k in (rare, frequent)]
    dataset = Datasets(store, home).list("demo")[0]
    tables = {DEMO_JOURNEY: engine.mapped(dataset, TicketStore(store).load_rules("demo", DEMO_JOURNEY),
                                          store.load("demo", DEMO_JOURNEY).journey).table}
    pair = score_painpoints(pains, tables, ranking.weights)
    assert [s.key for s in pair] == [frequent, rare]
    assert pair[1].impact > pair[0].impact and pair[0].reach > pair[1].reach
    shown = list(table["Key"])
    assert shown.index(frequent) < shown.index(rare)
    # The formula is on the page; the top pain point is open below.
    assert "score = reach × impact × confidence ÷ effort" in at.markdown[0].value
    assert _opened(at) == shown[0]
    # Its evidence: frozen then, measured now, each with its sample size.
    at = _page(painpoint=bot)
    assert _opened(at) == bot
    first = at.dataframe[1].value.iloc[0]
    assert first["Metric"] == "Escalation rate" and first["n then"] > 0 and first["n now"] > 0
    assert first["Then"].endswith("%") and first["Now"].endswith("%")


def test_changing_effort_saves_version_2_and_moves_the_rank(home, engine):
    _write_up(home, engine, "bot-invoice-status", "repeat_contact_rate")
    _write_up(home, engine, "reset-password", "repeat_contact_rate")  # the demo's planted repeat contacts
    at = _page()
    order = list(_table(at)["Key"])
    leader = order[0]
    version = PainPoints(store_at(home)).load("demo", leader).version
    assert _opened(at) == leader
    _edit(at, leader, version, effort=400.0)
    stored = PainPoints(store_at(home)).load("demo", leader)
    assert stored.version == version + 1 and stored.pain.effort == 400.0 and stored.updated_by == "Tester"
    assert PainPoints(store_at(home)).history("demo", leader)[0].message == "Changed effort to 400 pw"
    table = _table(at).set_index("Key")
    assert table.loc[leader, "Rank"] > 1 and table.loc[order[1], "Rank"] == 1
    assert table.loc[leader, "Effort"] == "400 pw"
    assert _opened(at) == leader  # still open, now at the new version
    assert at.number_input(key=f"pp_{leader}_v{version + 1}_effort").value == 400.0


def test_a_stale_edit_is_refused_with_who_and_when_and_nothing_is_overwritten(home, engine):
    key = _write_up(home, engine, "reset-password", "reopen_rate")
    at = _page(painpoint=key)
    # A colleague saves first.
    colleague = PainPoints(store_at(home))
    mine = colleague.load("demo", key)
    colleague.save("demo", key, mine.pain.model_copy(update={"owner": "Ana", "status": Status.investigating}),
                   "Colleague", expected_version=1, message="Ana takes it")
    _edit(at, key, 1, effort=5.0)
    warning = next(w.value for w in at.warning if "Not saved" in w.value)
    assert f"Colleague saved version 2 of {key}" in warning and "UTC" in warning
    assert "version 1" in warning and "Changed effort to 5 pw" in warning
    stored = PainPoints(store_at(home)).load("demo", key)
    assert stored.version == 2 and stored.pain.owner == "Ana" and stored.pain.effort is None
    # The editor still shows what this person was looking at; applying on top keeps both changes.
    assert at.number_input(key=f"pp_{key}_v1_effort").value == 5.0
    at.button(key="pp_apply_on_top").click()
    _run(at)
    stored = PainPoints(store_at(home)).load("demo", key)
    assert stored.version == 3 and stored.pain.effort == 5.0 and stored.pain.owner == "Ana"
    assert stored.pain.status == Status.investigating
    assert not [w for w in at.warning if "Not saved" in w.value]


def test_reload_drops_the_stale_edit(home, engine):
    key = _write_up(home, engine, "reset-password", "reopen_rate")
    at = _page(painpoint=key)
    store = PainPoints(store_at(home))
    store.save("demo", key, store.load("demo", key).pain.model_copy(update={"owner": "Ana"}), "Colleague",
               expected_version=1)
    _edit(at, key, 1, owner="Ben")
    at.button(key="pp_reload").click()
    _run(at)
    assert PainPoints(store_at(home)).load("demo", key).pain.owner == "Ana"
    assert at.text_input(key=f"pp_{key}_v2_owner").value == "Ana"


@pytest.fixture
def journeys_only(tmp_path, monkeypatch) -> Path:
    """A workspace with the demo journeys, no tickets and no pain points."""
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    with Store.for_folder(tmp_path) as store:
        load_demo(store, "demo")
    return tmp_path


def test_empty_state_explains_how_to_start_and_a_title_is_required(journeys_only):
    at = _page()
    info = at.info[0].value
    assert "No pain points yet" in info and "Write up as a pain point" in info and "Make a pain point" in info
    assert "No ticket data in this workspace" in at.warning[0].value
    at.button(key="FormSubmitter:pp_new_form-Write it up").click()
    _run(at)
    assert "Give it a title" in at.error[0].value
    assert PainPoints(store_at(journeys_only)).list("demo") == []
    at.text_input(key="pp_new_title").set_value("Customers get locked out")
    at.multiselect(key="pp_new_steps").select("reset-password")
    at.button(key="FormSubmitter:pp_new_form-Write it up").click()
    _run(at)
    (stored,) = PainPoints(store_at(journeys_only)).list("demo")
    assert stored.pain.evidence == [] and stored.pain.source == Source.manual  # no tickets: nothing to freeze
    assert list(_table(at)["Key"]) == [stored.key] and _table(at).iloc[0]["Score"] == 0


def test_writing_one_up_by_hand_freezes_todays_numbers(home):
    before = {p.key for p in PainPoints(store_at(home)).list("demo")}
    at = _page()
    at.text_input(key="pp_new_title").set_value("Reset links expire before customers open them")
    at.multiselect(key="pp_new_steps").select("reset-password")
    at.selectbox(key="pp_new_metric").set_value("repeat_contact_rate")
    at.text_input(key="pp_new_owner").set_value("Identity team")
    at.number_input(key="pp_new_effort").set_value(3.0)
    at.button(key="FormSubmitter:pp_new_form-Write it up").click()
    _run(at)
    (stored,) = [p for p in PainPoints(store_at(home)).list("demo") if p.key not in before]
    pain = stored.pain
    assert (pain.source, pain.steps, pain.metric, pain.owner, pain.effort) == (
        Source.manual, ["reset-password"], "repeat_contact_rate", "Identity team", 3.0)
    repeat = next(e for e in pain.evidence if e.metric == "repeat_contact_rate")
    assert repeat.n > 0 and repeat.value > repeat.baseline  # today's numbers, frozen
    assert len(pain.example_tickets) == 5
    assert stored.key in set(_table(at)["Key"]) and _opened(at) == stored.key
    assert at.text_input(key="pp_new_title").value == ""


def _stage_of(home: Path, key: str) -> set[str]:
    pain = PainPoints(store_at(home)).load("demo", key).pain
    journey = store_at(home).load("demo", pain.journey).journey
    return {journey.step(s).stage for s in pain.steps}


def test_filters_by_journey_stage_owner_and_status(home, engine):
    reset = _write_up(home, engine, "reset-password", "repeat_contact_rate", owner="Ida (identity)")  # Self-serve
    _write_up(home, engine, "bot-invoice-status", "csat", owner="Bo (bots)", status=Status.planned)  # Contact
    billing = _write_up(home, engine, "billing-team", "reopen_rate", owner="Ida (identity)",
                        status=Status.wont_fix)  # Resolve
    future = _write_up(home, engine, "proactive-fix", None, journey=DEMO_FUTURE)
    everything = PainPoints(store_at(home)).list("demo")
    at = _page()
    assert len(_table(at)) == len(everything)
    at.multiselect(key="pp_f_stage").select("Self-serve")
    _run(at)
    assert set(_table(at)["Key"]) == {p.key for p in everything if "Self-serve" in _stage_of(home, p.key)}
    assert reset in set(_table(at)["Key"])
    at.multiselect(key="pp_f_stage").unselect("Self-serve")
    at.multiselect(key="pp_f_owner").select("Ida (identity)")
    _run(at)
    assert sorted(_table(at)["Key"]) == sorted([reset, billing])
    at.multiselect(key="pp_f_status").select("won't fix")
    _run(at)
    assert list(_table(at)["Key"]) == [billing]
    at.multiselect(key="pp_f_owner").unselect("Ida (identity)")
    at.multiselect(key="pp_f_status").unselect("won't fix")
    at.multiselect(key="pp_f_journey").select(DEMO_FUTURE)
    _run(at)
    assert list(_table(at)["Key"]) == [future]
    at.multiselect(key="pp_f_journey").unselect(DEMO_FUTURE)
    at.selectbox(key="pp_sort").set_value("Effort (smallest first)")
    _run(at)
    table = _table(at)
    efforts = [float(e.split()[0]) for e in table["Effort"]]
    assert efforts == sorted(efforts) and len(table) == len(everything)


def test_exports_contain_the_ranked_rows_neutralised(home, engine, monkeypatch):
    formula = _write_up(home, engine, "reset-password", "csat", title='=HYPERLINK("http://x","reset")', owner="@bob")
    _write_up(home, engine, "bot-invoice-status", "repeat_contact_rate", title="Bot | escalates <b>often</b>")
    files: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def remember(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        files[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", remember)
    at = _page()
    keys = list(_table(at)["Key"])
    rows = list(csv.DictReader(io.StringIO(files["priorities-demo.csv"]())))
    assert [r["key"] for r in rows] == keys and [r["rank"] for r in rows] == [str(i + 1) for i in range(len(keys))]
    by_key = {r["key"]: r for r in rows}
    assert by_key[formula]["title"].startswith("'=HYPERLINK") and by_key[formula]["owner"] == "'@bob"
    assert float(by_key[keys[0]]["score"]) >= float(by_key[keys[1]]["score"])
    markdown = files["priorities-demo.md"]()
    assert "score = reach × impact × confidence ÷ effort" in markdown
    assert "<b>" not in markdown and "| 1 | " in markdown
    assert markdown.index(f"| 1 | {keys[0]}") < markdown.index(f"| 2 | {keys[1]}")
    # Filters narrow the export to what is listed.
    at.multiselect(key="pp_f_owner").select("@bob")
    _run(at)
    assert [r["key"] for r in csv.DictReader(io.StringIO(files["priorities-demo.csv"]()))] == [formula]
    assert "Bot / escalates" not in files["priorities-demo.md"]()


def test_mark_reviewed_then_a_changed_score_shows_the_moves(home, engine):
    _write_up(home, engine, "reset-password", "repeat_contact_rate")
    _write_up(home, engine, "bot-invoice-status", "repeat_contact_rate")
    at = _page()
    assert any("Not reviewed yet" in m.value for m in at.markdown)
    order = list(_table(at)["Key"])
    at.button(key="pp_mark_reviewed").click()
    _run(at)
    assert any(m.value.startswith("**Last reviewed by Tester** on ") for m in at.markdown)
    assert set(_table(at)["Change"]) == {""}
    leader = order[0]
    store = PainPoints(store_at(home))
    current = store.load("demo", leader)
    store.save("demo", leader, current.pain.model_copy(update={"effort": 1000.0}), "Colleague",
               expected_version=current.version)
    _run(at)
    table = _table(at).set_index("Key")
    assert table.loc[leader, "Change"] == f"▼ {table.loc[leader, 'Rank'] - 1}"
    assert table.loc[order[1], "Change"] == "▲ 1" and table.loc[order[1], "Rank"] == 1
    assert "pain point(s) moved" in " ".join(c.value for c in at.caption)
    # A pain point written up after the review is "new".
    later = _write_up(home, engine, "credit-issued", "reopen_rate")
    _run(at)
    assert _table(at).set_index("Key").loc[later, "Change"] == "new"


def test_deep_link_table_row_and_chart_click_open_a_pain_point(home, engine):
    for step, metric in (("bot-invoice-status", "csat"), ("reset-password", "csat"), ("billing-team", "csat")):
        _write_up(home, engine, step, metric)
    keys = [p.key for p in PainPoints(store_at(home)).list("demo")]
    at = _page(painpoint="PP-2")
    assert _opened(at) == "PP-2"
    assert at.text_input(key="pp_PP-2_v1_title").value == PainPoints(store_at(home)).load("demo", "PP-2").pain.title
    # A table row.
    table_id = at.dataframe[0].proto.id
    table_key = table_id[table_id.index("pp_table_"):]
    row = list(_table(at)["Key"]).index("PP-3")
    at.session_state[table_key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    _run(at)
    assert _opened(at) == "PP-3" and at.query_params["painpoint"] in ("PP-3", ["PP-3"])
    # A click on the chart.
    at.session_state["pp_chart"] = {"selection": {"pick": [{"key": keys[-1]}]}}
    _run(at)
    assert _opened(at) == keys[-1]
    _run(at)  # a rerun that changes nothing keeps it
    assert _opened(at) == keys[-1]


def test_an_unknown_deep_link_says_so(home, engine):
    _write_up(home, engine, "reset-password", "csat")
    at = _page(painpoint="PP-99")
    assert any("no pain point 'PP-99'" in _text(w.value) for w in at.warning)
    assert _opened(at) == _table(at).iloc[0]["Key"]


def test_quotes_are_added_removed_and_shown_as_text(home, engine):
    key = _write_up(home, engine, "reset-password", "csat")
    at = _page(painpoint=key)
    at.text_area(key=f"pp_{key}_v1_new_quote").set_value("I *never* got the <b>link</b> [click](http://x)")
    at.button(key=f"FormSubmitter:pp_{key}_v1_quote_form-Add quote").click()
    _run(at)
    stored = PainPoints(store_at(home)).load("demo", key)
    assert stored.version == 2 and stored.pain.quotes == ["I *never* got the <b>link</b> [click](http://x)"]
    shown = next(m.value for m in at.markdown if "never" in m.value)
    assert "\\*never\\*" in shown and "\\<b\\>" in shown and "\\[click\\]" in shown
    at.button(key=f"pp_{key}_v2_rm_0").click()
    _run(at)
    assert PainPoints(store_at(home)).load("demo", key).pain.quotes == []


def test_a_delivery_link_must_be_a_web_address(home, engine):
    key = _write_up(home, engine, "reset-password", "csat")
    at = _page(painpoint=key)
    at.text_input(key=f"pp_{key}_v1_link").set_value("jira/PROJ-1")
    at.button(key=f"FormSubmitter:pp_{key}_v1_form-Save changes").click()
    _run(at)
    assert "Delivery link: must be a web address starting with https" in _text(at.error[0].value)
    assert PainPoints(store_at(home)).load("demo", key).version == 1
    at.text_input(key=f"pp_{key}_v1_link").set_value("https://github.com/example/billing-portal/issues/7")
    at.button(key=f"FormSubmitter:pp_{key}_v1_form-Save changes").click()
    _run(at)
    assert PainPoints(store_at(home)).load("demo", key).pain.delivery_link.endswith("/issues/7")
    (button,) = at.get("link_button")
    assert button.proto.url == "https://github.com/example/billing-portal/issues/7"


def test_weights_are_saved_against_the_version_shown(home, engine):
    from journeys.priorities import ScoringWeights, load_weights, save_weights

    _write_up(home, engine, "reset-password", "csat")
    at = _page()
    at.number_input(key="pp_w0_reach").set_value(0.5)
    at.button(key="FormSubmitter:pp_w0_form-Save weights").click()
    _run(at)
    assert "score = reach^0.5 × impact × confidence ÷ effort" in at.markdown[0].value
    assert load_weights(store_at(home), "demo")[0].reach == 0.5
    # A colleague changes them meanwhile: this session's next save is refused, with who and when.
    save_weights(store_at(home), "demo", ScoringWeights(effort=2), "Colleague", expected_version=1)
    at.number_input(key="pp_w1_confidence").set_value(2.0)
    at.button(key="FormSubmitter:pp_w1_form-Save weights").click()
    _run(at)
    message = _text(at.error[0].value)
    assert "Weights not saved: Colleague saved version 2 of the scoring weights" in message
    weights, version = load_weights(store_at(home), "demo")
    assert (version, weights.effort, weights.confidence) == (2, 2, 1)
    assert "score = reach × impact × confidence ÷ effort^2" in at.markdown[0].value


def test_without_ticket_data_every_score_is_zero_and_the_page_says_why(journeys_only):
    with Store.for_folder(journeys_only) as store:
        PainPoints(store).create("demo", PainPoint(title="Customers get locked out", journey=DEMO_JOURNEY,
                                                   steps=["reset-password"]), "Sam")
    at = _page()
    assert "No ticket data in this workspace, so every score is 0" in at.warning[0].value
    table = _table(at)
    assert list(table["Key"]) == ["PP-1"] and table.iloc[0]["Score"] == 0
    assert "No ticket data, so reach, impact and confidence are 0." in [c.value for c in at.caption]


def test_value_effort_chart_sends_no_nan_or_inf_and_leaves_room_above_the_top_bubble():
    """NaN/inf in a Vega spec reaches the browser as invalid JSON (a red box); the largest bubble sat on the frame."""
    import json

    import pandas as pd

    from journeys.charts.priority_bubbles import value_effort_chart

    nan, inf = float("nan"), float("inf")
    data = pd.DataFrame({"key": ["PP-1", "PP-2", "PP-3", "PP-4"], "title": ["a", "b", "c", "d"],
                         "status": ["new", "planned", "new", "resolved"], "effort": [1.0, inf, nan, 0.5],
                         "value": [nan, inf, 800.0, 10.0], "reach": [1.0, nan, 300.0, inf],
                         "score": [1.0, -inf, 2.0, 3.0], "selected": [True, False, False, False]})
    spec = value_effort_chart(data).to_dict()
    json.dumps(spec, allow_nan=False)  # raises on NaN/inf anywhere in the spec or its data
    y_domain = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert y_domain[1] >= 800 * 1.15
    x_domain = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert x_domain[0] < 0.5 and 1.0 < x_domain[1] < 10


def test_the_ranked_table_leaves_the_title_room_to_wrap(home, engine):
    """At 1280 px beside the sidebar the table has about 820 px: impact and confidence live in the pain point's own
    view, the journey column only when the list spans journeys, and rows tall enough for titles to wrap."""
    from ui.priorities_view import ROW_HEIGHT, shown_columns

    at = _page()
    frame = at.dataframe[0]
    assert list(frame.proto.column_order) == shown_columns(_table(at))
    assert "Pain point" in frame.proto.column_order and "Impact" not in frame.proto.column_order
    assert "Journey" not in frame.proto.column_order  # the demo's pain points are all on one journey
    assert frame.proto.row_height == ROW_HEIGHT > 64  # Streamlit wraps text only in rows over 4 rem
