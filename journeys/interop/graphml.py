"""GraphML export and import, for graph tools (Gephi, yEd, Cytoscape) and NetworkX users.

The file is NetworkX's GraphML (``nx.generate_graphml`` / ``nx.parse_graphml``)
of :func:`journeys.graph.to_digraph`: one ``<node>`` per step (id = step id),
one ``<edge>`` per transition, journey fields as graph ``<data>``.

GraphML data values are scalars, so the encoding is:

* strings, integers (``emotion``) and doubles (``share``) are written as-is;
  enums as their string value (``"touchpoint"``, ``"escalation"`` …);
* ``None`` (no emotion, no share, no entry) is an *absent* ``<data>`` element;
* lists and objects (``stages``, ``lanes``, ``personas``, ``notes``,
  ``step_order``) are JSON text under the attribute name plus ``.json``
  (``stages.json = ["Discover", "Sign up"]``), so any tool shows they are JSON;
* a string XML 1.0 cannot carry (control characters, a carriage return, which
  XML parsers turn into a newline) is written as a JSON string under
  ``<name>.json`` too. That keeps the export lossless for any valid journey;
* ``transition_order.json`` keeps the order of the transitions (a DiGraph
  orders edges by source node), and ``schema_version`` (``1``) the format.

Import accepts files edited in other tools: attributes that are not journey
fields (positions, colours, edge ids …) are ignored, a list field given as
plain JSON text without ``.json`` is read, and a missing ``schema_version``
is read as 1. Only the first ``<graph>`` of a file is read. DOCTYPE and ENTITY
declarations are refused before parsing (entity expansion attacks), and every
problem found is reported together, with a line number where the XML parser
gives one.
"""

from __future__ import annotations

import json
import re
import warnings
import xml.etree.ElementTree as ET
from enum import Enum
from typing import Any
from xml.parsers.expat import errors as expat_errors

import networkx as nx
from pydantic_core import to_jsonable_python

from journeys.errors import InvalidJourney, Problem
from journeys.graph import digraph_to_data, to_digraph
from journeys.interop._text import decode, line_of, schema_version_problems
from journeys.model import Journey, Step, Transition, parse_journey, size_problems

SCHEMA_VERSION = 1
_FAILED = "The GraphML file could not be imported"
_NS = "{http://graphml.graphdrawing.org/xmlns}"
_JSON_SUFFIX = ".json"
_LIST_FIELDS = ("stages", "lanes", "personas", "notes", "step_order", "transition_order")
_GRAPH_FIELDS = ("name", "state", "derived_from", "description", "entry", *_LIST_FIELDS)
_STEP_FIELDS = tuple(f for f in Step.model_fields if f != "id")
_TRANSITION_FIELDS = tuple(f for f in Transition.model_fields if f not in ("source", "target"))
# Characters XML 1.0 cannot hold in element text; "\r" is legal but parsers normalise it to "\n".
_NOT_XML_SAFE = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


# ---------------------------------------------------------------- export

def _encode(attrs: dict[str, Any]) -> dict[str, Any]:
    """GraphML-safe attributes: see the module docstring for the rules."""
    out: dict[str, Any] = {}
    for name, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, bool | int | float):
            out[name] = float(value) if name == "share" else value
        elif isinstance(value, str) and not _NOT_XML_SAFE.search(value):
            out[name] = value
        else:
            text = json.dumps(to_jsonable_python(value), ensure_ascii=False)
            if _NOT_XML_SAFE.search(text):
                text = json.dumps(to_jsonable_python(value), ensure_ascii=True)
            out[name + _JSON_SUFFIX] = text
    return out


def export_graphml(journey: Journey) -> str:
    """The journey as a GraphML document (lossless; see the module docstring)."""
    g = to_digraph(journey)
    out: nx.DiGraph[str] = nx.DiGraph()
    out.graph.update(_encode({
        "schema_version": SCHEMA_VERSION,
        **g.graph,
    }))
    for node, attrs in g.nodes(data=True):
        out.add_node(node, **_encode(attrs))
    for u, v, attrs in g.edges(data=True):
        out.add_edge(u, v, **_encode(attrs))
    # NetworkX writes ASCII (other characters as &#...; references), so the declaration is always true.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(nx.generate_graphml(out)) + "\n"


# ---------------------------------------------------------------- import

def _parse_with_lines(text: str) -> ET.Element | Problem:
    """The XML's root, or the one problem that stops reading it: a DOCTYPE/ENTITY declaration (refused before
    parsing) or a syntax error, each with its line number."""
    declaration = _DECLARATION.search(text)
    if declaration:
        return Problem(f"line {line_of(text, declaration.start())}",
                       f"<!{declaration.group(1).upper()} declarations are not accepted in journey files "
                       "(they can expand to gigabytes or read local files); remove them")
    try:
        return ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        reason = expat_errors.messages.get(error.code, str(error))
        return Problem(f"line {line}", f"the XML is not well-formed: {reason} (column {column + 1})")


def _first_graph(root: ET.Element) -> tuple[ET.Element, str] | Problem:
    """The first ``<graph>`` of a GraphML document and the namespace prefix its elements use, or why there is none."""
    local = root.tag.rsplit("}", 1)[-1]
    if local != "graphml":
        return Problem("file", f"the root element is <{local}>, not <graphml>: this is XML but not GraphML")
    ns = _NS if root.tag.startswith(_NS) else ""
    graphs = root.findall(f"{ns}graph")
    if not graphs:
        return Problem("file", "there is no <graph> element in the GraphML namespace "
                               "(xmlns=\"http://graphml.graphdrawing.org/xmlns\")")
    return graphs[0], ns


def _declared_nodes(nodes: list[ET.Element]) -> tuple[set[str], list[Problem]]:
    """The node ids declared, and the nodes without an id or declared twice (NetworkX would merge them)."""
    declared: set[str] = set()
    problems = []
    for k, node in enumerate(nodes):
        node_id = node.get("id")
        if not node_id:
            problems.append(Problem(f"node #{k + 1}", "has no id"))
        elif node_id in declared:
            problems.append(Problem(f"node '{node_id}'", "is declared twice"))
        else:
            declared.add(node_id)
    return declared, problems


def _edge_problems(edges: list[ET.Element], declared: set[str]) -> list[Problem]:
    """Edges NetworkX would take silently: without both ends, to an undeclared node, undirected or repeated."""
    problems = []
    pairs: set[tuple[str, str]] = set()
    for k, edge in enumerate(edges):
        source, target = edge.get("source"), edge.get("target")
        where = f"edge #{k + 1} '{source}' → '{target}'"
        if not source or not target:
            problems.append(Problem(f"edge #{k + 1}", "needs both a source and a target"))
            continue
        problems += [Problem(where, f"node '{end}' is not declared") for end in (source, target) if end not in declared]
        if edge.get("directed") == "false":
            problems.append(Problem(where, "is undirected (directed=\"false\"); transitions have a direction"))
        if (source, target) in pairs:
            problems.append(Problem(where, "this transition is listed twice"))
        pairs.add((source, target))
    return problems


def _structure_problems(text: str) -> list[Problem]:
    """Problems NetworkX would silently paper over (duplicate nodes, dangling or parallel edges).

    Also the only place the XML is parsed with positions, so syntax errors get a line number.
    """
    root = _parse_with_lines(text)
    if isinstance(root, Problem):
        return [root]
    found = _first_graph(root)
    if isinstance(found, Problem):
        return [found]
    graph, ns = found
    problems = []
    if graph.get("edgedefault") != "directed":
        problems.append(Problem("graph", f"edgedefault is {graph.get('edgedefault')!r}; a journey's transitions "
                                         "have a direction, so use edgedefault=\"directed\""))
    nodes, edges = graph.findall(f"{ns}node"), graph.findall(f"{ns}edge")
    too_big = size_problems({"steps": nodes, "transitions": edges})
    if too_big:  # before NetworkX builds a graph of that size
        return too_big
    declared, node_problems = _declared_nodes(nodes)
    return [*problems, *node_problems, *_edge_problems(edges, declared)]


def _decode_attrs(attrs: dict[str, Any], keep: tuple[str, ...], where: str,
                  problems: list[Problem], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """Journey fields from GraphML data: undo ``.json`` encoding, drop other tools' attributes."""
    out: dict[str, Any] = {}
    for name, value in attrs.items():
        base, encoded = (name[: -len(_JSON_SUFFIX)], True) if name.endswith(_JSON_SUFFIX) else (name, False)
        if base not in keep:
            continue
        if base in out:
            problems.append(Problem(f"{where}.{base}", f"is given both as '{base}' and '{base}{_JSON_SUFFIX}'"))
            continue
        if (encoded or base in lists) and isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError) as error:
                if encoded or value.lstrip()[:1] in ("[", "{"):
                    problems.append(Problem(f"{where}.{base}", f"is not valid JSON: {error}"))
                    continue
                value = [value]  # a single stage/lane/persona typed as plain text in a graph tool
        out[base] = value
    return out


def _located(problems: list[Problem], order: list[str], edges: list[tuple[str, str]]) -> list[Problem]:
    """Name steps and transitions by node id / edge rather than list index, as a GraphML user sees them."""
    def rename(problem: Problem) -> str:
        kind, index = (*problem.path, None, None)[:2]
        if kind == "steps" and isinstance(index, int) and index < len(order):
            return f"node '{order[index]}'" + "".join(f".{f}" for f in problem.path[2:])
        if kind == "transitions" and isinstance(index, int) and index < len(edges):
            u, v = edges[index]
            return f"edge '{u}' → '{v}'" + "".join(f".{f}" for f in problem.path[2:])
        return f"graph.{problem.where}" if kind == "notes" else problem.where
    return [Problem(rename(p), p.reason, p.path) for p in problems]


def import_graphml(data: str | bytes) -> Journey:
    """Read a GraphML journey; InvalidJourney lists every problem found."""
    text = decode(data, "GraphML")
    problems = _structure_problems(text)
    if problems:
        raise InvalidJourney(_FAILED, problems)
    try:
        with warnings.catch_warnings():  # "no key type", "port not supported": the file's quirks, not ours
            warnings.simplefilter("ignore")
            raw = nx.parse_graphml(text)
    except Exception as error:  # third-party parser on untrusted input: any failure is the file's fault
        raise InvalidJourney(_FAILED, [Problem("file", f"not readable as GraphML: {error}")]) from None

    graph = _decode_attrs(raw.graph, (*_GRAPH_FIELDS, "schema_version"), "graph", problems, _LIST_FIELDS)
    version = graph.pop("schema_version", SCHEMA_VERSION)
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version)  # GraphML attributes may be typed as strings by hand or by another tool
    problems += schema_version_problems(version, "graph.schema_version", SCHEMA_VERSION, _FAILED)
    g: nx.DiGraph[str] = nx.DiGraph()
    g.graph.update(graph)
    for node, attrs in raw.nodes(data=True):
        g.add_node(node, **_decode_attrs(attrs, _STEP_FIELDS, f"node '{node}'", problems))
    for u, v, attrs in raw.edges(data=True):
        g.add_edge(u, v, **_decode_attrs(attrs, _TRANSITION_FIELDS, f"edge '{u}' → '{v}'", problems))
    if problems:
        raise InvalidJourney(_FAILED, problems)

    body = digraph_to_data(g)
    order = [s["id"] if isinstance(s, dict) else "?" for s in body["steps"]]
    edges = [(t.get("source"), t.get("target")) for t in body["transitions"]]
    try:
        return parse_journey(body)
    except InvalidJourney as error:
        raise InvalidJourney(_FAILED, _located(error.problems or [Problem("file", error.message)],
                                               order, edges)) from None
