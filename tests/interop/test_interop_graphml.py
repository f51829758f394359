"""GraphML interop: lossless through NetworkX, readable by other tools, and safe on hostile XML."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import networkx as nx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.errors import InvalidJourney
from journeys.interop import export_journey, guess_format, import_journey
from journeys.model import Journey, Note, Step, Transition
from tests.strategies import examples, journeys

FAST = examples(150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'


def _journey() -> Journey:
    return Journey(
        name="Get help with billing",
        stages=["Discover", "Get help"],
        personas=["Small-business owner"],
        steps=[
            Step(id="search", label="Search help centre", stage="Get help", emotion=0),
            Step(id="bot", label="Chat with bot", stage="Get help", emotion=None, handled_by="bot"),
            Step(id="agent", label="Talk to an agent", stage="Get help", emotion=-2, handled_by="human",
                 kind="outcome"),
        ],
        # Deliberately not sorted by source: a DiGraph would list agent → bot after search → bot.
        transitions=[
            Transition(source="bot", target="agent", share=0.3, kind="escalation"),
            Transition(source="search", target="bot", share=None),
            Transition(source="bot", target="bot", kind="retry"),
        ],
        notes=[Note(step="bot", text="Loops\r\non the same answer\x01", author="Ana",
                    created_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))],
    )


def _import(text: str | bytes) -> Journey:
    return import_journey(text, "graphml")


def _problems(error: pytest.ExceptionInfo[InvalidJourney]) -> list[tuple[str, str]]:
    return [(p.where, p.reason) for p in error.value.problems]


def _graphml(body: str, keys: str = "", edgedefault: str = "directed") -> str:
    return HEAD + textwrap.dedent(keys) + f'<graph edgedefault="{edgedefault}">\n' + textwrap.dedent(body) + \
        "</graph>\n</graphml>\n"


STEP_KEYS = """\
<key id="label" for="node" attr.name="label" attr.type="string"/>
<key id="stage" for="node" attr.name="stage" attr.type="string"/>
<key id="emotion" for="node" attr.name="emotion" attr.type="int"/>
<key id="name" for="graph" attr.name="name" attr.type="string"/>
"""


# ---------------------------------------------------------------- round trip

@FAST
@given(journeys())
def test_round_trip_is_lossless(journey: Journey) -> None:
    text = export_journey(journey, "graphml")
    assert _import(text) == journey
    assert _import(text.encode("utf-8")) == journey


def test_transition_order_control_characters_and_notes_survive() -> None:
    journey = _journey()
    assert _import(export_journey(journey, "graphml")) == journey


def test_networkx_reads_the_export_as_the_journeys_graph() -> None:
    g = nx.parse_graphml(export_journey(_journey(), "graphml"))
    assert isinstance(g, nx.DiGraph) and not g.is_multigraph()
    assert set(g.nodes) == {"search", "bot", "agent"}
    assert g.nodes["agent"]["emotion"] == -2 and "emotion" not in g.nodes["bot"]  # None is an absent attribute
    assert g.edges["bot", "agent"]["share"] == 0.3 and g.edges["bot", "agent"]["kind"] == "escalation"
    assert g.graph["name"] == "Get help with billing"
    assert g.graph["stages.json"] == '["Discover", "Get help"]'


@pytest.mark.parametrize("filename", ["j.graphml", "J.GraphML", "j.xml"])
def test_graphml_is_guessed_from_the_extension(filename: str) -> None:
    text = export_journey(_journey(), "graphml")
    assert guess_format(filename, text) == "graphml"
    assert import_journey(text.encode(), filename=filename) == _journey()


def test_graphml_is_sniffed_from_the_content() -> None:
    text = export_journey(_journey(), "graphml")
    assert guess_format(None, text) == "graphml"
    assert import_journey(text) == _journey()


def test_files_edited_in_graph_tools_are_read() -> None:
    """yEd/Gephi add positions, colours and edge ids and may type lists as plain JSON text."""
    text = _graphml(
        """\
        <node id="a"><data key="label">Sign up</data><data key="stage">Onboard</data>
          <data key="x">10.5</data><data key="color">red</data></node>
        <node id="b"><data key="label">First login</data><data key="stage">Onboard</data></node>
        <edge id="e0" source="a" target="b"><data key="weight">3</data></edge>
        <data key="name">Onboarding</data><data key="stages">["Onboard"]</data>
        """,
        STEP_KEYS + """\
        <key id="x" for="node" attr.name="x" attr.type="double"/>
        <key id="color" for="node" attr.name="color" attr.type="string"/>
        <key id="weight" for="edge" attr.name="weight" attr.type="int"/>
        <key id="stages" for="graph" attr.name="stages" attr.type="string"/>
        """,
    )
    journey = _import(text)
    assert journey.name == "Onboarding" and journey.stages == ["Onboard"]
    assert [s.label for s in journey.steps] == ["Sign up", "First login"]
    assert [(t.source, t.target) for t in journey.transitions] == [("a", "b")]


# ---------------------------------------------------------------- bad files

def test_broken_xml_gives_the_line() -> None:
    text = _graphml('<node id="a">\n<data key="label">x</data>\n</nod>\n', STEP_KEYS)
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert error.value.message == "The GraphML file could not be imported"
    [(where, reason)] = _problems(error)
    assert where == "line 10"  # 2 header lines, 4 keys, <graph>, <node>, <data>, </nod>
    assert reason.startswith("the XML is not well-formed: mismatched tag")


def test_billion_laughs_is_refused_before_parsing() -> None:
    text = textwrap.dedent("""\
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        ]>
        <graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed">
        <node id="a"/></graph></graphml>
        """)
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    [(where, reason)] = _problems(error)
    assert where == "line 2"
    assert "DOCTYPE" in reason and "not accepted" in reason


def test_external_entities_are_refused() -> None:
    text = '<?xml version="1.0"?>\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n<graphml/>'
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert "ENTITY" in error.value.problems[0].reason


def test_xml_that_is_not_graphml() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import("<html><body><script>alert(1)</script></body></html>")
    assert "<html>, not <graphml>" in error.value.problems[0].reason


def test_graphml_without_a_graph() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import(HEAD + "</graphml>")
    assert "no <graph> element" in error.value.problems[0].reason


def test_structure_problems_are_all_listed() -> None:
    text = _graphml(
        """\
        <node id="a"/><node id="a"/><node/>
        <edge source="a" target="ghost"/>
        <edge source="a" target="a"/><edge source="a" target="a"/>
        <edge source="a"/>
        """,
        STEP_KEYS,
        edgedefault="undirected",
    )
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert _problems(error) == [
        ("graph", "edgedefault is 'undirected'; a journey's transitions have a direction, "
                  'so use edgedefault="directed"'),
        ("node 'a'", "is declared twice"),
        ("node #3", "has no id"),
        ("edge #1 'a' → 'ghost'", "node 'ghost' is not declared"),
        ("edge #3 'a' → 'a'", "this transition is listed twice"),
        ("edge #4", "needs both a source and a target"),
    ]


def test_model_problems_name_the_node() -> None:
    text = _graphml(
        """\
        <node id="a"><data key="label">Sign up</data><data key="stage">Onboard</data>
          <data key="emotion">7</data></node>
        <node id="b"><data key="stage">Nowhere</data></node>
        <data key="name">Onboarding</data>
        """,
        STEP_KEYS,
    )
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    wheres = [where for where, _ in _problems(error)]
    assert any("emotion" in w and ("Sign up" in w or "'a'" in w) for w in wheres), wheres
    assert any(w.startswith("node 'b'") and w.endswith("label") for w in wheres), wheres


def test_integrity_problems_are_reported() -> None:
    text = _graphml(
        """\
        <node id="a"><data key="label">Sign up</data><data key="stage">Nowhere</data></node>
        <data key="name">Onboarding</data>
        """,
        STEP_KEYS,
    )
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert "stage 'Nowhere' is not one of the journey's stages" in str(error.value)


def test_bad_json_in_a_list_attribute() -> None:
    text = export_journey(_journey(), "graphml").replace('["Discover", "Get help"]', '["Discover", ')
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    [(where, reason)] = _problems(error)
    assert where == "graph.stages" and reason.startswith("is not valid JSON")


def test_unknown_attribute_types_are_reported_not_raised() -> None:
    text = _graphml('<node id="a"><data key="k">x</data></node>\n',
                    '<key id="k" for="node" attr.name="label" attr.type="complex"/>\n')
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert error.value.problems[0].reason.startswith("not readable as GraphML")


def test_wrongly_typed_values_are_reported() -> None:
    text = _graphml('<node id="a"><data key="emotion">very sad</data></node>\n', STEP_KEYS)
    with pytest.raises(InvalidJourney):
        _import(text)


def test_newer_schema_version_says_to_upgrade() -> None:
    text = export_journey(_journey(), "graphml").replace('<data key="d0">1</data>', '<data key="d0">3</data>')
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    [(where, reason)] = _problems(error)
    assert where == "graph.schema_version" and "newer version of journeys" in reason


def test_binary_junk_and_empty_files() -> None:
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"", "   "):
        with pytest.raises(InvalidJourney):
            _import(data)


def test_html_in_labels_is_kept_as_text() -> None:
    journey = _journey().model_copy(deep=True)
    journey.steps[0].label = "<img src=x onerror=alert(1)> &amp; ]]>"
    assert _import(export_journey(journey, "graphml")).steps[0].label == "<img src=x onerror=alert(1)> &amp; ]]>"


# ---------------------------------------------------------------- fuzz

@examples(200, deadline=None)
@given(st.one_of(st.text(), st.binary(), st.text(alphabet='<>/="graphml node edge data key id? \n!&;')))
def test_arbitrary_input_only_ever_raises_invalid_journey(data: str | bytes) -> None:
    try:
        _import(data)
    except InvalidJourney as error:
        assert "internal error" not in str(error)


@examples(100, deadline=None)
@given(journeys(max_steps=4), st.data())
def test_damaged_exports_only_ever_raise_invalid_journey(journey: Journey, data: st.DataObject) -> None:
    text = export_journey(journey, "graphml")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 60)))
    damaged = text[:start] + data.draw(st.text(max_size=8)) + text[end:]
    try:
        _import(damaged)
    except InvalidJourney as error:
        assert "internal error" not in str(error)
