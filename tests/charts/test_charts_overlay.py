"""The metric overlay on the journey map: fill by value (worse is red), a badge per value, greys for the rest.

Assertions read the Vega-Lite spec, as in ``test_charts.py``, and rendered SVGs where only
Vega knows the answer (which colour a step gets, what d3-format writes).
"""

from __future__ import annotations

import html
import json
import math
import re

import altair as alt
import pytest
import vl_convert as vlc
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.charts import export_chart, journey_map, style
from journeys.charts.overlay import TOO_FEW_BADGE, WORSE_TO_BETTER, MetricOverlay, d3_text
from journeys.demo import current_state_journey
from journeys.model import Journey
from tests.charts.spec_parts import spec_layer, spec_rows
from tests.strategies import examples, journeys

RED, BLUE = WORSE_TO_BETTER[0], WORSE_TO_BETTER[-1]


def _by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in rows}


def _fills(svg: str) -> dict[str, str]:
    """Each step's fill in a rendered SVG (as #rrggbb where Vega wrote rgb()), by its label (only step marks keep
    ARIA roles)."""
    def hex_(fill: str) -> str:
        rgb = re.fullmatch(r"rgb\((\d+), (\d+), (\d+)\)", fill)
        return "#" + "".join(f"{int(c):02x}" for c in rgb.groups()) if rgb else fill

    return {html.unescape(label): hex_(fill) for label, fill in re.findall(
        r'aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="rect mark"[^>]*?fill="([^"]*)"', svg)}


@pytest.fixture(scope="module")
def demo() -> Journey:
    return current_state_journey()


def reopen(**kw: object) -> MetricOverlay:
    values = {"login": 0.125, "triage": 0.3, "handoff": 0.05, "renews": 0.2, "open-chat": None,
              "bot-faq": float("nan"), "bot-greeting": float("inf"), "not-a-step": 0.9}
    return MetricOverlay(**{"title": "Reopen rate", "values": values, "higher_is_worse": True, "format": ".1%",
                            "period": "2026-01-01 – 2026-11-30", "too_few": ["renews", "csat-survey"], **kw})


# --- colour ----------------------------------------------------------------------------------------------


def test_overlay_fills_steps_by_value_over_the_values_range(demo: Journey) -> None:
    spec = journey_map(demo, overlay=reopen()).to_dict(validate=True)
    colour = spec_layer(spec, "strips")["encoding"]["fill"]
    assert (colour["field"], colour["type"]) == ("metric", "quantitative")
    # 0.2 is "too few" and 0.9 not a step: neither counts; the stops span 5 % … 30 %
    assert colour["scale"]["domain"] == pytest.approx([0.05, 0.1125, 0.175, 0.2375, 0.3])
    assert colour["scale"]["range"][-1] == RED  # higher is worse: the highest value is red
    legend = colour["legend"]
    assert legend["title"] == ["Reopen rate", "2026-01-01 – 2026-11-30"]
    assert (legend["type"], legend["format"], legend["values"]) == ("gradient", ".1%", [0.05, 0.3])
    nodes = _by_id(spec_rows(spec, "steps"))
    assert [nodes[i]["metric"] for i in ("login", "triage", "handoff")] == [0.125, 0.3, 0.05]
    assert all(nodes[i]["metric"] is None for i in ("open-chat", "bot-faq", "bot-greeting", "renews", "agent-reply"))


@pytest.mark.parametrize("higher_is_worse", [True, False])
def test_worse_is_red_in_the_rendered_map(demo: Journey, higher_is_worse: bool) -> None:
    overlay = MetricOverlay("CSAT" if not higher_is_worse else "Reopen rate",
                            {"login": 0.1, "triage": 0.5, "handoff": 0.9}, higher_is_worse, ".0%")
    spec = journey_map(demo, overlay=overlay).to_dict(validate=True)
    scale = spec_layer(spec, "strips")["encoding"]["fill"]["scale"]
    assert scale["domain"][0] == 0.1 and scale["domain"][-1] == 0.9
    assert scale["range"][0] == (BLUE if higher_is_worse else RED)  # the lowest value's end
    fills = _fills(export_chart(journey_map(demo, overlay=overlay), "svg").decode())
    worst, best = ("handoff", "login") if higher_is_worse else ("login", "handoff")
    assert fills[demo.step(worst).label] == RED and fills[demo.step(best).label] == BLUE
    assert fills[demo.step("triage").label] == WORSE_TO_BETTER[2]  # the middle of the range
    assert fills[demo.step("agent-reply").label] == style.NO_VALUE_COLOUR


def test_a_center_makes_the_scale_diverge_symmetrically_around_it(demo: Journey) -> None:
    overlay = MetricOverlay("Friction", {"login": -1.0, "triage": 4.0, "handoff": 0.5}, True, ".2f", center=0.0)
    colour = spec_layer(journey_map(demo, overlay=overlay).to_dict(validate=True), "strips")["encoding"]["fill"]
    assert colour["scale"]["domain"] == pytest.approx([-4, -2, 0, 2, 4])  # as far below 0 as the worst is above
    assert colour["legend"]["values"] == [-1.0, 0.0, 4.0]
    fills = _fills(export_chart(journey_map(demo, overlay=overlay), "svg").decode())
    assert fills[demo.step("triage").label] == RED
    # the baseline is the middle colour, and -1 is as blue as +1 would be red
    assert fills[demo.step("handoff").label] not in (RED, BLUE, WORSE_TO_BETTER[2])


def test_one_value_gets_the_middle_colour_and_none_a_grey_legend(demo: Journey) -> None:
    one = journey_map(demo, overlay=MetricOverlay("Volume", {"login": 7}, True, ",d")).to_dict(validate=True)
    scale = spec_layer(one, "strips")["encoding"]["fill"]["scale"]
    assert scale["domain"][2] == 7 and scale["domain"][0] < 7 < scale["domain"][-1]
    empty = MetricOverlay("Volume", {"login": None}, True, ",d", period="2026")
    colour = spec_layer(journey_map(demo, overlay=empty).to_dict(validate=True), "strips")["encoding"]["fill"]
    assert set(colour["scale"]["range"]) == {style.NO_VALUE_COLOUR}
    assert colour["legend"]["title"] == ["Volume", "2026", "no step has a value"]
    assert export_chart(journey_map(demo, overlay=empty), "png", scale=1).startswith(b"\x89PNG")


def test_overlay_takes_precedence_over_colour_by(demo: Journey) -> None:
    for color_by in ("channel", "emotion", "lane"):
        spec = journey_map(demo, color_by=color_by, overlay=reopen()).to_dict(validate=True)
        assert spec_layer(spec, "strips")["encoding"]["fill"]["field"] == "metric"


# --- badges and tooltips ---------------------------------------------------------------------------------


def test_each_value_gets_a_badge_with_its_formatted_value(demo: Journey) -> None:
    spec = journey_map(demo, overlay=reopen()).to_dict(validate=True)
    badges = _by_id(spec_rows(spec, "metric_badge_text"))
    assert {i: b["badge"] for i, b in badges.items()} == {
        "login": "12.5%", "triage": "30.0%", "handoff": "5.0%", "renews": TOO_FEW_BADGE, "csat-survey": TOO_FEW_BADGE}
    assert spec_layer(spec, "metric_badge_text")["encoding"]["text"]["field"] == "badge"
    assert _by_id(spec_rows(spec, "metric_badges")).keys() == badges.keys()  # one pill behind each text
    # on the card's top edge, right of centre (the label sits inside the card, the notes badge on the corner)
    enc = spec_layer(spec, "metric_badges")["encoding"]
    assert (enc["x"]["field"], enc["y"]["field"]) == ("right", "top")


def test_tooltips_carry_value_unit_and_period_or_why_there_is_none(demo: Journey) -> None:
    overlay = MetricOverlay("Resolution p50", {"login": 3.25, "triage": None, "handoff": 40.0}, True, ".1f",
                            unit="h", period="2026 Q1", too_few=["handoff"])
    spec = journey_map(demo, overlay=overlay).to_dict(validate=True)
    nodes = _by_id(spec_rows(spec, "steps"))
    assert nodes["login"]["metric_text"] == "3.3 h"  # d3 rounds the tie 3.25 up, as JavaScript's toFixed does
    assert nodes["triage"]["metric_text"] == "no tickets" and nodes["agent-reply"]["metric_text"] == "no tickets"
    assert nodes["handoff"]["metric_text"] == "too few tickets" and nodes["handoff"]["metric"] is None
    assert {n["metric_period"] for n in nodes.values()} == {"2026 Q1"}
    for layer in ("steps", "labels", "metric_badges", "metric_badge_text"):
        tips = {t["field"]: t["title"] for t in spec_layer(spec, layer)["encoding"]["tooltip"]}
        assert tips["metric_text"] == "Resolution p50" and tips["metric_period"] == "period", layer
    assert spec_layer(spec, "strips")["encoding"]["fill"]["legend"]["title"] == ["Resolution p50 (h)", "2026 Q1"]


def test_steps_without_a_value_are_grey_and_too_few_hollow(demo: Journey) -> None:
    spec = journey_map(demo, overlay=reopen()).to_dict(validate=True)
    enc = spec_layer(spec, "steps")["encoding"]
    tests = {c["test"]: c["value"] for c in enc["fill"]["condition"]}
    assert tests["datum.metric_state === 'too_few'"] == "white"
    assert tests["datum.metric_state !== 'value'"] == style.NO_VALUE_COLOUR
    strip = spec_layer(spec, "strips")["encoding"]["stroke"]
    assert strip["condition"]["value"] == style.MUTED  # a white "too few" strip keeps an outline
    states = {n["id"]: n["metric_state"] for n in spec_rows(spec, "steps")}
    assert states["renews"] == states["csat-survey"] == "too_few"  # too few wins over a value
    assert states["open-chat"] == states["bot-faq"] == states["bot-greeting"] == "none"  # None, NaN, inf
    svg = export_chart(journey_map(demo, overlay=reopen()), "svg").decode()
    fills = _fills(svg)
    assert fills[demo.step("renews").label] == "white" and fills[demo.step("bot-faq").label] == style.NO_VALUE_COLOUR
    assert ">too few<" in svg and ">12.5%<" in svg


def test_every_badge_fits_on_its_own_card(demo: Journey) -> None:
    values = {s.id: 0.123456 for s in demo.steps}
    overlay = MetricOverlay("Escalation rate", values, True, ".2%")
    spec = journey_map(demo, overlay=overlay).to_dict(validate=True)
    badges = spec_rows(spec, "metric_badges")
    cards = _by_id(spec_rows(spec, "steps"))
    assert len(badges) == len(demo.steps)
    for b in badges:
        card = cards[b["id"]]
        assert (b["right"], b["top"]) == (card["right"], card["top"])
        assert b["badge_width"] + 12 <= card["right"] - card["left"]  # the pill stays over its card


# --- everything else keeps working -----------------------------------------------------------------------


def test_selection_zoom_rings_notes_and_compare_status_still_work(demo: Journey) -> None:
    chart = journey_map(demo, overlay=reopen(), selected="triage", highlight=["login"], note_counts={"login": 2},
                        status={"handoff": "removed"}, selection_name="pick")
    spec = chart.to_dict(validate=True)
    assert {p["name"] for p in spec["params"]} == {"pick", "pick_zoom"}
    assert [r["id"] for r in spec_rows(spec, "selected_ring")] == ["triage"]
    assert {r["id"] for r in spec_rows(spec, "rings")} == {"login", "handoff"}
    assert [r["id"] for r in spec_rows(spec, "badges")] == ["login"]
    tests = [c["test"] for c in spec_layer(spec, "strips")["encoding"]["fill"]["condition"]]
    assert tests[0] == "datum.status === 'removed'"  # a removed step stays grey whatever its value
    svg = export_chart(chart, "svg").decode()
    assert _fills(svg)[demo.step("handoff").label] == style.NO_VALUE_COLOUR


def test_selecting_another_step_changes_only_the_data(demo: Journey) -> None:
    a = journey_map(demo, overlay=reopen(), selected="triage").to_dict()
    b = journey_map(demo, overlay=reopen(), selected="login").to_dict()
    assert a["datasets"] != b["datasets"]
    assert {**a, "datasets": None} == {**b, "datasets": None}


@pytest.fixture(scope="module")
def overlay_exports() -> dict[str, bytes]:
    chart = journey_map(current_state_journey(), overlay=reopen(), selected="triage", note_counts={"login": 1})
    return {fmt: export_chart(chart, fmt, scale=1) for fmt in ("svg", "png", "pdf")}


def test_an_overlaid_map_exports(overlay_exports: dict[str, bytes]) -> None:
    assert overlay_exports["png"].startswith(b"\x89PNG\r\n\x1a\n") and len(overlay_exports["png"]) > 20_000
    assert overlay_exports["pdf"].startswith(b"%PDF")
    svg = overlay_exports["svg"].decode()
    assert ">Reopen rate<" in svg and ">2026-01-01 – 2026-11-30<" in svg  # the legend title's two lines
    assert ">5.0%<" in svg and ">30.0%<" in svg  # the legend's ends, formatted as the badges are
    assert sorted(re.findall(r">(\d+\.\d%|too few)</text>", svg)).count("12.5%") == 1


def test_hostile_overlay_text_exports_without_crashing_the_process() -> None:
    """Control characters in the title, unit or period must not reach vl-convert (it aborts the process)."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
from journeys.charts import export_chart, journey_map
from journeys.charts.overlay import MetricOverlay
from journeys.demo import current_state_journey
o = MetricOverlay("Re\\x07open </text>", {"login": 0.5}, False, ".0%", unit="\\x1bh", period="Q1\\x00", too_few=["x"])
for fmt in ("png", "svg", "pdf"):
    assert export_chart(journey_map(current_state_journey(), overlay=o), fmt)
print("exported")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and "exported" in done.stdout, done.stderr[-2000:]


# --- formatting ------------------------------------------------------------------------------------------

_VALUES = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.0005, -0.0004, -0.004, 1234567.891, -1234.5, 1e-7, 0.045,
           0.015, 99.995, 3.14159, 1e21, 1.5e22, 123456789012.5]
_SPECS = [".1%", ".0%", ".2f", ",.0f", "d", ",d", "+.1f", "(.2f", "$,.2f", ".2~f", "~%", ".3~%", " .1f", "f", "-,.3f"]


def test_badge_text_is_what_vega_writes_with_the_same_format() -> None:
    """The badges are formatted in Python; Vega's d3-format (legend labels) must agree, ties and signs included."""
    rows = [{"i": i, "v": v} for i, v in enumerate(_VALUES)]
    # Vega's format() is d3-format, as in the legend; brackets keep the leading space the SVG would trim.
    charts = [alt.Chart(alt.Data(values=rows)).mark_text().encode(y=alt.Y("i:O", axis=None), text="t:N")
              .transform_calculate(t=f"'[' + format(datum.v, {json.dumps(spec)}) + ']'").properties(title=f"#{k}")
              for k, spec in enumerate(_SPECS)]
    svg = vlc.vegalite_to_svg(alt.vconcat(*charts).to_dict())
    drawn: dict[str, list[str]] = {}
    texts: list[str] = []
    for text in (html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)):
        if re.fullmatch(r"#\d+", text):  # each chart's title comes after its marks
            drawn[_SPECS[int(text[1:])]], texts = texts, []
        else:
            texts.append(text)
    assert drawn == {spec: [f"[{d3_text(v, spec)}]" for v in _VALUES] for spec in _SPECS}


def test_unsupported_formats_and_a_non_finite_center_are_refused() -> None:
    for bad in ("", ".2s", ".3g", "%Y", ".1e", ">8.1f"):
        with pytest.raises(ValueError, match="unsupported format"):
            MetricOverlay("x", {}, True, bad)
    with pytest.raises(ValueError, match="center"):
        MetricOverlay("x", {}, True, ".1f", center=float("nan"))
    with pytest.raises(ValueError, match="finite"):
        d3_text(float("inf"), ".1f")


# --- any journey -----------------------------------------------------------------------------------------

_ANY_VALUE = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
                       st.floats(-1, 1))


@examples(40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journey=journeys(max_steps=12), data=st.data())
def test_any_journey_with_any_values_draws(journey: Journey, data: st.DataObject) -> None:
    ids = journey.step_ids()
    keys = st.one_of(st.sampled_from(ids), st.text(max_size=5)) if ids else st.text(max_size=5)
    values = data.draw(st.dictionaries(keys, _ANY_VALUE, max_size=len(ids) + 2))
    too_few = data.draw(st.lists(keys, max_size=3))
    overlay = MetricOverlay(
        title=data.draw(st.text(max_size=20)), values=values, higher_is_worse=data.draw(st.booleans()),
        format=data.draw(st.sampled_from([".1%", ".2f", ",.0f", "d", "+.1~f", "$,.2f"])),
        unit=data.draw(st.sampled_from(["", "h", "minutes"])), period=data.draw(st.text(max_size=12)),
        too_few=too_few, center=data.draw(st.one_of(st.none(), st.floats(-1e6, 1e6))))
    picked = data.draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    spec = journey_map(journey, overlay=overlay, color_by=data.draw(st.sampled_from(["channel", "emotion", "lane"])),
                       selected=picked[0] if picked else None, highlight=picked[1:],
                       status=dict.fromkeys(picked[2:], "removed"), note_counts=dict.fromkeys(picked, 2)
                       ).to_dict(validate=True)
    json.dumps(spec, allow_nan=False)  # no NaN or inf reaches the spec
    nodes = spec_rows(spec, "steps")
    assert [n["id"] for n in nodes] == ids
    finite = {i for i in ids if i not in too_few and isinstance(values.get(i), int | float)
              and not isinstance(values.get(i), bool) and math.isfinite(values[i])}
    assert {n["id"] for n in nodes if n["metric"] is not None} == finite
    badges = {b["id"]: b["badge"] for b in spec_rows(spec, "metric_badge_text")}
    assert badges == {**{i: d3_text(float(values[i]), overlay.format) for i in finite},
                      **{i: TOO_FEW_BADGE for i in ids if i in too_few}}
    domain = spec_layer(spec, "strips")["encoding"]["fill"]["scale"]["domain"]
    assert domain == sorted(domain)
