"""Journey ↔ NetworkX, and the structural checks and path analytics on it.

The graph is the source of truth for structure: every check and path question
is answered by a NetworkX algorithm on the DiGraph, never by our own traversal.
Written in NetworkX's style: the graph comes first (a DiGraph from :func:`to_digraph`,
or a :class:`~journeys.model.Journey`, turned into one), predicates read ``is_…`` /
``has_…``, and the docstrings are numpydoc with examples run as tests
(tests/test_docstring_examples.py); every example uses ``G``, this three-step journey::

    >>> from journeys.model import Journey, Step, Transition
    >>> J = Journey(name="Reset", stages=["Help"], lanes=["customer", "system"], steps=[
    ...     Step(id="ask", label="Asks the bot", stage="Help", lane="customer"),
    ...     Step(id="bot", label="Bot answers", stage="Help", lane="system", handled_by="bot"),
    ...     Step(id="done", label="Password reset", stage="Help", lane="customer", kind="outcome")],
    ...     transitions=[Transition(source="ask", target="bot"), Transition(source="bot", target="done")])
    >>> G = to_digraph(J)
    >>> sorted(G.nodes)
    ['ask', 'bot', 'done']
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import networkx as nx
import numpy as np

from journeys.bounded import SHOWN, clipped, some_of
from journeys.model import HandledBy, Journey, StepKind, TransitionKind, parse_journey

SHARE_TOLERANCE = 0.01
_Node = TypeVar("_Node", bound=Hashable)  # a step id, or a group number of nx.condensation
_JOURNEY_FIELDS = ("name", "state", "derived_from", "description", "stages", "lanes", "personas", "entry", "notes")


def to_digraph(journey: Journey) -> nx.DiGraph:
    """The journey as a DiGraph: steps are nodes, transitions edges, the rest graph attributes.

    Lossless: ``from_digraph(to_digraph(j)) == j``. A DiGraph lists edges grouped
    by source node, so the journey's own order of steps and transitions is kept
    in ``step_order`` and ``transition_order``.
    """
    g: nx.DiGraph[str] = nx.DiGraph()
    meta = journey.model_dump(mode="python", include=set(_JOURNEY_FIELDS))
    g.graph.update(meta)
    g.graph["step_order"] = journey.step_ids()
    g.graph["transition_order"] = [(t.source, t.target) for t in journey.transitions]
    for s in journey.steps:
        g.add_node(s.id, **s.model_dump(mode="python", exclude={"id"}))
    for t in journey.transitions:
        g.add_edge(t.source, t.target, **t.model_dump(mode="python", exclude={"source", "target"}))
    return g


def digraph_to_data(g: nx.DiGraph) -> dict[str, Any]:
    """A DiGraph (ours, edited in NetworkX, or read from GraphML) as plain journey data, in journey order.

    Plain data rather than a Journey so a caller can validate it with
    :func:`journeys.model.parse_journey` and get every problem located.
    """
    def pairs(value: Any) -> list[tuple[Any, ...]]:
        return [tuple(p) for p in value if isinstance(p, list | tuple)] if isinstance(value, list) else []

    step_order = g.graph.get("step_order")
    step_order = [n for n in step_order if n in g] if isinstance(step_order, list) else []
    nodes = list(dict.fromkeys([*step_order, *g.nodes]))
    rank = {pair: i for i, pair in enumerate(pairs(g.graph.get("transition_order")))}
    edges = sorted(g.edges(data=True), key=lambda e: rank.get((e[0], e[1]), len(rank)))
    return {
        **{k: g.graph[k] for k in _JOURNEY_FIELDS if k in g.graph},
        "steps": [{"id": n, **g.nodes[n]} for n in nodes],
        "transitions": [{"source": u, "target": v, **data} for u, v, data in edges],
    }


def from_digraph(g: nx.DiGraph) -> Journey:
    """Rebuild the journey from a DiGraph; InvalidJourney lists every problem."""
    return parse_journey(digraph_to_data(g))


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Finding:
    """One structural problem: a stable code, how bad, which steps, and why in plain words."""

    code: str
    severity: Severity
    steps: tuple[str, ...]
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": str(self.severity), "steps": list(self.steps), "message": self.message}


def _labels(g: nx.DiGraph, nodes: Sequence[str]) -> str:
    """The steps' labels for a message: the first few, then "… and N more" (bounded however many)."""
    return some_of([g.nodes[n]["label"] for n in nodes[:SHOWN]], total=len(nodes))


def is_outcome(g: nx.DiGraph, n: str) -> bool:
    """Whether step ``n`` ends the journey (resolved, cancelled, …): an outcome is never a dead end.

    Examples
    --------
    >>> is_outcome(G, "done"), is_outcome(G, "bot")
    (True, False)
    """
    return bool(g.nodes[n]["kind"] == StepKind.outcome)


def is_automated(g: nx.DiGraph, n: str) -> bool:
    """Whether step ``n`` is handled by a bot (checked for loops and for a route to a person).

    Examples
    --------
    >>> is_automated(G, "bot"), is_automated(G, "ask")
    (True, False)
    """
    return bool(handled_by(g, n) == HandledBy.bot)


def handled_by(g: nx.DiGraph, n: str) -> HandledBy:
    """Who handles step ``n``: a human, a bot or the customer alone."""
    return HandledBy(g.nodes[n]["handled_by"])


def is_dead_end(g: nx.DiGraph, n: str) -> bool:
    """Whether customers who reach step ``n`` cannot leave it, and it is not an outcome.

    Examples
    --------
    >>> [n for n in G if is_dead_end(G, n)]
    []
    """
    return g.out_degree(n) == 0 and not is_outcome(g, n)


def has_route_to_human(g: nx.DiGraph, n: str) -> bool:
    """Whether some path from step ``n`` reaches a step a person handles (``n`` itself included).

    Examples
    --------
    >>> has_route_to_human(G, "bot")
    False
    """
    return handled_by(g, n) == HandledBy.human or any(
        handled_by(g, m) == HandledBy.human for m in nx.descendants(g, n))


def _reaching(g: nx.DiGraph[_Node], targets: set[_Node]) -> set[_Node]:
    """Every node with a path to one of ``targets`` (the targets included): one reverse BFS from all at once."""
    return set().union(*nx.bfs_layers(g.reverse(copy=False), targets)) if targets else set()


def _induced(g: nx.DiGraph, nodes: set[str]) -> nx.DiGraph:
    """The bare subgraph on ``nodes`` (no attributes): NetworkX's subgraph *view* filters every
    lookup and is several times slower to search than this plain copy."""
    sub: nx.DiGraph[str] = nx.DiGraph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from((u, v) for u, v in g.edges if u in nodes and v in nodes)
    return sub


def find_dead_ends(g: nx.DiGraph) -> list[Finding]:
    """Steps customers reach but cannot leave, other than outcomes."""
    return [
        Finding("dead_end", Severity.error, (n,),
                f"Step '{clipped(g.nodes[n]['label'])}' has no way forward and is not an outcome: "
                "customers who reach it are stuck.")
        for n in g.nodes if is_dead_end(g, n)
    ]


def find_unreachable(g: nx.DiGraph, entry: str | None) -> list[Finding]:
    """Steps no path from the entry leads to."""
    if entry is None or entry not in g:
        return []
    reached = nx.descendants(g, entry) | {entry}
    lost = [n for n in g.nodes if n not in reached]
    if not lost:
        return []
    return [Finding("unreachable", Severity.warning, tuple(lost),
                    f"No path from the entry '{clipped(g.nodes[entry]['label'])}' reaches {_labels(g, lost)}.")]


def find_bot_loops(g: nx.DiGraph) -> list[Finding]:
    """Cycles of automated steps from which neither a human nor an outcome can be reached.

    One finding per loop (a strongly connected group of bot steps), in linear time: the exits
    (human or outcome steps) every step can reach come from one reverse search over the
    condensation of the whole journey, not from a search per step.
    """
    bots = _induced(g, {n for n in g.nodes if handled_by(g, n) == HandledBy.bot})
    loops = [c for c in nx.strongly_connected_components(bots)
             if len(c) > 1 or bots.has_edge(next(iter(c)), next(iter(c)))]
    if not loops:
        return []
    exits = {n for n in g.nodes if handled_by(g, n) == HandledBy.human or is_outcome(g, n)}
    dag = nx.condensation(g)
    group = dag.graph["mapping"]  # step → its strongly connected group in the whole journey
    exits_in: defaultdict[int, int] = defaultdict(int)
    for n in exits:
        exits_in[group[n]] += 1
    leads_to_exit = _reaching(dag, set(exits_in))
    findings = []
    for loop in loops:
        whole = group[next(iter(loop))]  # the loop lies inside one group of the whole journey
        # An exit outside the loop: in the same group of the whole journey, or in a group downstream of it.
        if exits_in[whole] > len(loop & exits) or any(c in leads_to_exit for c in dag.successors(whole)):
            continue
        steps = tuple(n for n in g.nodes if n in loop)  # journey order: the loop reads as it was drawn
        findings.append(Finding("bot_loop", Severity.error, steps,
                                f"Automated steps {_labels(g, steps)} loop with no exit to a person or an outcome."))
    return findings


def find_no_route_to_human(g: nx.DiGraph) -> list[Finding]:
    """Automated steps from which no path leads to a human: customers cannot get a person.

    One reverse search from every human step at once gives the steps that can reach a person;
    the automated steps left over are reported as one finding per connected group of them
    (a 10,000-step bot chain is one finding, not 10,000).
    """
    reach_human = _reaching(g, {n for n in g.nodes if handled_by(g, n) == HandledBy.human})
    stuck = [n for n in g.nodes if handled_by(g, n) == HandledBy.bot and n not in reach_human]
    order = {n: i for i, n in enumerate(stuck)}
    findings = []
    for part in nx.weakly_connected_components(_induced(g, set(stuck))):
        steps = tuple(sorted(part, key=order.__getitem__))
        if len(steps) == 1:
            message = f"Automated step '{clipped(g.nodes[steps[0]]['label'])}' offers no route to a human."
        else:
            message = f"Automated steps {_labels(g, steps)} offer no route to a human."
        findings.append(Finding("no_route_to_human", Severity.error, steps, message))
    return findings


def find_share_problems(g: nx.DiGraph) -> list[Finding]:
    """Steps whose outgoing expected shares are given but do not add up to 100 %."""
    findings = []
    for n in g.nodes:
        shares = [d["share"] for _, _, d in g.out_edges(n, data=True)]
        given = [s for s in shares if s is not None]
        if not given:
            continue
        total = sum(given)
        if len(given) == len(shares) and abs(total - 1.0) > SHARE_TOLERANCE:
            findings.append(Finding("shares_not_100", Severity.warning, (n,),
                                    f"Expected shares leaving '{g.nodes[n]['label']}' add up to "
                                    f"{total:.0%}, not 100%."))
        elif len(given) < len(shares) and total > 1.0 + SHARE_TOLERANCE:
            findings.append(Finding("shares_not_100", Severity.warning, (n,),
                                    f"Expected shares leaving '{g.nodes[n]['label']}' already add up to "
                                    f"{total:.0%} before the transitions without a share."))
    return findings


def check(journey: Journey | nx.DiGraph) -> list[Finding]:
    """Every structural check, errors first; the list the map's check panel shows.

    Parameters
    ----------
    journey : Journey or DiGraph
        The journey, or its graph from :func:`to_digraph` (edited in NetworkX or read from GraphML).

    Returns
    -------
    list of Finding
        Dead ends, steps no path reaches, bot loops, bot steps with no route to a person, and
        shares that do not add up; each with its steps and a sentence. Linear in the journey's size.

    Examples
    --------
    >>> [f.code for f in check(G)]
    ['no_route_to_human']
    """
    if isinstance(journey, nx.DiGraph):
        journey = from_digraph(journey)
    if not journey.steps:  # a skeleton (stages only, e.g. a Mermaid diagram of sections): nothing else to check
        return [Finding("draft", Severity.warning, (), "Draft: no steps yet, only stages. Add steps (or import a "
                        "diagram with tasks) before relying on checks or metrics.")]
    g = to_digraph(journey)
    findings = (find_dead_ends(g) + find_unreachable(g, journey.entry_step()) + find_bot_loops(g)
                + find_no_route_to_human(g) + find_share_problems(g))
    return sorted(findings, key=lambda f: (f.severity != Severity.error, f.code, f.steps))


def transition_probabilities(g: nx.DiGraph) -> dict[tuple[str, str], float]:
    """Each transition's share, with missing shares splitting the remainder evenly."""
    probs: dict[tuple[str, str], float] = {}
    for n in g.nodes:
        out = list(g.out_edges(n, data=True))
        if not out:
            continue
        given = sum(d["share"] for _, _, d in out if d["share"] is not None)
        missing = [(u, v) for u, v, d in out if d["share"] is None]
        rest = max(0.0, 1.0 - given) / len(missing) if missing else 0.0
        for u, v, d in out:
            probs[(u, v)] = d["share"] if d["share"] is not None else rest
    return probs


def expected_reach(journey: Journey | nx.DiGraph) -> dict[str, float]:
    """Expected visits per customer entering the journey, from the transition shares.

    Solves r = e + Pᵀr (an absorbing Markov chain), so retry loops count repeat
    visits. When a loop never lets customers out (the system is singular) the
    retry edges are dropped and the rest solved, so the figure stays finite.

    Examples
    --------
    >>> expected_reach(G)
    {'ask': 1.0, 'bot': 1.0, 'done': 1.0}
    """
    if isinstance(journey, nx.DiGraph):
        journey = from_digraph(journey)
    # SciPy loads here, not with the module: it costs every CLI command ~0.25 s at start-up otherwise.
    from scipy import sparse
    from scipy.sparse.linalg import MatrixRankWarning, spsolve

    g = to_digraph(journey)
    entry = journey.entry_step()
    if entry is None:
        return {}
    nodes = list(g.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    probs = transition_probabilities(g)
    e = np.zeros(len(nodes))
    e[index[entry]] = 1.0
    identity = sparse.identity(len(nodes), format="csc")
    for drop_retries in (False, True):
        kept = [(index[u], index[v], share) for (u, v), share in probs.items()
                if not (drop_retries and g.edges[u, v]["kind"] == TransitionKind.retry)]
        rows, cols, shares = zip(*kept, strict=True) if kept else ((), (), ())
        # Sparse: a 10,000-step journey has tens of thousands of transitions, not 10⁸ matrix cells.
        p_t = sparse.csc_matrix((shares, (cols, rows)), shape=(len(nodes), len(nodes)))
        with warnings.catch_warnings():
            warnings.simplefilter("error", MatrixRankWarning)
            try:
                reach = np.atleast_1d(spsolve((identity - p_t).tocsc(), e))
            except (MatrixRankWarning, RuntimeError):  # singular: a loop nobody leaves
                continue
        if np.all(np.isfinite(reach)) and reach.min() > -1e-9:
            return {n: float(max(0.0, reach[index[n]])) for n in nodes}
    return {n: math.nan for n in nodes}


def most_likely_path(journey: Journey | nx.DiGraph) -> list[str]:
    """The entry-to-end path with the highest product of shares (Dijkstra on −log share).

    Examples
    --------
    >>> most_likely_path(G)
    ['ask', 'bot', 'done']
    """
    if isinstance(journey, nx.DiGraph):
        journey = from_digraph(journey)
    g = to_digraph(journey)
    entry = journey.entry_step()
    if entry is None:
        return []
    probs = transition_probabilities(g)
    weighted: nx.DiGraph[str] = nx.DiGraph()
    weighted.add_nodes_from(g.nodes)
    for (u, v), share in probs.items():
        if share > 0 and g.edges[u, v]["kind"] != TransitionKind.retry:
            weighted.add_edge(u, v, cost=-math.log(share))
    # Predecessors, not every path: single_source_dijkstra's paths hold n lists of up to n steps
    # (quadratic on a long chain). pred[n][0] is the step its path came from, as in those paths.
    pred, cost = nx.dijkstra_predecessor_and_distance(weighted, entry, weight="cost")
    hops = {entry: 1}
    for n in cost:  # settled in order, so a step's predecessor is counted before it
        if n != entry:
            hops[n] = hops[pred[n][0]] + 1
    ends = [n for n in cost if weighted.out_degree(n) == 0] or list(cost)
    best = min(ends, key=lambda n: (cost[n] - hops[n] * 1e-9, n))
    path = [best]
    while path[-1] != entry:
        path.append(pred[path[-1]][0])
    return path[::-1]
