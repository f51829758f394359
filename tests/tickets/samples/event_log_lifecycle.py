"""Event logs that record when activities start and complete, written by code (seeded), in the shapes tools export.

Two layouts, as process-mining tools document them:

- **XES lifecycle rows** (IEEE 1849, the *Lifecycle* extension): one ``<event>`` per transition of an
  activity instance, ``lifecycle:transition`` = ``start`` / ``complete`` (and the standard model's
  others, e.g. ``schedule``, which are not instances); an event without the attribute is a
  completion. The same rows as CSV (``case:concept:name, concept:name, time:timestamp,
  lifecycle:transition, org:resource``), as pm4py's ``write_csv`` / ProM's CSV export give them.
- **Interval rows** (pm4py's "interval event log"): one row per activity instance with
  ``start_timestamp`` beside ``time:timestamp`` (the completion).

Traps kept: times to the minute, so instances share start and completion times (*ties*); a case's
activities overlap (the next starts before the previous completes, so start order and completion
order differ); the same activity running twice at once (pairing must be first in, first out);
completions without a start (instant activities); ``schedule`` rows; a start never completed;
rows exported twice, identical in every column. Nothing is copied from a real log.

Rows within a case are written in time order (at equal times: schedule, start, complete), as
XES writers do; cases are interleaved in the CSV layouts.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import quoteattr

ACTIVITIES = ("Open", "Triage", "Reply", "Wait", "Fix", "Review", "Close")
RESOURCES = ("ana", "bo", "cy", "bot")
KIND_RANK = {"schedule": 0, "start": 1, "complete": 2}
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Instance:
    """One execution of an activity: started (None = no start row: an instant activity) and completed."""

    case: str
    activity: str
    start: datetime | None
    complete: datetime
    resource: str
    n: int  # position in the case as generated (ties keep it)


@dataclass(frozen=True)
class Row:
    """One lifecycle row (what an XES event or a CSV line holds)."""

    case: str
    activity: str
    at: datetime
    transition: str
    resource: str


@dataclass
class Sample:
    """A generated log: its activity instances (the truth) and its lifecycle rows as exported."""

    instances: list[Instance]
    rows: list[Row]          # lifecycle rows, per case in time order, without the duplicate copies
    duplicated: list[int]    # indexes into ``rows`` exported twice (the copy follows the original)
    open_starts: int         # starts never completed
    schedules: int           # schedule rows


def generate(seed: int, cases: int = 60) -> Sample:
    """A seeded log with every trap above; ``cases`` traces of 2–9 activity instances."""
    rng = random.Random(seed)
    instances: list[Instance] = []
    rows: list[Row] = []
    open_starts = schedules = 0
    for c in range(cases):
        case = f"c{c:03d}"
        t = T0 + timedelta(minutes=rng.randrange(0, 600))
        prev: Instance | None = None
        mine: list[Instance] = []
        for n in range(rng.randint(2, 9)):
            activity = rng.choice(ACTIVITIES)
            roll = rng.random()
            if prev is not None and roll < 0.15:  # a tie: same start and completion as the previous one
                start, complete = prev.start, prev.complete
            elif prev is not None and prev.start is not None and roll < 0.4:  # overlaps the previous one
                start = prev.start + timedelta(minutes=rng.randrange(0, 4))
                complete = start + timedelta(minutes=rng.randrange(0, 25))
            else:
                start = t + timedelta(minutes=rng.randrange(0, 5))
                complete = start + timedelta(minutes=rng.randrange(0, 20))
            if rng.random() < 0.1:
                start = None  # instant: only a complete row
            if prev is not None and rng.random() < 0.1:  # the same activity twice at once (FIFO pairing)
                activity = prev.activity
            resource = rng.choice(RESOURCES)
            if any(o.activity == activity and o.resource == resource and (o.start == start or o.complete == complete)
                   for o in mine):  # two different instances never write identical rows
                resource = f"{resource}#{n}"
            inst = Instance(case, activity, start, complete, resource, n)
            mine.append(inst)
            prev = inst
            t = max(t, complete)
        instances.extend(mine)
        case_rows = []
        for inst in mine:
            if inst.start is not None:
                case_rows.append((inst.start, 1, inst.n, Row(case, inst.activity, inst.start, "start", inst.resource)))
                if rng.random() < 0.15:
                    schedules += 1
                    case_rows.append((inst.start, 0, inst.n, Row(case, inst.activity, inst.start, "schedule",
                                                                  inst.resource)))
            case_rows.append((inst.complete, 2, inst.n, Row(case, inst.activity, inst.complete, "complete",
                                                            inst.resource)))
        if rng.random() < 0.1:  # a start never completed, after everything else
            open_starts += 1
            case_rows.append((t + timedelta(minutes=5), 1, 99, Row(case, "Escalate", t + timedelta(minutes=5),
                                                                   "start", "ana")))
        rows.extend(r for *_, r in sorted(case_rows, key=lambda x: x[:3]))
    duplicated = sorted(rng.sample(range(len(rows)), k=max(2, len(rows) // 30)))
    return Sample(instances, rows, duplicated, open_starts, schedules)


def exported_rows(sample: Sample, with_duplicates: bool = True) -> list[Row]:
    """The lifecycle rows as a file holds them: each duplicated row followed by its identical copy."""
    dup = set(sample.duplicated) if with_duplicates else set()
    out: list[Row] = []
    for i, row in enumerate(sample.rows):
        out.append(row)
        if i in dup:
            out.append(row)
    return out


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds")


def write_xes(sample: Sample, path: Path, with_duplicates: bool = True) -> Path:
    """The lifecycle rows as an XES file: one trace per case, one event per row, in file order."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0" xes.features="nested-attributes">',
           '  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>',
           '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>',
           '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>',
           '  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>']
    by_case: dict[str, list[Row]] = {}
    for row in exported_rows(sample, with_duplicates):
        by_case.setdefault(row.case, []).append(row)
    for case, rows in by_case.items():
        out.append(f'  <trace>\n    <string key="concept:name" value={quoteattr(case)}/>')
        for r in rows:
            out.append(f'    <event>\n      <string key="concept:name" value={quoteattr(r.activity)}/>\n'
                       f'      <date key="time:timestamp" value="{_iso(r.at)}"/>\n'
                       f'      <string key="lifecycle:transition" value="{r.transition}"/>\n'
                       f'      <string key="org:resource" value={quoteattr(r.resource)}/>\n    </event>')
        out.append("  </trace>")
    out.append("</log>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def write_lifecycle_csv(sample: Sample, path: Path, with_duplicates: bool = True) -> Path:
    """The lifecycle rows as CSV with XES column names, cases interleaved by time (each case's order kept)."""
    rows = exported_rows(sample, with_duplicates)
    order = sorted(range(len(rows)), key=lambda k: (rows[k].at, k))  # within a case, times never go back
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["case:concept:name", "concept:name", "time:timestamp", "lifecycle:transition", "org:resource"])
        for k in order:
            r = rows[k]
            w.writerow([r.case, r.activity, _iso(r.at), r.transition, r.resource])
    return path


def interval_rows(sample: Sample) -> list[Instance]:
    """One row per activity instance, per case by start then completion then generated order."""
    return sorted(sample.instances, key=lambda i: (i.case, i.start or i.complete, i.complete, i.n))


def write_interval_csv(sample: Sample, path: Path, with_duplicates: bool = True) -> Path:
    """pm4py's interval layout: ``start_timestamp`` beside ``time:timestamp``; instants have start = completion."""
    rows = interval_rows(sample)
    dup = set(range(0, len(rows), 25)) if with_duplicates else set()
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["case:concept:name", "concept:name", "start_timestamp", "time:timestamp", "org:resource"])
        for k, i in enumerate(rows):
            line = [i.case, i.activity, _iso(i.start or i.complete), _iso(i.complete), i.resource]
            w.writerow(line)
            if k in dup:
                w.writerow(line)
    return path
