"""The flow overlay on the journey map: how customers actually moved, over the designed transitions.

Assertions read the Vega-Lite spec's datasets (what each layer draws, with which width and
tooltip), as in ``test_charts.py``, and rendered SVGs where only Vega knows the answer.
"""

from __future__ import annotations

import json
import math
import random
import re
from itertools import pairwise
from types import SimpleNamespace

import altair as alt
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.charts import export_chart, journey_map, mark_count, style
from journeys.charts import flow as flows
from journeys.charts.blueprint import ARROW_SIZE, AXIS_PX
from journeys.charts.flow import FlowOverlay
from journeys.charts.overlay import MetricOverlay
from journeys.demo import current_state_journey
from journeys.model import CHANNELS, Journey, Step, Transition
from tests.charts.test_charts import big_journey
from tests.strategies import examples, journeys

# Counts on most designed transitions (two nobody took), four routes the map lacks, a loop on the login,
# and pairs naming ids the journey lacks.
DESIGNED = {
    ("in-app-alert", "notice-issue"): 1200, ("notice-issue", "login"): 930, ("notice-issue", "phone-support"): 210,
    ("login", "search-help"): 480, ("login", "open-chat"): 310, ("login", "reset-password"): 190,
    ("reset-password", "login"): 175, ("search-help", "read-article"): 300, ("search-help", "community-post"): 0,
    ("search-help", "open-chat"): 120, ("read-article", "invoice-fixed"): 90, ("read-article", "open-chat"): 140,
    ("read-article", "email-support"): 60, ("open-chat", "bot-greeting"): 560, ("bot-greeting", "bot-faq"): 330,
    ("bot-greeting", "bot-invoice-status"): 150, ("bot-greeting", "handoff"): 45, ("bot-faq", "invoice-fixed"): 40,
    ("bot-faq", "handoff"): 150, ("bot-faq", "bot-greeting"): 70, ("bot-invoice-status", "bot-closed"): 150,
    ("email-support", "ticket-created"): 55, ("phone-support", "triage"): 380, ("ticket-created", "triage"): 55,
    ("handoff", "triage"): 190, ("triage", "agent-reply"): 430, ("triage", "billing-team"): 190,
    ("agent-reply", "invoice-fixed"): 350, ("agent-reply", "billing-team"): 60, ("billing-team", "credit-issued"): 240,
    ("credit-issued", "invoice-fixed"): 235, ("invoice-fixed", "csat-survey"): 700, ("csat-survey", "renews"): 520,
}  # csat-survey → considers-cancelling is not observed at all
ROUTES = {("bot-faq", "phone-support"): 160, ("bot-closed", "phone-support"): 95, ("email-support", "open-chat"): 35,
          ("agent-reply", "email-support"): 25}
ELSEWHERE = {("login", "an-activity-on-no-step"): 50, ("ghost", "login"): 10, ("ghost", "ghost"): 4}
OBSERVED = {**DESIGNED, **ROUTES, ("login", "login"): 140, **ELSEWHERE}
TITLE = "Customers (event log 'web-2026')"


def _layer(spec: dict, name: str) -> dict:
    matches = [layer for layer in spec["layer"] if layer.get("name") == name]
    assert len(matches) == 1, f"expected one layer named {name!r}, got {[x.get('name') for x in spec['layer']]}"
    return matches[0]


def _has_layer(spec: dict, name: str) -> bool:
    return any(layer.get("name") == name for layer in spec["layer"])


def _rows(spec: dict, name: str) -> list[dict]:
    return spec["datasets"][_layer(spec, name)["data"]["name"]]


def _edges(spec: dict) -> dict[tuple[str, str], dict]:
    return {(e["source"], e["target"]): e for e in _rows(spec, "arrows")}


def _scale(encoding: dict) -> dict:
    return dict(zip(encoding["scale"]["domain"], encoding["scale"]["range"], strict=True))


@pytest.fixture(scope="module")
def demo() -> Journey:
    return current_state_journey()


@pytest.fixture(scope="module")
def flow() -> FlowOverlay:
    return FlowOverlay(observed=OBSERVED, title=TITLE)


@pytest.fixture(scope="module")
def spec(demo: Journey, flow: FlowOverlay) -> dict:
    return journey_map(demo, flow=flow).to_dict(validate=True)


# --- widths ----------------------------------------------------------------------------------------------


def test_every_designed_transition_is_as_wide_as_its_count(demo: Journey, spec: dict) -> None:
    edges = _edges(spec)
    designed = [edges[(t.source, t.target)] for t in demo.transitions]
    assert [e["customers"] for e in designed] == [OBSERVED.get((t.source, t.target), 0) for t in demo.transitions]
    busy = sorted((e for e in designed if e["customers"] > 0), key=lambda e: e["customers"])
    assert [e["width"] for e in busy] == sorted(e["width"] for e in busy)  # wider with more customers
    assert len({e["width"] for e in busy}) == len({e["customers"] for e in busy})  # strictly
    assert busy[-1]["width"] == flows.MAX_WIDTH and busy[0]["width"] > flows.MIN_WIDTH
    # a square-root scale: four times the customers is about twice the extra width
    assert flows.width(300, 1200) - flows.MIN_WIDTH == pytest.approx((flows.MAX_WIDTH - flows.MIN_WIDTH) / 2, abs=0.01)
    # the lines carry the same widths as their arrowheads' rows, and the encoding takes them as they are
    for p in _rows(spec, "edges"):
        assert p["width"] == edges[tuple(p["edge"].split("→"))]["width"]
    enc = _layer(spec, "edges")["encoding"]["strokeWidth"]
    assert enc["field"] == "width" and enc["scale"]["domain"] == enc["scale"]["range"]  # identity
    # arrowheads grow with the line, and are never smaller than on a map without a flow
    sizes = [e["mark_size"] for e in sorted(designed, key=lambda e: e["width"])]
    assert sizes == sorted(sizes) and min(sizes) >= ARROW_SIZE


def test_a_designed_transition_nobody_took_is_thin_dotted_and_grey(spec: dict) -> None:
    edges = _edges(spec)
    for pair in (("search-help", "community-post"), ("csat-survey", "considers-cancelling")):
        e = edges[pair]
        assert (e["customers"], e["width"], e["look"]) == (0, flows.ZERO_WIDTH, flows.UNUSED), pair
        assert e["flow_text"] == "designed, nobody took it" and e["kind"] == "normal"
    enc = _layer(spec, "edges")["encoding"]
    assert _scale(enc["color"])[flows.UNUSED] == flows.UNUSED_COLOUR
    assert _scale(enc["strokeDash"])[flows.UNUSED] == flows.UNUSED_DASH
    faded = {"test": f"datum.look === '{flows.UNUSED}'", "value": flows.UNUSED_OPACITY}
    # lines and arrowheads fade alike; a designed loop customers took gives way to its badge
    assert enc["opacity"]["condition"] == [{"test": "datum.loop && datum.customers > 0", "value": 0}, faded]
    assert _layer(spec, "arrows")["encoding"]["opacity"]["condition"] == enc["opacity"]["condition"]
    assert flows.ZERO_WIDTH < flows.MIN_WIDTH  # thinner than any transition someone took
    # a designed transition customers took keeps its kind's colour and dash
    assert edges[("triage", "billing-team")]["look"] == "escalation"
    assert _scale(enc["color"])["escalation"] == style.EDGE_STYLES["escalation"][0]


# --- undesigned routes -----------------------------------------------------------------------------------


def test_routes_the_map_lacks_are_dashed_navy_with_counts_in_the_tooltip(demo: Journey, spec: dict) -> None:
    edges = _edges(spec)
    routes = {pair: e for pair, e in edges.items() if e["kind"] == flows.ROUTE}
    assert routes.keys() == ROUTES.keys()
    e = routes[("bot-faq", "phone-support")]
    assert (e["customers"], e["look"], e["share_text"]) == (160, flows.ROUTE, "not designed")
    assert e["flow_text"] == "not on the map: 160 customers went from Bot suggests articles to Calls the support line"
    assert e["observed_share"] == f"{160 / (40 + 150 + 70 + 160):.0%}"  # of all that left bot-faq
    assert [flows.width(n, 1200) for n in ROUTES.values()] == [routes[p]["width"] for p in ROUTES]
    enc = _layer(spec, "edges")["encoding"]
    assert _scale(enc["strokeDash"])[flows.ROUTE] == flows.ROUTE_DASH != [1, 0]
    assert _scale(enc["color"])[flows.ROUTE] == flows.ROUTE_COLOUR
    # not the fallback's orange (also dashed) nor the escalation's red
    assert flows.ROUTE_COLOUR not in {c for c, _, _ in style.EDGE_STYLES.values()}
    tips = {t["field"]: t["title"] for t in enc["tooltip"]}
    assert tips["flow_text"] == TITLE and tips["observed_share"] == "share of those leaving"
    assert tips["share_text"] == "designed share"
    assert _layer(spec, "arrows")["encoding"]["tooltip"] == enc["tooltip"]
    # drawn after (over) the designed lines
    kinds = [p["look"] for p in _rows(spec, "edges")]
    assert set(kinds[kinds.index(flows.ROUTE):]) == {flows.ROUTE}


def test_a_route_is_routed_between_cards_as_a_designed_transition_is(demo: Journey, spec: dict) -> None:
    cards = {r["id"]: r for r in _rows(spec, "steps")}
    points = _rows(spec, "edges")
    for source, target in ROUTES:
        route = sorted((p for p in points if p["edge"] == f"{source}→{target}"), key=lambda p: p["order"])
        assert route[0]["x"] == cards[source]["right"] and route[-1]["x"] == cards[target]["left"]
        assert all(a["x"] == b["x"] or a["y"] == b["y"] for a, b in pairwise(route))  # orthogonal runs


def test_ids_the_journey_lacks_are_not_drawn_but_count_in_their_sources_share(spec: dict) -> None:
    edges = _edges(spec)
    ids = set(current_state_journey().step_ids())
    assert all(s in ids and t in ids for s, t in edges)
    assert {r["id"] for r in _rows(spec, "flow_loops")} == {"login"}  # not the ghost's loop
    login_out = 480 + 310 + 190 + 140 + 50  # the pair to an activity on no step counts as leaving the login
    assert edges[("login", "search-help")]["observed_share"] == f"{480 / login_out:.0%}"


def test_shares_in_the_tooltip_designed_and_observed(demo: Journey, flow: FlowOverlay) -> None:
    expected = FlowOverlay(OBSERVED, expected_share={("login", "search-help"): 0.5, ("nowhere", "x"): 0.3})
    edges = _edges(journey_map(demo, flow=expected).to_dict(validate=True))
    assert edges[("login", "search-help")]["share_text"] == "50%"  # given wins over the transition's own
    assert edges[("login", "open-chat")]["share_text"] == "30%"  # the transition's own
    j = demo.model_copy(deep=True)
    j.transitions[0].share = None
    edges = _edges(journey_map(j, flow=flow).to_dict())
    assert edges[(j.transitions[0].source, j.transitions[0].target)]["share_text"] == "not set"
    assert edges[("in-app-alert", "notice-issue")]["observed_share"] == "100%"
    assert edges[("in-app-alert", "notice-issue")]["flow_text"] == "1,200 customers went this way"


# --- loops -----------------------------------------------------------------------------------------------


def test_a_loop_customers_took_gets_a_badge(spec: dict) -> None:
    (loop,) = _rows(spec, "flow_loop_text")
    assert (loop["id"], loop["loop_text"], loop["designed"]) == ("login", "↻ 140", False)
    assert loop["flow_text"] == "not on the map: 140 customers went from Logs in to the account back to it"
    assert _rows(spec, "flow_loops") == [loop]  # one pill behind the text
    assert not any(e["loop"] for e in _rows(spec, "arrows"))  # no loop glyph: the journey has no such loop


def test_designed_loops_keep_their_glyph_faded_when_nobody_went_round(demo: Journey) -> None:
    j = demo.model_copy(deep=True)
    j.transitions += [Transition(source="triage", target="triage", kind="retry"),
                      Transition(source="bot-faq", target="bot-faq", kind="retry")]
    spec = journey_map(j, flow=FlowOverlay({**OBSERVED, ("triage", "triage"): 33})).to_dict(validate=True)
    loops = {e["source"]: e for e in _rows(spec, "arrows") if e["loop"]}
    assert loops["triage"]["look"] == "retry" and loops["bot-faq"]["look"] == flows.UNUSED
    assert loops["bot-faq"]["flow_text"] == "designed, nobody took it"
    badges = {b["id"]: b for b in _rows(spec, "flow_loop_text")}
    assert badges.keys() == {"triage", "login"}
    assert badges["triage"]["designed"] and badges["triage"]["loop_text"] == "↻ 33"
    assert badges["triage"]["flow_text"] == "33 customers went round this loop"
    # loops do not set the width scale: the busiest line does
    assert max(e["width"] for e in _rows(spec, "arrows")) == flows.MAX_WIDTH


def test_without_a_loop_there_is_no_badge_layer(demo: Journey) -> None:
    spec = journey_map(demo, flow=FlowOverlay(DESIGNED)).to_dict(validate=True)
    assert not _has_layer(spec, "flow_loops") and not _has_layer(spec, "flow_loop_text")


# --- legends ---------------------------------------------------------------------------------------------


def test_legends_for_widths_and_for_designed_or_not(spec: dict) -> None:
    enc = _layer(spec, "edges")["encoding"]
    assert enc["color"]["legend"] == enc["strokeDash"]["legend"]  # one merged legend
    assert enc["color"]["scale"]["domain"] == [*style.EDGE_STYLES, flows.ROUTE, flows.UNUSED]
    legend = enc["strokeWidth"]["legend"]
    assert legend["title"] == ["Customers (event", "log 'web-2026')"]  # short lines: legends sit side by side
    assert legend["values"] == [flows.width(n, 1200) for n in (20, 200, 1200)]
    assert legend["labelExpr"].startswith('["20", "200", "1,200"][indexof(')
    assert flows.reference_counts(1200) == [20, 200, 1200] and flows.reference_counts(1) == [1]
    assert flows.reference_counts(0) == []


def test_nobody_moving_draws_thin_lines_without_a_width_legend(demo: Journey) -> None:
    spec = journey_map(demo, flow=FlowOverlay({})).to_dict(validate=True)
    assert {e["look"] for e in _rows(spec, "arrows")} == {flows.UNUSED}
    assert _layer(spec, "edges")["encoding"]["strokeWidth"]["legend"] is None


@pytest.mark.parametrize("color_by", ["channel", "emotion", "lane"])
def test_legends_still_fit_under_a_narrow_map(flow: FlowOverlay, color_by: str) -> None:
    j = current_state_journey()
    for i, s in enumerate(j.steps):  # every channel the model knows: the channel legend at its longest
        s.channel = CHANNELS[i % len(CHANNELS)]
    spec = journey_map(j, color_by=color_by, flow=flow, highlight=["login"],
                       status={"triage": "added", "handoff": "changed", "renews": "removed"}).to_dict()
    fitted = {**spec, "width": 800, "autosize": {"type": "fit", "contains": "padding"}}
    svg = export_chart(alt.LayerChart.from_dict(fitted, validate=False), "svg").decode()
    boxes = re.findall(r'role-legend"[^>]*><g transform="translate\(([-\d.]+),[-\d.]+\)"><path class="background"'
                       r'[^>]*d="M0,0h([\d.]+)v', svg)
    assert len(boxes) == 4 and max(float(x) + float(w) for x, w in boxes) <= 800 - AXIS_PX


# --- everything else keeps working -----------------------------------------------------------------------


def test_without_a_flow_the_map_is_unchanged(demo: Journey) -> None:
    overlay = MetricOverlay("Reopen rate", {"login": 0.1, "triage": 0.3}, True, ".0%")
    j = demo.model_copy(deep=True)
    j.transitions.append(Transition(source="triage", target="triage", kind="retry"))
    for kw in ({}, {"selected": "triage", "highlight": ["login"], "note_counts": {"login": 2}},
               {"overlay": overlay, "status": {"handoff": "removed"}, "color_by": "emotion", "selection_name": "p"}):
        assert journey_map(j, **kw).to_dict() == journey_map(j, flow=None, **kw).to_dict()
        assert json.dumps(journey_map(j, **kw).to_dict()) == json.dumps(journey_map(j, flow=None, **kw).to_dict())


def test_selection_zoom_rings_overlay_and_notes_work_with_a_flow(demo: Journey, flow: FlowOverlay) -> None:
    overlay = MetricOverlay("Reopen rate", {"login": 0.1, "triage": 0.3}, True, ".0%")
    chart = journey_map(demo, flow=flow, overlay=overlay, selected="login", highlight=["triage"],
                        note_counts={"login": 2}, status={"handoff": "removed"}, selection_name="pick", height=900)
    spec = chart.to_dict(validate=True)
    assert {p["name"] for p in spec["params"]} == {"pick", "pick_zoom"}
    assert spec["height"] == 900
    assert [r["id"] for r in _rows(spec, "selected_ring")] == ["login"]
    assert {r["id"] for r in _rows(spec, "rings")} == {"triage", "handoff"}
    assert [r["id"] for r in _rows(spec, "badges")] == ["login"]
    assert {r["id"] for r in _rows(spec, "metric_badges")} == {"login", "triage"}
    assert _layer(spec, "strips")["encoding"]["fill"]["field"] == "metric"
    names = [layer["name"] for layer in spec["layer"]]
    # the loop badges sit over the steps and under the note badges
    assert names.index("steps") < names.index("flow_loops") < names.index("flow_loop_text") < names.index("badges")
    # selecting another step changes the data only (Streamlit then updates the map in place)
    other = journey_map(demo, flow=flow, overlay=overlay, selected="triage", highlight=["triage"],
                        note_counts={"login": 2}, status={"handoff": "removed"}, selection_name="pick",
                        height=900).to_dict()
    assert {**spec, "datasets": None} == {**other, "datasets": None} and spec["datasets"] != other["datasets"]


@pytest.fixture(scope="module")
def flow_exports(demo: Journey, flow: FlowOverlay) -> dict[str, bytes]:
    chart = journey_map(demo, flow=flow, selected="triage", note_counts={"login": 1})
    return {fmt: export_chart(chart, fmt, scale=1) for fmt in ("svg", "png", "pdf")}


def test_a_map_with_a_flow_exports(flow_exports: dict[str, bytes], spec: dict) -> None:
    assert flow_exports["png"].startswith(b"\x89PNG\r\n\x1a\n") and len(flow_exports["png"]) > 20_000
    assert flow_exports["pdf"].startswith(b"%PDF")
    svg = flow_exports["svg"].decode()
    assert ">↻ 140</text>" in svg and ">not on the map</text>" in svg and ">designed, unused</text>" in svg
    assert ">1,200</text>" in svg and ">log 'web-2026')</tspan>" in svg  # the width legend, its title's 2nd line
    # the routes are drawn dashed in navy, each as wide as its count
    lines = "".join(re.findall(r'role-mark edges_marks"[^>]*>(.*?)</g>', svg))
    dashed = re.findall(rf'stroke="{flows.ROUTE_COLOUR}" stroke-width="([\d.]+)" stroke-dasharray="8,4"', lines)
    widths = sorted(e["width"] for e in _rows(spec, "arrows") if e["kind"] == flows.ROUTE)
    assert sorted(round(float(w), 2) for w in dashed) == widths


def test_hostile_titles_and_counts_are_handled() -> None:
    with pytest.raises(ValueError, match="whole number"):
        FlowOverlay({("a", "b"): -1})
    with pytest.raises(ValueError, match="whole number"):
        FlowOverlay({("a", "b"): 2.5})
    with pytest.raises(ValueError, match="whole number"):
        FlowOverlay({("a", "b"): float("nan")})
    with pytest.raises(ValueError, match="pairs"):
        FlowOverlay({"a→b": 3})  # type: ignore[dict-item]
    import numpy as np

    assert FlowOverlay({("a", "b"): np.int64(3), ("b", "c"): 4.0}).count("b", "c") == 4
    j = Journey(name="t", steps=[Step(id="a", label="A", stage="Discover"), Step(id="b", label="B", stage="Discover")],
                transitions=[Transition(source="a", target="b")])
    spec = journey_map(j, flow=FlowOverlay({("a", "b"): 3, ("b", "a"): 1}, title="Cu\x07stomers </text>")).to_dict()
    assert _layer(spec, "edges")["encoding"]["strokeWidth"]["legend"]["title"] == ["Customers </text>"]
    assert export_chart(journey_map(j, flow=FlowOverlay({("a", "b"): 3}, title="\x00")), "svg")


def test_from_conformance_reads_events_per_pair() -> None:
    """Duck-typed: the tables of :class:`journeys.discover.Conformance` (source, target, events, expected_share)."""
    result = SimpleNamespace(
        designed=pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "events": [5, 0],
                               "expected_share": [0.5, math.nan]}),
        undesigned=pd.DataFrame({"source": ["a"], "target": ["c"], "events": [2]}),
        unmapped=pd.DataFrame({"source": ["a"], "target": ["Some activity"], "events": [3]}))
    flow = FlowOverlay.from_conformance(result, title="Customers (log)")
    assert flow.observed == {("a", "b"): 5, ("b", "c"): 0, ("a", "c"): 2, ("a", "Some activity"): 3}
    assert flow.expected_share == {("a", "b"): 0.5} and flow.title == "Customers (log)"
    assert flow.leaving() == {"a": 10, "b": 0}


# --- the mark budget -------------------------------------------------------------------------------------


def _busy_flow(j: Journey, seed: int = 3, extra: int = 1500) -> FlowOverlay:
    """Counts on every transition, ``extra`` random pairs (most not on the map), a loop on every step."""
    rng = random.Random(seed)
    ids = j.step_ids()
    observed = {(t.source, t.target): rng.randint(0, 500) for t in j.transitions}
    for _ in range(extra):
        observed[(rng.choice(ids), rng.choice(ids))] = rng.randint(1, 300)
    observed.update({(s, s): rng.randint(1, 50) for s in ids})
    return FlowOverlay(observed)


def test_a_200_step_map_with_a_busy_flow_stays_clickable_svg() -> None:
    j = big_journey()
    flow = _busy_flow(j)
    kw = {"highlight": [s.id for s in j.steps[:20]], "selected": j.steps[5].id,
          "note_counts": {s.id: 1 for s in j.steps[::10]}}
    spec = journey_map(j, flow=flow, **kw).to_dict(validate=True)
    routes = [e for e in _rows(spec, "arrows") if e["kind"] == flows.ROUTE]
    assert len(routes) == flows.MAX_ROUTES and len(_rows(spec, "flow_loops")) == flows.MAX_LOOPS
    # the busiest are drawn, and the legend says how many there are in all
    design = {(t.source, t.target) for t in j.transitions}
    all_routes = sorted((n for (s, t), n in flow.pairs().items() if s != t and (s, t) not in design), reverse=True)
    assert sorted((e["customers"] for e in routes), reverse=True) == all_routes[:flows.MAX_ROUTES]
    title = _layer(spec, "edges")["encoding"]["strokeWidth"]["legend"]["title"]
    assert title == ["Customers", f"80 busiest of {len(all_routes):,}", "routes not on the map drawn",
                     "60 busiest of 200 loops"]
    assert mark_count(spec, per_datum_only=True) <= 2000 and mark_count(spec) <= 5000
    # a metric overlay on top still fits
    overlay = MetricOverlay("Reopen rate", {s.id: 0.1 for s in j.steps}, True, ".0%")
    spec = journey_map(j, flow=flow, overlay=overlay, **kw).to_dict()
    # Streamlit's thresholds: canvas above 2,000 per-datum marks, no ARIA (no clickable cards) above 5,000 in all
    assert mark_count(spec, per_datum_only=True) <= 2000 and mark_count(spec) <= 5000
    assert not _has_layer(spec, "emotion_dots") and _has_layer(spec, "footers")  # only the dots had to go


# --- any journey -----------------------------------------------------------------------------------------


@examples(40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journey=journeys(max_steps=10), data=st.data())
def test_any_journey_with_any_observed_flow_draws(journey: Journey, data: st.DataObject) -> None:
    ids = journey.step_ids()
    step = st.one_of(st.sampled_from(ids), st.text(max_size=4)) if ids else st.text(max_size=4)
    observed = data.draw(st.dictionaries(st.tuples(step, step), st.integers(0, 10**7), max_size=3 * len(ids) + 3))
    expected = data.draw(st.dictionaries(st.tuples(step, step), st.floats(0, 1), max_size=3))
    flow = FlowOverlay(observed, expected_share=expected, title=data.draw(st.text(max_size=40)))
    picked = data.draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    spec = journey_map(journey, flow=flow, color_by=data.draw(st.sampled_from(["channel", "emotion", "lane"])),
                       selected=picked[0] if picked else None, highlight=picked[1:],
                       status=dict.fromkeys(picked[2:], "changed"), note_counts=dict.fromkeys(picked, 1)
                       ).to_dict(validate=True)
    json.dumps(spec, allow_nan=False)
    assert not re.search(r"\\u00(0[0-8bcef]|1[0-9a-f])|\\uff(fe|ff)", json.dumps(spec))  # nothing SVG cannot hold
    known = set(ids)
    design = {(t.source, t.target) for t in journey.transitions}
    edges = _rows(spec, "arrows") if _has_layer(spec, "arrows") else []
    drawn = {(e["source"], e["target"]): e for e in edges}
    routes = {(s, t) for (s, t), n in observed.items() if n and s != t and s in known and t in known} - design
    assert drawn.keys() == design | routes  # every transition, every route (few enough here), nothing else
    for (s, t), e in drawn.items():
        assert e["customers"] == observed.get((s, t), 0)
        assert (e["look"] == flows.UNUSED) == ((s, t) in design and e["customers"] == 0)
        assert flows.ZERO_WIDTH <= e["width"] <= flows.MAX_WIDTH
    lines = sorted((e for e in edges if not e["loop"]), key=lambda e: e["customers"])
    assert [e["width"] for e in lines] == sorted(e["width"] for e in lines)
    loops = {r["id"]: r["loop_text"] for r in _rows(spec, "flow_loop_text")} if _has_layer(spec, "flow_loops") else {}
    assert loops == {s: f"↻ {observed[(s, s)]:,}" for s in known if observed.get((s, s), 0) > 0}
