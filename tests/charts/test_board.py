"""The journey map as a board: cards in their cells, labels whole, routes between cards, a valid spec.

Geometry is checked on :mod:`journeys.charts.board` (what the chart draws) and on the spec's own
datasets (what Streamlit and vl-convert get), on the demo and on random journeys.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given

from journeys.charts import export_chart, journey_map, style
from journeys.charts.board import FULL_LABEL, NORMAL, PRESENT, Board, board_layout, fold_columns, routes, wrap_label
from journeys.demo import current_state_journey
from journeys.model import Journey, Step, Transition
from tests.strategies import examples, journeys


def _layer_rows(spec: dict, name: str) -> list[dict]:
    layer = next(layer for layer in spec["layer"] if layer.get("name") == name)
    return spec["datasets"][layer["data"]["name"]]


def _words_kept(label: str, lines: tuple[str, ...]) -> bool:
    drawn = " ".join(lines).split()
    return drawn == label.split()


def _check_cards(journey: Journey, board: Board) -> None:
    """Every card inside its cell, no two cards overlapping, and short labels whole."""
    cards = list(board.cards.values())
    assert sorted(board.cards) == sorted(journey.step_ids())
    for card in cards:
        x0, y0, x1, y1 = card.cell
        assert x0 <= card.left < card.right <= x1 and y0 <= card.top < card.bottom <= y1, card.id
    for i, a in enumerate(cards):
        for b in cards[i + 1:]:
            apart = a.right <= b.left or b.right <= a.left or a.bottom <= b.top or b.bottom <= a.top
            assert apart, (a.id, b.id)
    for step in journey.steps:
        label = " ".join(style.clean(step.label).split())
        card = board.cards[step.id]
        assert 1 <= len(card.lines) <= 3
        if len(label) <= FULL_LABEL:
            assert _words_kept(label, card.lines), (label, card.lines)
            assert not card.lines[-1].endswith("…") or label.endswith("…")


def _crosses(segment: tuple[tuple[float, float], tuple[float, float]], card) -> bool:
    """Whether an axis-aligned segment passes through the card's inside (touching its border is fine)."""
    (xa, ya), (xb, yb) = segment
    lo_x, hi_x, lo_y, hi_y = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)
    return lo_x < card.right - 1e-6 and hi_x > card.left + 1e-6 and lo_y < card.bottom - 1e-6 and \
        hi_y > card.top + 1e-6


def _check_routes(journey: Journey, board: Board) -> None:
    pairs = [(t.source, t.target) for t in journey.transitions]
    drawn = routes(board, pairs)
    assert [(r.source, r.target) for r in drawn] == pairs
    for route in drawn:
        points = route.points
        assert len(points) >= 2
        for a, b in pairwise(points):
            assert a[0] == b[0] or a[1] == b[1], route  # orthogonal
            for card in board.cards.values():
                assert not _crosses((a, b), card), (route.source, route.target, card.id)
        if route.source != route.target:
            start, end = board.cards[route.source], board.cards[route.target]
            assert points[0][0] == start.right and start.top < points[0][1] < start.bottom
            assert points[-1][0] == end.left and end.top < points[-1][1] < end.bottom


@pytest.mark.parametrize("metrics", [NORMAL, PRESENT], ids=["normal", "present"])
def test_demo_board_cards_labels_and_routes(metrics) -> None:
    demo = current_state_journey()
    board = board_layout(demo, metrics)
    _check_cards(demo, board)
    _check_routes(demo, board)
    assert all(card.font == metrics.font for card in board.cards.values())  # no demo label needs a smaller font
    assert board.width <= metrics.target_width  # folded to fit the screen it is meant for


def test_stage_columns_fit_their_busiest_lane_and_lanes_their_tallest_cell() -> None:
    demo = current_state_journey()
    board = board_layout(demo, PRESENT)
    pitch_x = PRESENT.card_w + PRESENT.h_gap
    for (a, b), stage in zip(board.stage_spans, demo.stages, strict=True):
        in_stage = [c for s, c in ((s, board.cards[s.id]) for s in demo.steps) if s.stage == stage]
        assert all(a < c.left and c.right < b for c in in_stage)
        columns = round((b - a) / pitch_x)
        assert columns == len({c.left for c in in_stage}) or not in_stage
    # the crowded Self-serve stage (five customer steps) gets more columns than a one-step stage
    widths = [b - a for a, b in board.stage_spans]
    assert widths[demo.stages.index("Self-serve")] > widths[demo.stages.index("Notice problem")]


def test_folding_takes_columns_where_rows_are_free_first() -> None:
    # stage 0 has 3 cards in one lane, stage 1 has 3 cards in the same lane and 2 in another
    crowd = [[3, 0], [3, 2]]
    wide = NORMAL.card_w + NORMAL.h_gap
    assert fold_columns(crowd, NORMAL.__class__(target_width=6 * wide)) == [3, 3]
    assert sum(fold_columns(crowd, NORMAL.__class__(target_width=4 * wide))) == 4
    assert fold_columns(crowd, NORMAL.__class__(target_width=1)) == [1, 1]  # cannot fold further


@pytest.mark.parametrize(("label", "chars"), [
    ("Billing team corrects the invoice", 14),
    ("Authenticationverificationprocessstep x", 14),  # a word longer than a line: smaller, never cut
    ("a bb ccc dddd eeeee ffffff ggggggg hhhhhh", 14),
    ("Posts in the community forum", 5),
])
def test_labels_up_to_40_characters_are_never_cut(label: str, chars: int) -> None:
    lines, factor = wrap_label(label, chars)
    assert len(lines) <= 3 and " ".join(lines).split() == label.split()
    assert 0 < factor <= 1 and max(len(line) for line in lines) * factor <= chars + 1e-9


def test_longer_labels_end_in_an_ellipsis_and_keep_the_full_text_in_the_tooltip() -> None:
    label = "Customer reads the whole billing help centre article about refunds and credit notes twice"
    lines, factor = wrap_label(label, 14)
    assert len(lines) == 3 and lines[-1].endswith("…") and factor == 1
    j = Journey(name="Long", steps=[Step(id="a", label=label, stage="Discover", lane="customer")], entry="a")
    spec = journey_map(j).to_dict(validate=True)
    row = _layer_rows(spec, "labels")[0]
    assert row["label"] == label and row["text"].endswith("…")


def test_spec_cards_match_the_board_and_text_lines_are_the_wrapped_label() -> None:
    demo = current_state_journey()
    spec = journey_map(demo, present=True).to_dict(validate=True)
    board = board_layout(demo, PRESENT)
    for row in _layer_rows(spec, "steps"):
        card = board.cards[row["id"]]
        assert (row["left"], row["top"], row["right"], row["bottom"]) == (card.left, card.top, card.right,
                                                                          card.bottom)
        assert row["text"].split("\n") == list(card.lines)
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.0, board.width]
    assert spec["usermeta"]["journeys"]["present"] is True
    normal = journey_map(demo).to_dict(validate=True)
    assert _layer_rows(spec, "labels")[0]["font"] > _layer_rows(normal, "labels")[0]["font"]  # larger type


def test_routes_in_the_spec_follow_the_board_and_arrowheads_sit_at_the_target() -> None:
    demo = current_state_journey()
    spec = journey_map(demo).to_dict(validate=True)
    board = board_layout(demo, NORMAL)
    points = _layer_rows(spec, "edges")
    arrows = {(a["source"], a["target"]): a for a in _layer_rows(spec, "arrows")}
    assert len(arrows) == len(demo.transitions)
    for t in demo.transitions:
        edge = sorted((p for p in points if p["edge"] == f"{t.source}→{t.target}"), key=lambda p: p["order"])
        assert edge[-1]["x"] == board.cards[t.target].left
        assert (arrows[(t.source, t.target)]["tx"], arrows[(t.source, t.target)]["ty"]) == (edge[-1]["x"],
                                                                                         edge[-1]["y"])
        assert arrows[(t.source, t.target)]["shape"] == "triangle-right"
    kinds = {p["kind"] for p in points}
    assert {"escalation", "fallback", "retry", "normal"} <= kinds  # still told apart by the legend's scales
    # A route's tooltip words come from its arrowhead's row: every route finds exactly one.
    line = next(layer for layer in spec["layer"] if layer.get("name") == "edges")
    (lookup,) = line["transform"]
    assert lookup["from"]["data"]["name"] == next(
        layer["data"]["name"] for layer in spec["layer"] if layer.get("name") == "arrows")
    assert {"from", "to", "share_text"} <= set(lookup["from"]["fields"])
    by_edge = Counter(a["edge"] for a in arrows.values())
    assert all(by_edge[p["edge"]] == 1 for p in points)


def test_a_self_loop_is_a_small_loop_at_the_card() -> None:
    at = {"stage": "Discover", "lane": "customer"}
    steps = [Step(id="a", label="Retry login", **at), Step(id="b", label="Done", kind="outcome", **at)]
    j = Journey(name="Loop", steps=steps,
                transitions=[Transition(source="a", target="a", kind="retry"), Transition(source="a", target="b")],
                entry="a")
    board = board_layout(j)
    loop = routes(board, [("a", "a")])[0]
    card = board.cards["a"]
    assert loop.points[0][0] == loop.points[-1][0] == card.right and loop.heading == -1
    assert all(card.right <= x <= card.right + NORMAL.h_gap / 2 for x, _ in loop.points)
    spec = journey_map(j).to_dict(validate=True)
    assert any(a["loop"] and a["shape"] == "triangle-left" for a in _layer_rows(spec, "arrows"))


def test_the_emotion_band_follows_the_most_likely_path_under_the_stages() -> None:
    demo = current_state_journey()
    spec = journey_map(demo).to_dict(validate=True)
    board = board_layout(demo, NORMAL)
    curve = _layer_rows(spec, "emotion_points")
    assert curve and [p["position"] for p in curve] == sorted(p["position"] for p in curve)
    for p in curve:
        stage = demo.stages.index(p["stage"])
        a, b = board.stage_spans[stage]
        assert a <= p["x"] <= b  # under its stage, on the board's x scale
        assert board.lanes_bottom < p["y"] <= board.height
        assert p["y"] == pytest.approx(board.emotion_y(p["emotion"]))
    assert "Emotion 0" in json.dumps(spec["layer"][0]["encoding"]["y"]["axis"]["labelExpr"])


def test_personas_who_feel_differently_get_their_own_line_in_the_band() -> None:
    demo = current_state_journey()
    spec = journey_map(demo).to_dict(validate=True)
    board = board_layout(demo, NORMAL)
    curve = {p["id"]: p for p in _layer_rows(spec, "emotion_points")}
    lines = _layer_rows(spec, "persona_lines")
    differing = {p for s in demo.steps if s.id in curve for p in s.persona_emotions}
    assert differing and {row["persona"] for row in lines} == differing
    by_point = {(row["persona"], row["x"]): row for row in lines}
    for persona in differing:
        for sid, point in curve.items():
            row = by_point[(persona, point["x"])]  # every point of the curve, at the curve's x
            assert row["y"] == pytest.approx(board.emotion_y(demo.emotion_of(sid, persona)))
    assert any(row["y"] != curve[sid]["y"] for sid in curve for row in lines if row["x"] == curve[sid]["x"])
    plain = demo.model_copy(update={"steps": [s.model_copy(update={"persona_emotions": {}}) for s in demo.steps]})
    assert "persona_lines" not in {layer.get("name") for layer in journey_map(plain).to_dict()["layer"]}


def test_exported_svg_draws_the_board_with_every_label_line() -> None:
    demo = current_state_journey()
    svg = export_chart(journey_map(demo), "svg").decode()
    board = board_layout(demo, NORMAL)
    for card in board.cards.values():
        for line in card.lines:
            assert f">{line}<" in svg.replace("&amp;", "&"), line
    assert export_chart(journey_map(demo, present=True), "png", scale=1).startswith(b"\x89PNG")


@examples(40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys(max_steps=14))
def test_random_journeys_make_a_valid_board(journey: Journey) -> None:
    board = board_layout(journey, NORMAL)
    _check_cards(journey, board)
    _check_routes(journey, board)
    spec = journey_map(journey, highlight=journey.step_ids()[:2], selected=next(iter(journey.step_ids()), None),
                       note_counts={s: 1 for s in journey.step_ids()[:1]}).to_dict(validate=True)
    json.dumps(spec, allow_nan=False)  # no NaN or inf reaches the browser
    for rows in spec["datasets"].values():
        for row in rows:
            assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in row.values())


# --- the Journey map page ---------------------------------------------------------------------------------


def test_present_deep_link_shows_only_the_board_and_leaving_brings_the_editor_back(tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from journeys.demo import DEMO_JOURNEY
    from tests.ui.test_pages import APP

    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["author"] = "Tester"
    at.query_params["journey"] = DEMO_JOURNEY
    at.query_params["present"] = "1"
    at.run()
    at.switch_page("pages/map.py")
    at.run()
    assert not at.exception, at.exception
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["usermeta"]["journeys"]["present"] is True
    main = at.main  # the sidebar (hidden by CSS in Present) keeps the frame's own widgets
    assert not main.title and not main.button and not main.selectbox and not main.text_input  # no editing chrome
    assert [t.label for t in main.toggle] == ["Present"]
    at.toggle(key="map_present").set_value(False).run()
    assert not at.exception and at.title[0].value == "Journey map"
    assert at.query_params.get("present") in (None, [])
    (chart,) = at.get("vega_lite_chart")
    assert json.loads(chart.proto.spec)["usermeta"]["journeys"]["present"] is False
