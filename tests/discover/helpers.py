"""Small event logs written in several formats, and a plain-Python DFG to check the engine against."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from journeys.model import Journey
from journeys.templates import build_journey

DAY = datetime(2024, 3, 4, tzinfo=UTC)

# (case, activity, "HH:MM", plan): the hand-computed log of test_dfg.py, in file order
HAND_LOG = [
    (1, "A", "10:00", "gold"), (1, "B", "10:05", "gold"), (1, "C", "10:20", "gold"), (1, "D", "11:00", "gold"),
    (2, "A", "09:00", "gold"), (2, "C", "09:10", "gold"), (2, "D", "09:40", "gold"),
    (3, "A", "08:00", "gold"), (3, "B", "08:01", "gold"), (3, "B", "08:04", "gold"), (3, "C", "08:10", "gold"),
    (3, "D", "09:10", "gold"),
    (4, "A", "12:00", "silver"), (4, "B", "12:30", "silver"),
    (5, "B", "07:00", "silver"),
    (6, "A", "13:00", "silver"), (6, "C", "13:20", "silver"), (6, "D", "13:30", "silver"),
]


def at(hhmm: str, day: datetime = DAY) -> datetime:
    h, m = hhmm.split(":")
    return day.replace(hour=int(h), minute=int(m))


def write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def hand_csv(path: Path) -> Path:
    """The hand log with plain column names, naive UTC timestamps and integer case ids."""
    return write_csv(path, ["Case ID", "Activity", "Timestamp", "Plan"],
                     [[c, a, at(t).strftime("%Y-%m-%d %H:%M:%S"), p] for c, a, t, p in HAND_LOG])


def hand_xes_style_csv(path: Path) -> Path:
    """The same log with XES column names, +02:00 offsets and case ids spelt as text."""
    plus2 = timezone(timedelta(hours=2))
    return write_csv(path, ["time:timestamp", "case:concept:name", "concept:name", "org:resource", "case:plan"],
                     [[at(t).astimezone(plus2).isoformat(), f"case-{c:03d}", a, "r1", p] for c, a, t, p in HAND_LOG])


def xes_text(traces: dict[str, list[tuple[str, datetime]]], *, nested: bool = True,
             trace_attrs: dict[str, dict[str, str]] | None = None) -> str:
    """An XES document; ``nested`` adds attributes inside attributes, lists and log-level globals."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">',
           '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>',
           '  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>',
           '  <string key="concept:name" value="test log"/>']
    for case, events in traces.items():
        out.append("  <trace>")
        out.append(f"    <string key=\"concept:name\" value={quoteattr(case)}/>")
        for k, v in (trace_attrs or {}).get(case, {}).items():
            out.append(f"    <string key={quoteattr(k)} value={quoteattr(v)}/>")
        for activity, when in events:
            out.append("    <event>")
            out.append(f"      <string key=\"concept:name\" value={quoteattr(activity)}>")
            if nested:
                out.append('        <string key="meta:note" value="nested: ignored"/>')
            out.append("      </string>")
            out.append(f"      <date key=\"time:timestamp\" value=\"{when.isoformat(timespec='milliseconds')}\"/>")
            out.append('      <string key="lifecycle:transition" value="complete"/>')
            if nested:
                out.append('      <list key="items"><values><int key="x" value="1"/><int key="x" value="2"/>'
                           '</values></list>')
                out.append('      <container key="box"><float key="weight" value="1.5"/></container>')
            out.append("    </event>")
        out.append("  </trace>")
    out.append("</log>")
    return "\n".join(out) + "\n"


def hand_traces() -> dict[str, list[tuple[str, datetime]]]:
    plus1 = timezone(timedelta(hours=1))
    traces: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for c, a, t, _ in HAND_LOG:
        traces[str(c)].append((a, at(t).astimezone(plus1)))
    return dict(traces)


def write_xes(path: Path, text: str, gz: bool = False) -> Path:
    data = text.encode("utf-8")
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def reference_dfg(events: list[tuple[str, str, float, object]]) -> dict:
    """The DFG by the book, in plain Python: ``events`` = (case, activity, time, tie-breaker) in file order.

    Cases order their events by (time, tie-breaker as a number when every value is one, else text, file order).
    """
    by_case: dict[str, list[tuple[float, object, int, str]]] = defaultdict(list)
    for i, (case, activity, when, tb) in enumerate(events):
        by_case[case].append((when, tb, i, activity))
    edges: dict[tuple[str, str], list[float]] = defaultdict(list)
    edge_cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    starts: dict[str, int] = defaultdict(int)
    ends: dict[str, int] = defaultdict(int)
    variants: dict[tuple[str, ...], int] = defaultdict(int)

    def tb_key(tb: object) -> tuple:
        if tb is None:
            return (2, 0.0, "")
        try:
            return (0, float(str(tb)), str(tb))
        except ValueError:
            return (1, 0.0, str(tb))

    for case, evs in by_case.items():
        evs.sort(key=lambda e: (e[0], tb_key(e[1]), e[2]))
        acts = [e[3] for e in evs]
        starts[acts[0]] += 1
        ends[acts[-1]] += 1
        variants[tuple(acts)] += 1
        for (t1, _, _, a), (t2, _, _, b) in pairwise(evs):
            edges[(a, b)].append(t2 - t1)
            edge_cases[(a, b)].add(case)
    out_edges = {}
    for k, d in edges.items():
        arr = np.array(d, dtype=float)
        out_edges[k] = (len(d), len(edge_cases[k]), float(arr.mean()), float(np.quantile(arr, 0.5)),
                        float(np.quantile(arr, 0.9)))
    return {"edges": out_edges, "starts": dict(starts), "ends": dict(ends), "variants": dict(variants),
            "events": len(events), "cases": len(by_case)}


# The planted log of the conformance tests: case → its steps in order, step → the activity's name ("Xtra" maps to
# no step), on the five-step journey of tiny_journey().
PLANTED_CASES = {1: "abd", 2: "abd", 3: "acd", 4: "abcd", 5: "accd", 6: "axbd", 7: "ababd"}
PLANTED_NAMES = {"a": "Step A", "b": "Step B", "c": "Step C", "d": "Step D", "x": "Xtra"}


def tiny_journey() -> Journey:
    """Steps a … e in one stage; a → b | c, b → d | e, c → d, with expected shares."""
    rows = [(s, f"Step {s.upper()}", "Use", "customer", "web", 0, "outcome" if s in "de" else "touchpoint",
             "customer") for s in "abcde"]
    return build_journey("Tiny", ["Use"], ["customer"], rows, [
        ("a", "b", 0.7, "normal"), ("a", "c", 0.3, "normal"), ("b", "d", 0.8, "normal"), ("b", "e", 0.2, "normal"),
        ("c", "d", 1.0, "normal")])


def planted_csv(path: Path) -> Path:
    """The planted log as CSV: case, activity, timestamp (a day per case, 10 minutes apart), plan (Pro: cases 1-3)."""
    rows = [[case, PLANTED_NAMES[s], (DAY + timedelta(days=case, minutes=10 * i)).isoformat(),
             "Pro" if case < 4 else "Basic"] for case, steps in PLANTED_CASES.items() for i, s in enumerate(steps)]
    return write_csv(path, ["case", "activity", "timestamp", "plan"], rows)
