"""Chart builders: the map's spec carries the journey faithfully, and exports really render.

Assertions read the Vega-Lite spec (``chart.to_dict(validate=True)``): which rows each layer
draws and how they are encoded, since that is what Streamlit and vl-convert get.
"""

from __future__ import annotations

import json
import random
import re
import struct

import altair as alt
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.charts import COLOR_BY, MAP_FORMATS, emotion_curve, export_chart, journey_map, mark_count, style
from journeys.charts.blueprint import AXIS_PX
from journeys.charts.board import NORMAL, board_layout
from journeys.demo import current_state_journey, future_state_journey
from journeys.graph import check, most_likely_path
from journeys.model import CHANNELS, DEFAULT_LANES, DEFAULT_STAGES, Journey, Step, Transition
from tests.charts.spec_parts import spec_layer, spec_rows
from tests.strategies import examples, journeys

_VERBS = ["Opens", "Reads", "Checks", "Updates", "Confirms", "Reviews", "Sends", "Escalates", "Closes", "Searches"]
_OBJECTS = ["the invoice", "a billing article", "account settings", "the refund request", "payment details",
            "the order status", "a support ticket", "the renewal offer", "two-factor login", "the contract"]
_HANDLED = {"customer": "customer", "frontstage": "human", "backstage": "human", "system": "system"}


def big_journey(steps_per_cell: int = 8, total: int = 200, seed: int = 7) -> Journey:
    """A synthetic workshop-sized map: 6 stages × 4 lanes, ~8 steps per cell, ~1.5 transitions per step."""
    rng = random.Random(seed)
    cells = [(stage, lane) for stage in DEFAULT_STAGES for lane in DEFAULT_LANES]
    counts = {cell: steps_per_cell for cell in cells}
    for cell in rng.sample(cells, max(0, total - steps_per_cell * len(cells))):
        counts[cell] += 1
    steps = []
    for (stage, lane), count in counts.items():
        for k in range(count):
            kind = "outcome" if stage == DEFAULT_STAGES[-1] and k == count - 1 else rng.choice(
                ["touchpoint"] * 6 + ["decision"])
            steps.append(Step(
                id=f"{DEFAULT_STAGES.index(stage)}-{lane}-{k}", label=f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}",
                stage=stage, lane=lane, channel=rng.choice(CHANNELS[:7]), emotion=rng.choice([None, -2, -1, 0, 1, 2]),
                kind=kind, handled_by=_HANDLED[lane], owner=rng.choice(["", "Support", "Billing"])))
    pairs: dict[tuple[str, str], str] = {}
    for i, step in enumerate(steps[:-1]):
        pairs[(step.id, steps[i + 1].id)] = "normal"
        if rng.random() < 0.5:
            target = steps[min(len(steps) - 1, i + rng.randint(2, 40))]
            pairs.setdefault((step.id, target.id), rng.choice(["normal", "escalation", "fallback"]))
        if rng.random() < 0.05:
            pairs.setdefault((step.id, steps[max(0, i - rng.randint(1, 5))].id), "retry")
    pairs[(steps[10].id, steps[10].id)] = "retry"
    transitions = [Transition(source=s, target=t, kind=k, share=None) for (s, t), k in pairs.items()]
    return Journey(name="Synthetic 200", steps=steps, transitions=transitions, entry=steps[0].id)


# --- reading the spec ------------------------------------------------------------------------------------


def _has_layer(spec: dict, name: str) -> bool:
    return any(layer.get("name") == name for layer in spec["layer"])


def _params(spec: dict) -> list[dict]:
    return [*spec.get("params", []), *(p for layer in spec["layer"] for p in layer.get("params", []))]


@pytest.fixture(scope="module")
def demo() -> Journey:
    return current_state_journey()


# --- the map ---------------------------------------------------------------------------------------------


def test_one_card_per_step_at_its_board_position(demo: Journey) -> None:
    spec = journey_map(demo).to_dict(validate=True)
    nodes = spec_rows(spec, "steps")
    board = board_layout(demo)
    assert [n["id"] for n in nodes] == demo.step_ids()
    for n in nodes:
        card = board.cards[n["id"]]
        assert (n["x"], n["y"]) == pytest.approx((card.cx, card.cy))
        step = demo.step(n["id"])
        assert (n["label"], n["stage"], n["lane"], n["kind"]) == (step.label, step.stage, step.lane, str(step.kind))
        # the card sits in its stage's column and its lane's band
        (a, b), (top, bottom) = board.stage_spans[demo.stages.index(step.stage)], board.lane_spans[
            demo.lanes.index(step.lane)]
        assert a < n["left"] < n["right"] < b and top < n["top"] < n["bottom"] < bottom
    # stage headers and lane labels come from the journey, in its order
    enc = spec_layer(spec, "steps")["encoding"]
    assert all(stage in enc["x"]["axis"]["labelExpr"] for stage in demo.stages)
    assert all(lane.capitalize() in enc["y"]["axis"]["labelExpr"] for lane in demo.lanes)
    assert enc["y"]["scale"]["reverse"] is True and enc["y"]["scale"]["domain"] == [0.0, board.height]


def test_the_x_axis_and_stage_lines_follow_the_stage_spans(demo: Journey) -> None:
    spec = journey_map(demo).to_dict(validate=True)
    board = board_layout(demo)
    x = spec_layer(spec, "steps")["encoding"]["x"]
    assert x["scale"]["domain"] == pytest.approx([0, board.width])
    assert x["axis"]["values"] == pytest.approx([(a + b) / 2 for a, b in board.stage_spans])  # headers at centres
    stage_lines = spec_rows(spec, "stage_lines")
    assert sorted(r["x"] for r in stage_lines) == pytest.approx([b for _, b in board.stage_spans[:-1]])
    # every layer shares that scale, and the lane bands reach past the stages on both sides (panning)
    assert all(layer["encoding"]["x"]["scale"] == x["scale"] for layer in spec["layer"])
    bands = spec_rows(spec, "lanes")
    assert all(b["x"] < 0 and b["x_end"] > board.width for b in bands)
    # crowded stages are wider on screen too: the widest stage holds the most crowded cell
    widths = [b - a for a, b in board.stage_spans]
    crowd = [max([sum(t.stage == s.stage and t.lane == s.lane for t in demo.steps) for s in demo.steps
                  if s.stage == stage], default=0) for stage in demo.stages]
    assert widths.index(max(widths)) == crowd.index(max(crowd)) and min(widths) < max(widths)
    # routes stay on the board
    assert all(0 <= p["x"] <= board.width for p in spec_rows(spec, "edges"))


def test_stage_headers_wrap_only_where_the_stage_is_narrow(demo: Journey) -> None:
    chart = journey_map(demo)
    spec = chart.to_dict()
    board = board_layout(demo)
    narrowest = demo.stages[min(range(len(demo.stages)), key=lambda i: board.stage_spans[i][1]
                                - board.stage_spans[i][0])]
    assert " " in narrowest
    first, second = narrowest.split(" ", 1)
    for width, wrapped in ((700, True), (spec["usermeta"]["journeys"]["export_width"], False)):
        fitted = {**spec, "width": width, "autosize": {"type": "fit", "contains": "padding"}}
        svg = export_chart(alt.LayerChart.from_dict(fitted, validate=False), "svg").decode()
        assert (f"<tspan>{first}</tspan>" in svg and f">{second}</tspan>" in svg) is wrapped, width
        assert (f">{narrowest}<" in svg) is not wrapped, width


def test_one_edge_datum_per_transition_and_a_route_for_each(demo: Journey) -> None:
    spec = journey_map(demo).to_dict(validate=True)
    edges = spec_rows(spec, "arrows")
    assert sorted((e["source"], e["target"]) for e in edges) == sorted((t.source, t.target) for t in demo.transitions)
    by_pair = {(e["source"], e["target"]): e for e in edges}
    for t in demo.transitions:
        e = by_pair[(t.source, t.target)]
        assert e["kind"] == str(t.kind)
        assert e["share_text"] == f"{t.share:.0%}"
    points = spec_rows(spec, "edges")
    board = board_layout(demo)
    for e in edges:
        ends = sorted((p["order"], p["x"], p["y"]) for p in points if p["edge"] == e["edge"])
        assert len(ends) >= 4
        source, target = board.cards[e["source"]], board.cards[e["target"]]
        assert ends[0][1] == source.right and source.top < ends[0][2] < source.bottom  # leaves the source's side
        assert ends[-1][1] == target.left and target.top < ends[-1][2] < target.bottom  # enters the target's


def test_edge_styles_by_kind_and_self_loops() -> None:
    j = current_state_journey()
    j.transitions.append(Transition(source="triage", target="triage", kind="retry"))
    spec = journey_map(j).to_dict(validate=True)
    enc = spec_layer(spec, "edges")["encoding"]
    assert enc["color"]["scale"]["domain"] == ["normal", "escalation", "fallback", "retry"]
    colours = dict(zip(enc["color"]["scale"]["domain"], enc["color"]["scale"]["range"], strict=True))
    dashes = dict(zip(enc["strokeDash"]["scale"]["domain"], enc["strokeDash"]["scale"]["range"], strict=True))
    widths = dict(zip(enc["strokeWidth"]["scale"]["domain"], enc["strokeWidth"]["scale"]["range"], strict=True))
    assert widths["escalation"] > widths["normal"] and colours["escalation"] != colours["normal"]
    assert dashes["normal"] == dashes["escalation"] == [1, 0] and dashes["fallback"] != [1, 0] != dashes["retry"]
    loops = [e for e in spec_rows(spec, "arrows") if e["loop"]]
    assert [(e["source"], e["target"]) for e in loops] == [("triage", "triage")]
    loop = [p for p in spec_rows(spec, "edges") if p["edge"] == "triage→triage"]  # a small loop on the card's side
    card = board_layout(j).cards["triage"]
    assert loop and all(card.right <= p["x"] <= card.right + 20 and card.top < p["y"] < card.bottom for p in loop)


def test_selection_param_is_a_click_on_the_step_id(demo: Journey) -> None:
    spec = journey_map(demo, selection_name="pick").to_dict(validate=True)
    params = {p["name"]: p for p in _params(spec)}
    select = params["pick"]["select"]
    assert (select["type"], select["fields"], select["toggle"], select["clear"]) == ("point", ["id"], False, "dblclick")
    # only clicks on marks that carry a step id select (a click ending a pan must not report [{}])
    assert select["on"].startswith("click[") and "datum.id" in select["on"]
    assert params["pick"]["views"] == ["steps"]  # only a click on a step selects
    zoom = params["pick_zoom"]
    assert zoom["bind"] == "scales" and zoom["select"]["type"] == "interval" and zoom["select"]["encodings"] == ["x"]
    assert [name for name, p in params.items() if p["select"]["type"] == "point"] == ["pick"]


def _diff_ids(before: list[dict], after: list[dict]) -> set[str]:
    return {a["id"] for a, b in zip(before, after, strict=True) if a != b}


def test_highlight_selected_status_and_notes_touch_exactly_those_steps(demo: Journey) -> None:
    base_spec = journey_map(demo).to_dict(validate=True)
    base = spec_rows(base_spec, "steps")
    assert not _has_layer(base_spec, "rings") and spec_rows(base_spec, "selected_ring") == []

    findings = sorted({s for f in check(demo) for s in f.steps})
    spec = journey_map(demo, highlight=findings).to_dict(validate=True)
    assert findings and _diff_ids(base, spec_rows(spec, "steps")) == set(findings)
    assert sorted(r["id"] for r in spec_rows(spec, "rings")) == findings
    assert {r["ring"] for r in spec_rows(spec, "rings")} == {"check finding"}

    spec = journey_map(demo, selected="triage").to_dict(validate=True)
    assert _diff_ids(base, spec_rows(spec, "steps")) == {"triage"}
    assert [r["id"] for r in spec_rows(spec, "selected_ring")] == ["triage"]
    assert "datum.selected ? 'bold'" in spec_layer(spec, "labels")["mark"]["fontWeight"]["expr"]  # its label in bold

    status = {"login": "added", "triage": "changed", "renews": "removed", "handoff": "same"}
    spec = journey_map(demo, status=status).to_dict(validate=True)
    nodes = spec_rows(spec, "steps")
    assert _diff_ids(base, nodes) == {"login", "triage", "renews"}
    assert {n["id"]: n["opacity"] for n in nodes if n["opacity"] < 1} == {"renews": pytest.approx(0.45)}
    assert {(r["id"], r["ring"]) for r in spec_rows(spec, "rings")} == {
        ("login", "added"), ("triage", "changed"), ("renews", "removed")}

    spec = journey_map(demo, note_counts={"login": 2, "renews": 12, "ghost-step": 4}).to_dict(validate=True)
    assert _diff_ids(base, spec_rows(spec, "steps")) == {"login", "renews"}
    assert {b["id"]: b["count"] for b in spec_rows(spec, "badges")} == {"login": "2", "renews": "9+"}


def _without_data(spec: dict) -> str:
    """The spec with its data left out: what makes Streamlit rebuild a chart rather than update it."""
    spec = dict(spec)
    spec.pop("datasets")
    return re.sub(r'"data": \{"name": "[^"]+"\}', "", json.dumps(spec, sort_keys=True))


def test_selecting_another_step_changes_data_only(demo: Journey) -> None:
    specs = [journey_map(demo, selected=s, highlight=["login"]).to_dict(validate=True)
             for s in (None, "triage", "handoff")]
    assert len({_without_data(s) for s in specs}) == 1
    assert len({json.dumps(s["datasets"], sort_keys=True) for s in specs}) == 3


def test_bad_arguments_are_refused(demo: Journey) -> None:
    with pytest.raises(ValueError, match="color_by"):
        journey_map(demo, color_by="mood")
    with pytest.raises(ValueError, match="status"):
        journey_map(demo, status={"login": "gone"})


def test_colour_by_emotion_is_diverging_on_minus_two_to_two(demo: Journey) -> None:
    spec = journey_map(demo, color_by="emotion").to_dict(validate=True)
    colour = spec_layer(spec, "strips")["encoding"]["fill"]
    assert colour["field"] == "emotion"
    assert colour["scale"]["domain"][0] == -2 and colour["scale"]["domain"][-1] == 2
    assert colour["scale"]["domain"] == sorted(colour["scale"]["domain"])
    assert len(set(colour["scale"]["range"])) == len(colour["scale"]["domain"])
    assert any("isValid(datum.emotion)" in c["test"] for c in colour["condition"])  # no emotion: grey, not dropped


def test_colour_by_channel_lists_the_journeys_channels(demo: Journey) -> None:
    colour = spec_layer(journey_map(demo).to_dict(validate=True), "strips")["encoding"]["fill"]
    assert sorted(colour["scale"]["domain"]) == sorted({s.channel for s in demo.steps})
    assert len(colour["scale"]["range"]) == len(colour["scale"]["domain"])
    # a channel keeps its colour whatever else the journey holds
    only_web = Journey(name="w", steps=[Step(id="a", label="A", stage="Discover", channel="web")])
    web = spec_layer(journey_map(only_web).to_dict(validate=True), "strips")["encoding"]["fill"]["scale"]
    assert web["range"][web["domain"].index("web")] == colour["scale"]["range"][colour["scale"]["domain"].index("web")]
    assert set(style.CHANNEL_COLOURS) == set(CHANNELS)


def test_colour_by_lane(demo: Journey) -> None:
    colour = spec_layer(journey_map(demo, color_by="lane").to_dict(validate=True), "strips")["encoding"]["fill"]
    assert colour["field"] == "lane" and colour["scale"]["domain"] == demo.lanes


def test_long_labels_are_shortened_on_the_map_but_whole_in_the_tooltip() -> None:
    long = "Customer reads the very long and winding billing explanation page"
    j = Journey(name="l", steps=[Step(id="a", label=long, stage="Discover")])
    spec = journey_map(j).to_dict(validate=True)
    (node,) = spec_rows(spec, "steps")
    assert node["label"] == long
    assert node["text"].endswith("…") and node["text"].count("\n") == 2  # three lines, the last cut
    assert {"field": "label", "type": "nominal", "title": "step"} in spec_layer(spec, "steps")["encoding"]["tooltip"]


def test_demo_label_lines_fit_their_cards(demo: Journey) -> None:
    """Every line of every demo label fits its card at the font drawn (a generous width estimate)."""
    spec = journey_map(demo).to_dict(validate=True)
    room = NORMAL.text_w
    for n in spec_rows(spec, "labels"):
        assert all(style.text_width(line, n["font"]) <= room for line in n["text"].split("\n")), n["text"]
        assert n["text_x"] > n["left"] and n["text_y"] > n["top"]


def _legend_right_edge(svg: str) -> float:
    """The rightmost pixel any legend reaches, from the legend boxes in a rendered SVG (plot coordinates)."""
    boxes = re.findall(r'role-legend"[^>]*><g transform="translate\(([-\d.]+),[-\d.]+\)"><path class="background"'
                       r'[^>]*d="M0,0h([\d.]+)v', svg)
    assert boxes
    return max(float(x) + float(w) for x, w in boxes)


@pytest.mark.parametrize("color_by", COLOR_BY)
def test_legends_fit_under_a_narrow_map(color_by: str) -> None:
    j = current_state_journey()
    for i, s in enumerate(j.steps):  # every channel the model knows, so the channel legend is at its longest
        s.channel = CHANNELS[i % len(CHANNELS)]
    chart = journey_map(j, color_by=color_by, highlight=["login"],
                        status={"triage": "added", "handoff": "changed", "renews": "removed"})
    spec = chart.to_dict()
    width = 800
    fitted = {**spec, "width": width, "autosize": {"type": "fit", "contains": "padding"}}
    svg = export_chart(alt.LayerChart.from_dict(fitted, validate=False), "svg").decode()
    assert _legend_right_edge(svg) <= width - AXIS_PX  # legends start at the plot's left edge


def test_height_scales_with_lanes_unless_given(demo: Journey) -> None:
    spec = journey_map(demo).to_dict(validate=True)
    plot = spec["usermeta"]["journeys"]["plot_height"]
    assert plot >= len(demo.lanes) * (NORMAL.card_h + NORMAL.v_gap) and spec["height"] > plot  # + headers, legends
    assert journey_map(demo, height=333).to_dict(validate=True)["height"] == 333
    two_lanes = Journey(name="t", lanes=["customer", "system"], steps=[Step(id="a", label="A", stage="Discover")])
    small = journey_map(two_lanes).to_dict(validate=True)
    assert 2 * (NORMAL.card_h + NORMAL.v_gap) <= small["usermeta"]["journeys"]["plot_height"] < plot
    assert spec["width"] == "container"


def test_the_plot_keeps_its_height_in_a_container(demo: Journey) -> None:
    """Streamlit (and the export) fit headers, plot and legends into the chart's height: the plot still gets its own."""
    spec = journey_map(demo, highlight=["login"]).to_dict()
    plot = spec["usermeta"]["journeys"]["plot_height"]
    fitted = {**spec, "width": 900, "autosize": {"type": "fit", "contains": "padding"}}
    svg = export_chart(alt.LayerChart.from_dict(fitted, validate=False), "svg").decode()
    # the lane bands fill the plot from top to bottom
    (band,) = re.findall(r'role-mark lanes_marks"[^>]*>(.*?)</g>', svg)[:1]
    ys = [float(v) for v in re.findall(r'd="M[-\d.]+,([-\d.]+)h', band)]
    heights = [float(v) for v in re.findall(r'v([\d.]+)h', band)]
    drawn = max(y + h for y, h in zip(ys, heights, strict=True)) - min(ys)
    assert plot * 0.97 <= drawn <= plot * 1.1  # the header and legend room is estimated a little generously


def test_empty_journey_still_has_the_selection(demo: Journey) -> None:
    spec = journey_map(Journey(name="empty")).to_dict(validate=True)
    assert spec_rows(spec, "steps") == [] and "step" in {p["name"] for p in _params(spec)}


def test_a_200_step_map_stays_clickable_svg() -> None:
    j = big_journey()
    assert len(j.steps) == 200
    spec = journey_map(j, highlight=[s.id for s in j.steps[:20]], selected=j.steps[5].id,
                       note_counts={s.id: 1 for s in j.steps[::10]}).to_dict(validate=True)
    assert len(spec_rows(spec, "steps")) == 200
    assert mark_count(spec, per_datum_only=True) <= 2000  # Streamlit's switch to canvas
    assert mark_count(spec) <= 2000
    assert mark_count(spec) > mark_count(spec, per_datum_only=True)  # lines counted once per edge


@examples(40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journey=journeys(max_steps=12), data=st.data())
def test_any_valid_journey_draws(journey: Journey, data: st.DataObject) -> None:
    ids = journey.step_ids()
    picked = data.draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    chart = journey_map(
        journey, color_by=data.draw(st.sampled_from(["channel", "emotion", "lane"])), highlight=picked,
        selected=picked[0] if picked else None, status=dict.fromkeys(picked[1:], "changed"),
        note_counts=dict.fromkeys(picked, 3))
    spec = chart.to_dict(validate=True)
    assert [n["id"] for n in spec_rows(spec, "steps")] == ids
    arrows = spec_rows(spec, "arrows") if _has_layer(spec, "arrows") else []
    assert len(arrows) == len(journey.transitions)
    # no character SVG cannot hold (vl-convert aborts the whole process on them)
    assert not re.search(r"\\u00(0[0-8bcef]|1[0-9a-f])|\\uff(fe|ff)", json.dumps(spec))


_HOSTILE = """
from journeys.charts import emotion_curve, export_chart, journey_map
from journeys.model import Journey, Step, Transition
stages = ["お問い合わせ", "😀 happy", "quote \\" and '", "تسجيل الدخول", "a\\\\b </script>\\x07"]
lanes = ["Fehler – Kündigung", "<b>bold</b> & co", "x" * 60]
labels = ["Line\\nbreak", "<script>alert('x')</script>", "Tab\\there", "]]>", "\\x07bell\\x1f", "x" * 200]
steps = [Step(id=f"s{i}", label=label, stage=stages[i % 5], lane=lanes[i % 3], owner="\\x0bboss",
              channel=["web", "pigeon\\x01", ""][i % 3], emotion=[None, -2, 2][i % 3])
         for i, label in enumerate(labels)]
j = Journey(name="hostile", stages=stages, lanes=lanes, steps=steps, transitions=[
    Transition(source="s0", target="s1"), Transition(source="s1", target="s1", kind="retry"),
    Transition(source="s4", target="s0", kind="escalation")])
for color_by in ("channel", "emotion", "lane"):
    chart = journey_map(j, color_by=color_by, selected="s4", highlight=["s2"], note_counts={"s4": 2})
    for fmt in ("png", "svg", "pdf"):
        assert export_chart(chart, fmt)
assert export_chart(emotion_curve(j, ["s0", "s4", "s5"]), "png")
print("exported")
"""


def test_hostile_text_exports_without_crashing_the_process() -> None:
    """Control characters in labels once made vl-convert abort the interpreter; run it apart to survive that."""
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", _HOSTILE], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and "exported" in done.stdout, done.stderr[-2000:]


# --- the emotion curve -----------------------------------------------------------------------------------


def _curve_layer(spec: dict) -> dict:
    """The path's own points (coloured by tone); persona lines have points of their own."""
    (layer,) = [x for x in spec["layer"] if x["mark"]["type"] == "point"
                and x["encoding"].get("color", {}).get("field") == "tone"]
    return layer


def _curve_points(spec: dict) -> list[dict]:
    layer = _curve_layer(spec)
    return sorted(spec["datasets"][layer["data"]["name"]], key=lambda r: r["position"])


def test_emotion_curve_follows_the_most_likely_path(demo: Journey) -> None:
    spec = emotion_curve(demo).to_dict(validate=True)
    points = _curve_points(spec)
    path = most_likely_path(demo)
    assert [p["id"] for p in points] == path
    assert [p["emotion"] for p in points] == [demo.step(s).emotion for s in path]
    tones = {p["id"]: p["tone"] for p in points}
    assert all(tones[s] == ("negative" if demo.step(s).emotion < 0 else "positive" if demo.step(s).emotion > 0
                            else "neutral") for s in path)
    y = _curve_layer(spec)["encoding"]["y"]
    assert y["scale"]["domain"] == [-2, 2]
    assert any(x["mark"]["type"] == "rule" for x in spec["layer"])  # the zero line


def test_emotion_curve_takes_a_given_path_and_refuses_unknown_steps(demo: Journey) -> None:
    path = ["login", "open-chat", "bot-greeting", "handoff"]
    assert [p["id"] for p in _curve_points(emotion_curve(demo, path).to_dict(validate=True))] == path
    with pytest.raises(ValueError, match="nowhere"):
        emotion_curve(demo, ["login", "nowhere"])


# --- export ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_exports() -> dict[str, bytes]:
    j = current_state_journey()
    chart = journey_map(j, highlight=["community-post"], selected="triage", note_counts={"login": 1})
    return {fmt: export_chart(chart, fmt, scale=1) for fmt in MAP_FORMATS}


def test_export_writes_real_files(demo_exports: dict[str, bytes]) -> None:
    assert demo_exports["png"].startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", demo_exports["png"][16:24])
    spec = journey_map(current_state_journey()).to_dict()
    assert (width, height) == (spec["usermeta"]["journeys"]["export_width"], spec["height"])  # fitted, as in the app
    assert b"<svg" in demo_exports["svg"][:200]
    assert demo_exports["pdf"].startswith(b"%PDF")
    assert len(demo_exports["png"]) > 20_000  # a drawn map, not an empty canvas


def test_exported_svg_draws_every_step_with_its_label(demo_exports: dict[str, bytes]) -> None:
    svg = demo_exports["svg"].decode()
    j = current_state_journey()
    # the cards keep ARIA roles; each carries its step's label
    assert sorted(re.findall(r'aria-label="([^"]*)"[^>]*aria-roledescription="rect mark"', svg)) == sorted(
        s.label for s in j.steps)
    for stage in j.stages:
        assert f">{stage}<" in svg


def test_exported_emotion_map_keeps_steps_without_emotion() -> None:
    j = future_state_journey(current_state_journey())
    for s in j.steps[:5]:
        s.emotion = None
    svg = export_chart(journey_map(j, color_by="emotion"), "svg").decode()
    assert len(re.findall(r'aria-roledescription="rect mark"', svg)) == len(j.steps)
    assert svg.count(f'fill="{style.NO_VALUE_COLOUR}"') >= 10  # their strips and emotion dots are grey


def test_export_refuses_unknown_formats_and_remote_data(demo: Journey) -> None:
    with pytest.raises(ValueError, match="jpeg"):
        export_chart(journey_map(demo), "jpeg")
    import altair as alt

    remote = alt.Chart(alt.UrlData("https://example.invalid/data.csv")).mark_point().encode(x="a:Q")
    with pytest.raises(Exception, match=r"(?i)url|allowed|access"):
        export_chart(remote, "svg")


def test_emotion_curve_exports(demo: Journey) -> None:
    assert export_chart(emotion_curve(demo), "png", scale=1).startswith(b"\x89PNG")


# --- in Streamlit ----------------------------------------------------------------------------------------

_APP = """
import json
import streamlit as st
from journeys.charts import journey_map
from journeys.demo import current_state_journey

st.set_page_config(layout="wide")
picked = st.session_state.get("picked")
chart = journey_map(current_state_journey(), selected=picked, highlight=["community-post"])
event = st.altair_chart(chart, on_select="rerun", selection_mode=["step", "step_zoom"], key="map")
ids = event["selection"]["step"]
st.session_state["picked"] = ids[0]["id"] if ids else None
st.text("EVENT=" + json.dumps(event["selection"]["step"]))
"""


def test_streamlit_accepts_the_map_with_on_select() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(_APP, default_timeout=30).run()
    assert not at.exception
    (chart,) = [e for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]
    spec = json.loads(chart.proto.spec)
    assert {p["name"] for p in spec["params"]} == {"step", "step_zoom"}
    assert sorted(chart.proto.selection_mode) == ["step", "step_zoom"]
    assert at.text[0].value == "EVENT={}"  # Streamlit reports an empty point selection as {}
    at.session_state["map"] = {"selection": {"step": [{"id": "triage"}]}}
    at.run()
    assert not at.exception and at.text[0].value == 'EVENT=[{"id": "triage"}]'
    assert at.session_state["picked"] == "triage"


def test_export_survives_control_characters_in_any_chart() -> None:
    """Not only the map: a chart of ticket subjects with control characters must export too (run apart)."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import altair as alt, pandas as pd
from journeys.charts import export_chart
df = pd.DataFrame({"subject": ["Refund\\x07 please", "Invoice\\x1b[31m wrong"], "n": [3, 5]})
chart = alt.Chart(df, title="Tickets\\x08").mark_bar().encode(x="n:Q", y="subject:N")
for fmt in ("png", "svg", "pdf"):
    assert export_chart(chart, fmt)
print("exported")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and "exported" in done.stdout, done.stderr[-2000:]
