"""Conformance: the journey customers take (an event log) against the journey as designed.

Through an activity → step map (:mod:`.mapping`) every event becomes a step, and the
directly-follows graph is computed again over steps — in the same single query as
:func:`journeys.discover.dfg.dfg`, so every count is exact (a case that takes one step pair by two
different activity pairs is one case, not two). Activities without a step stay themselves: a
transition touching one is *unmapped*, never silently dropped.

- **designed**: every transition of the journey with the observed count (events and cases), the
  observed share — of the transitions leaving the source step, the part going to this target — and
  the designed ``Transition.share`` beside it; a designed transition nobody takes has 0 events;
- **undesigned**: step pairs customers take that the journey lacks, with their volume;
- **loops**: observed step pairs that return — a self-loop (a step followed by itself) or a
  back-edge (the designed journey leads from the target back to the source, so this transition
  lets a customer go round again), designed or not;
- **headline** (:attr:`Conformance.designed_share`): the share of all observed transitions (events)
  that the journey designs. Transitions touching unmapped activities count as not designed.

:func:`add_route` puts an undesigned route into a journey (a new :class:`~journeys.model.Journey`;
the caller saves it as a new revision).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from journeys.discover.dfg import Cursors, LogFilter, case_count, cursor, edge_rows, events_sql, open_log
from journeys.discover.mapping import check_activity_map
from journeys.errors import InvalidJourney, JourneysError, Problem
from journeys.graph import to_digraph
from journeys.model import Journey, Transition, TransitionKind, validated

DESIGNED_COLUMNS = ("source", "target", "kind", "expected_share", "events", "cases", "observed_share", "share_gap",
                    "median_seconds")
UNDESIGNED_COLUMNS = ("source", "target", "events", "cases", "observed_share", "loop", "median_seconds")
UNMAPPED_COLUMNS = ("source", "target", "source_is_step", "target_is_step", "events", "cases")
LOOP_COLUMNS = ("source", "target", "loop", "designed", "events", "cases")


@dataclass(frozen=True)
class Conformance:
    """Observed behaviour against a journey's design (tables described in the module docstring)."""

    journey: str
    designed: pd.DataFrame
    undesigned: pd.DataFrame
    unmapped: pd.DataFrame
    loops: pd.DataFrame
    unmapped_activities: pd.DataFrame   # activity, events: activities the map puts on no step
    transitions: int                    # every observed transition (events) in the filtered log
    designed_events: int                # of which the journey designs
    mapped_events: int                  # of which both ends are steps
    cases: int
    filters: LogFilter = field(default_factory=LogFilter)

    @property
    def designed_share(self) -> float:
        """The headline: share of observed transitions (events) that the journey designs (NaN without any)."""
        return self.designed_events / self.transitions if self.transitions else math.nan

    @property
    def unused(self) -> pd.DataFrame:
        """Designed transitions nobody took."""
        return self.designed[self.designed["events"] == 0].reset_index(drop=True)

    def summary(self) -> str:
        """One paragraph for a caption or the CLI."""
        share = "n/a" if math.isnan(self.designed_share) else f"{self.designed_share:.1%}"
        return (f"{share} of {self.transitions:,} observed transitions follow '{self.journey}' as designed; "
                f"{len(self.undesigned)} undesigned route(s) carry "
                f"{int(self.undesigned['events'].sum()):,} transitions; {len(self.unused)} designed transition(s) "
                f"nobody took; {len(self.loops)} loop(s); "
                f"{self.transitions - self.mapped_events:,} transitions touch activities on no step.")


def _codes(names: tuple[str, ...], mapping: Mapping[str, str | None], steps: list[str]) -> list[int]:
    index = {s: i for i, s in enumerate(steps)}
    codes = []
    for i, a in enumerate(names):
        step = mapping.get(a)
        codes.append(index[step] if step is not None else len(steps) + i)
    return codes


def node_expression(codes: list[int]) -> str:
    """SQL turning ``activity_idx`` into a node code by a list literal (cheap per row)."""
    return f"[{', '.join(str(c) for c in codes)}][activity_idx + 1]" if codes else "activity_idx"


def conformance(log: Any, journey: Journey, mapping: Mapping[str, str | None], filters: LogFilter | None = None,
                *, con: Cursors | None = None) -> Conformance:
    """Compare a stored log with ``journey`` through ``mapping`` (activity → step id or None).

    Activities of the log missing from the map are on no step. InvalidJourney when the map names a
    step the journey lacks.
    """
    problems = check_activity_map(mapping, journey)
    if problems:
        raise InvalidJourney("The activity map does not fit the journey", problems)
    stored = open_log(log)
    filters = filters or LogFilter()
    steps = journey.step_ids()
    codes = _codes(stored.activities, mapping, steps)
    with cursor(con) as cur:
        rows = edge_rows(cur, stored, filters, node=node_expression(codes))
    return _compare(rows, journey, steps, stored.activities, filters)


@dataclass
class _Observed:
    """The step-level DFG rows of a log added up, before they are set against the design."""

    pairs: dict[tuple[str, str], tuple[int, int, float]] = field(default_factory=dict)  # events, cases, median
    unmapped: list[tuple[str, str, bool, bool, int, int]] = field(default_factory=list)  # UNMAPPED_COLUMNS
    out_total: dict[str, int] = field(default_factory=dict)  # events leaving each step, to any node
    unmapped_events: dict[str, int] = field(default_factory=dict)  # events on each activity that is on no step
    transitions: int = 0
    cases: int = 0
    mapped_events: int = 0

    def add_transition(self, src: str, src_step: bool, dst: str, dst_step: bool, events: int, cases: int,
                       median: float) -> None:
        """One observed node → node transition; step → step pairs are compared with the design, the rest unmapped."""
        self.transitions += events
        if src_step:
            self.out_total[src] = self.out_total.get(src, 0) + events
        if src_step and dst_step:
            self.pairs[(src, dst)] = (events, cases, median)
            self.mapped_events += events
        else:
            self.unmapped.append((src, dst, src_step, dst_step, events, cases))

    def share(self, source: str, events: int) -> float:
        """Of the transitions leaving ``source``, the part ``events`` is (NaN when none leave it)."""
        total = self.out_total.get(source, 0)
        return events / total if total else math.nan


def _median_seconds(quantiles: Any) -> float:
    """The row's median wait in seconds (the query gives microseconds), NaN when it has none."""
    return float(quantiles[0]) / 1e6 if quantiles and quantiles[0] is not None else math.nan


def _tally(rows: list[tuple], steps: list[str], names: tuple[str, ...]) -> _Observed:
    """Add up the query's rows; a node code below ``len(steps)`` is a step, above it an activity on no step."""
    n_steps = len(steps)

    def name(code: int) -> tuple[str, bool]:
        return (steps[code], True) if code < n_steps else (names[code - n_steps], False)

    seen = _Observed()
    for node, target, n, first, n_cases, _mean, q in rows:
        seen.cases += int(first or 0)
        src, src_step = name(node)
        if not src_step:
            seen.unmapped_events[src] = seen.unmapped_events.get(src, 0) + int(n)
        if target is not None:
            seen.add_transition(src, src_step, *name(target), int(n), int(n_cases or 0), _median_seconds(q))
    return seen


def _designed_rows(journey: Journey, seen: _Observed) -> list[tuple]:
    """Every designed transition with what was observed of it (0 events when nobody took it)."""
    rows = []
    for t in journey.transitions:
        events, n_cases, median = seen.pairs.get((t.source, t.target), (0, 0, math.nan))
        share = seen.share(t.source, events)
        gap = share - t.share if t.share is not None and not math.isnan(share) else math.nan
        rows.append((t.source, t.target, str(t.kind), t.share, events, n_cases, share, gap, median))
    return rows


def _loop_kind(g: nx.DiGraph, source: str, target: str) -> str | None:
    """'self-loop', 'back-edge' when the design leads from ``target`` back to ``source``, else None."""
    if source == target:
        return "self-loop"
    return "back-edge" if nx.has_path(g, target, source) else None


def _undesigned_and_loop_rows(journey: Journey, seen: _Observed) -> tuple[list[tuple], list[tuple]]:
    """Observed step pairs the journey lacks, and observed pairs that loop (designed or not), busiest first."""
    design = {(t.source, t.target) for t in journey.transitions}
    g = to_digraph(journey)
    undesigned_rows, loop_rows = [], []
    for (s, d), (events, n_cases, median) in sorted(seen.pairs.items(), key=lambda kv: (-kv[1][0], kv[0])):
        kind = _loop_kind(g, s, d)
        if kind:
            loop_rows.append((s, d, kind, (s, d) in design, events, n_cases))
        if (s, d) not in design:
            undesigned_rows.append((s, d, events, n_cases, seen.share(s, events), kind is not None, median))
    return undesigned_rows, loop_rows


def _compare(rows: list[tuple], journey: Journey, steps: list[str], names: tuple[str, ...],
             filters: LogFilter) -> Conformance:
    """The query's rows (see :func:`edge_rows`) set against ``journey``'s design, as the result's tables."""
    seen = _tally(rows, steps, names)
    designed_rows = _designed_rows(journey, seen)
    undesigned_rows, loop_rows = _undesigned_and_loop_rows(journey, seen)
    designed_events = sum(r[4] for r in designed_rows)
    seen.unmapped.sort(key=lambda r: (-r[4], r[0], r[1]))
    idle = sorted(seen.unmapped_events.items(), key=lambda kv: (-kv[1], kv[0]))
    return Conformance(
        journey=journey.name,
        designed=pd.DataFrame(designed_rows, columns=list(DESIGNED_COLUMNS)).astype(
            {"events": "int64", "cases": "int64", "expected_share": "float64", "observed_share": "float64",
             "share_gap": "float64", "median_seconds": "float64"}),
        undesigned=pd.DataFrame(undesigned_rows, columns=list(UNDESIGNED_COLUMNS)).astype(
            {"events": "int64", "cases": "int64", "observed_share": "float64", "loop": "bool"}),
        unmapped=pd.DataFrame(seen.unmapped, columns=list(UNMAPPED_COLUMNS)).astype(
            {"events": "int64", "cases": "int64", "source_is_step": "bool", "target_is_step": "bool"}),
        loops=pd.DataFrame(loop_rows, columns=list(LOOP_COLUMNS)).astype(
            {"events": "int64", "cases": "int64", "designed": "bool"}),
        unmapped_activities=pd.DataFrame(idle, columns=["activity", "events"]).astype({"events": "int64"}),
        transitions=seen.transitions, designed_events=designed_events, mapped_events=seen.mapped_events,
        cases=seen.cases, filters=filters)


def reach(log: Any, mapping: Mapping[str, str | None], filters: LogFilter | None = None, *,
          period: str | None = None, con: Cursors | None = None) -> dict[Any, int]:
    """Cases reaching each mapped step (at least one event on it), for ``metrics.compute(reach=…)``.

    Keys are step ids; with ``period`` ("day", "week" or "month") they are ``(step, period start)``
    with the start a UTC datetime, as ``compute`` matches its own periods (a case active in two
    periods counts in both). Steps no case reached are left out. Align the log's time range with
    the tickets' (``filters``) so ``contact_rate`` compares like with like.
    """
    if period not in (None, "day", "week", "month"):
        raise JourneysError(f"period must be day, week, month or None, not {period!r}")
    stored = open_log(log)
    steps = sorted({s for s in mapping.values() if s is not None})
    index = {s: i for i, s in enumerate(steps)}
    codes = [-1 if (step := mapping.get(a)) is None else index[step] for a in stored.activities]
    when = f", date_trunc('{period}', make_timestamp(t)) AS p" if period else ""
    group = "node, p" if period else "node"
    distinct = "count(DISTINCT case_idx)" if period else case_count(stored, len(steps))  # periods: unknown count
    sql = (f"SELECT {group}, {distinct} FROM (SELECT case_idx, node{when} FROM "
           f"({events_sql(stored, filters, node_expression(codes))}) WHERE node >= 0) GROUP BY {group}")
    with cursor(con) as cur:
        rows = cur.execute(sql).fetchall()
    if period:
        return {(steps[r[0]], pd.Timestamp(r[1], tz="UTC").to_pydatetime()): int(r[2]) for r in rows}
    return {steps[r[0]]: int(r[1]) for r in rows}


def add_route(journey: Journey, source: str, target: str, label: str = "") -> Journey:
    """A copy of ``journey`` with the transition ``source → target`` added (kind normal, no expected share).

    For an undesigned route the team accepts; the caller saves it as a new revision. Raises
    InvalidJourney when a step does not exist or the transition is already designed.
    """
    problems = [Problem(f"step '{s}'", "is not a step of this journey") for s in dict.fromkeys((source, target))
                if s not in journey.step_ids()]
    if any(t.source == source and t.target == target for t in journey.transitions):
        problems.append(Problem(f"transition {source} → {target}", "is already designed"))
    if problems:
        raise InvalidJourney("The route cannot be added", problems)
    updated = journey.model_copy(deep=True)
    updated.transitions.append(Transition(source=source, target=target, kind=TransitionKind.normal, share=None,
                                          label=label))
    return validated(updated)
