"""Freshness: is the journey map still a true picture of what customers live?

A map is drawn once in a workshop and then ages quietly while the service changes under it. So
each journey carries a **review**: who looked at the map against the data, when, how often they
mean to (the cadence), and a snapshot of the step metrics they saw. Later, the same metrics are
recomputed for the latest window; a step whose metrics moved beyond a threshold since the review
is **stale** ("the map is stale here"), and a journey past its cadence is **overdue**.

Reviews are versioned documents (:mod:`journeys.store.documents`, kind ``review``, key = journey
name): every review is a version, so who and when, the history and stale-write protection come
for free.

Decisions (written down because a reader may want to argue with them):

- **Time axis: the data's, not the clock's.** A window ends at ``min(now, latest ticket + 1 s)``
  (the same end as the Priorities page's window, so the numbers agree). An export made a month
  ago is compared on its own time axis: re-opening the app next week must not make the map look
  stale (or fresh) just because the clock moved and the window slid past the data. Only new data
  moves the "now" window. The *cadence*, on the other hand, is about people: ``overdue`` and
  ``due_on`` use the wall clock (``reviewed_at`` is when the person marked the review).
- **A new map is not overdue.** A journey never reviewed is due one cadence (90 days) after it was
  created (its first version), not at once: a map drawn today is as fresh as a map reviewed today.
- **Both directions count.** A step that got 50 % better is as stale on the map as one that got
  worse: the emotions, pain notes and priorities drawn there no longer describe reality.
  ``change`` is still signed (positive = worse, by the metric's direction) so the page can colour it.
- **Volume is a rate**: tickets per 30 days over the part of the window the data covers (a
  90-day window over an export that starts 45 days before its end counts 45 days). So a review on
  a short export and a check on a longer one compare like with like.
- **Too few.** Rates, quantiles on fewer than ``min_sample`` tickets are None and never compared
  (the catalogue's "too few" rule). Volume is a count and always has a value, but a volume change
  is only reported when at least one side rests on ``min_sample`` tickets: 8 → 16 tickets is
  noise, 8 → 400 is a new hot spot the map does not show.
- **Relative change** ``|now − then| / |then|``; from 0 any change counts (change ±inf).
- The windows may overlap (a check two weeks after the review shares 76 of its 90 days), which
  damps small moves; that is deliberate, a map need not be re-reviewed for a fortnight's noise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import ibis
import pandas as pd

from journeys.errors import JourneysError
from journeys.metric_format import format_value
from journeys.metrics import METRICS, compute, metric_words, utc_timestamp
from journeys.model import Journey
from journeys.store import Store
from journeys.store.documents import Document

REVIEW_KIND = "review"
DEFAULT_CADENCE_DAYS = 90
DEFAULT_WINDOW_DAYS = 90
DEFAULT_THRESHOLD = 0.2
VOLUME_DAYS = 30  # volume is stored and compared as tickets per this many days

# The metrics whose move makes a map stale. They describe what the map claims about a step:
# - volume: how much demand the step generates (the map's emphasis, the priorities' reach);
# - csat: the customer's own verdict (the emotion drawn on the step);
# - reopen_rate, escalation_rate, repeat_contact_rate: whether the step's problems get solved,
#   and at first go — the friction the map's pain notes describe;
# - resolution_p90: how long the worst-off customers wait, the tail the map's "waiting" notes cover.
# Left out: first-response times (a staffing signal that moves with rotas, not with the journey),
# medians (the p90 already shows the tail), fcr_rate and agent_replies_mean (they move with
# reopens and escalations, which are watched), automated_resolution_rate (a bot share is a choice),
# contact_rate (needs an entered reach).
WATCHED: tuple[str, ...] = ("volume", "csat", "reopen_rate", "escalation_rate", "repeat_contact_rate",
                            "resolution_p90")

Steps = Journey | Mapping[str, str] | Iterable[str]
Snapshot = dict[str, dict[str, float | None]]


@dataclass(frozen=True, kw_only=True)
class Review:
    """One review of a journey: who, when, the cadence, and the watched metrics they saw."""

    journey: str
    cadence_days: int = DEFAULT_CADENCE_DAYS
    reviewed_by: str
    reviewed_at: datetime  # UTC
    dataset: str = ""
    dataset_version: int = 0
    snapshot: Snapshot = field(default_factory=dict)  # step → metric → value (None: too few tickets)
    window_days: int = DEFAULT_WINDOW_DAYS
    version: int = 0  # document version (0: not stored)
    window_end: datetime | None = None  # exclusive end of the snapshot's window (data time)
    samples: dict[str, dict[str, int]] = field(default_factory=dict)  # step → metric → tickets it rests on
    note: str = ""

    @property
    def due_at(self) -> datetime:
        """When the next review is due."""
        return self.reviewed_at + timedelta(days=self.cadence_days)


@dataclass(frozen=True)
class Drift:
    """One watched metric of one step that moved since the review."""

    step: str
    metric: str
    then: float
    now: float
    change: float  # relative, signed: positive = worse (by the metric's direction); ±inf from 0
    n_now: int  # tickets the current value rests on

    def describe(self) -> str:
        """E.g. "reopen rate 18% → 29%"."""
        return f"{metric_words(self.metric)} {show(self.metric, self.then)} → {show(self.metric, self.now)}"


@dataclass(frozen=True)
class _Measure:
    values: Snapshot
    samples: dict[str, dict[str, int]]
    end: datetime | None


# --- windows and snapshots -------------------------------------------------------------------------


def _bounds(table: ibis.Table) -> tuple[datetime | None, datetime | None]:
    """First and latest ticket time (None, None for an empty table)."""
    row = table.aggregate(lo=table.created_at.min(), hi=table.created_at.max()).execute().iloc[0]
    if pd.isna(row["lo"]) or pd.isna(row["hi"]):
        return None, None
    return utc_timestamp(row["lo"]), utc_timestamp(row["hi"])


def data_end(table: ibis.Table, now: datetime | None = None) -> datetime | None:
    """Where a window ends: ``min(now, latest ticket + 1 s)`` (None without tickets). See the module notes."""
    _, latest = _bounds(table)
    return _end(latest, now)


def _end(latest: datetime | None, now: datetime | None) -> datetime | None:
    if latest is None:
        return None
    end = latest + timedelta(seconds=1)
    return end if now is None else min(end, utc_timestamp(now))


def _step_ids(steps: Steps) -> list[str]:
    if isinstance(steps, Journey):
        return steps.step_ids()
    if isinstance(steps, str):
        return [steps]
    return list(dict.fromkeys(steps))  # a Mapping iterates its keys


def _labels(steps: Steps) -> dict[str, str]:
    if isinstance(steps, Journey):
        return {s.id: s.label for s in steps.steps}
    if isinstance(steps, Mapping):
        return {str(k): str(v) for k, v in steps.items()}
    return {s: s for s in _step_ids(steps)}


def _measure(table: ibis.Table, steps: Steps, end: datetime, window_days: int, min_sample: int,
             first: datetime | None = None) -> _Measure:
    """The watched metrics per step over [end − window_days, end), with their sample sizes."""
    if window_days < 1:
        raise JourneysError(f"The review window must be at least one day, not {window_days}")
    ids = _step_ids(steps)
    end = utc_timestamp(end)
    start = end - timedelta(days=window_days)
    if first is None:
        first, _ = _bounds(table)
    covered = (end - max(start, first)).total_seconds() / 86_400 if first is not None else 0.0
    per_step = compute(table, start=start, end=end, filters={"journey_step": ids}, metrics=list(WATCHED),
                       min_sample=min_sample).set_index("journey_step")
    values: Snapshot = {}
    samples: dict[str, dict[str, int]] = {}
    for step in ids:
        row = per_step.loc[step].to_dict() if step in per_step.index else None
        values[step], samples[step] = {}, {}
        for m in WATCHED:
            n = 0 if row is None else int(row[METRICS[m].sample])
            samples[step][m] = n
            if m == "volume":
                values[step][m] = n * VOLUME_DAYS / covered if covered > 0 else None
            else:
                value = None if row is None else row[m]
                values[step][m] = None if value is None or pd.isna(value) else float(value)
    return _Measure(values, samples, end)


def snapshot_metrics(table: ibis.Table, steps: Steps, *, end: datetime, window_days: int = DEFAULT_WINDOW_DAYS,
                     min_sample: int = 30) -> Snapshot:
    """The watched metrics per step over [end − window_days, end): step → metric → value (None: too few).

    ``volume`` is tickets per 30 days over the part of the window the data covers.
    """
    return _measure(table, steps, end, window_days, min_sample).values


# --- reviews ---------------------------------------------------------------------------------------


def _label(journey: str) -> str:
    return f"Review of {journey}"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _review(journey: str, doc: Document) -> Review:
    body = doc.body
    reviewed_at = utc_timestamp(body["reviewed_at"]) if body.get("reviewed_at") else doc.created_at
    window_end = utc_timestamp(body["window_end"]) if body.get("window_end") else None
    return Review(journey=journey, cadence_days=int(body.get("cadence_days", DEFAULT_CADENCE_DAYS)),
                  reviewed_by=doc.author, reviewed_at=reviewed_at, dataset=str(body.get("dataset", "")),
                  dataset_version=int(body.get("dataset_version", 0)),
                  snapshot={s: {m: (None if v is None else float(v)) for m, v in ms.items()}
                            for s, ms in body.get("snapshot", {}).items()},
                  window_days=int(body.get("window_days", DEFAULT_WINDOW_DAYS)), version=doc.version,
                  window_end=window_end,
                  samples={s: {m: int(n) for m, n in ms.items()} for s, ms in body.get("samples", {}).items()},
                  note=str(body.get("note", "")))


def mark_reviewed(store: Store, workspace: str, journey: str, table: ibis.Table, steps: Steps, author: str, *,
                  dataset: str, dataset_version: int, cadence_days: int | None = None, now: datetime | None = None,
                  expected_version: int | None = None, window_days: int = DEFAULT_WINDOW_DAYS,
                  min_sample: int = 30, note: str = "") -> Review:
    """Record that ``author`` reviewed the journey now, with a snapshot of its watched metrics; returns it.

    ``now`` (default: the clock) is the review time; the snapshot covers the ``window_days`` before
    ``min(now, latest ticket + 1 s)`` (data time; see the module notes). ``cadence_days`` None keeps
    the previous review's cadence (90 days at first).
    ``expected_version`` is the review version the caller showed (0: none); None takes the version
    current when the call starts. Either way a review saved by someone else in between raises
    :class:`~journeys.errors.StaleWrite` rather than being silently stacked upon.
    """
    docs = store.documents
    head = docs.get(workspace, REVIEW_KIND, journey)
    if expected_version is None:
        expected_version = head.version if head is not None else 0
    if cadence_days is None:
        cadence_days = int(head.body.get("cadence_days", DEFAULT_CADENCE_DAYS)) if head else DEFAULT_CADENCE_DAYS
    if not 1 <= int(cadence_days) <= 3660:
        raise JourneysError(f"The review cadence must be between 1 and 3660 days, not {cadence_days}")
    moment = utc_timestamp(now) if now is not None else datetime.now(UTC)
    first, latest = _bounds(table)
    end = _end(latest, moment)
    measured = (_measure(table, steps, end, window_days, min_sample, first) if end is not None
                else _Measure({s: dict.fromkeys(WATCHED) for s in _step_ids(steps)}, {}, None))
    body: dict[str, Any] = {
        "cadence_days": int(cadence_days), "reviewed_at": _iso(moment), "dataset": dataset,
        "dataset_version": int(dataset_version), "window_days": int(window_days), "window_end": _iso(measured.end),
        "snapshot": measured.values, "samples": measured.samples, "note": note,
    }
    version = docs.save(workspace, REVIEW_KIND, journey, body, author, message=note or "Journey reviewed",
                        expected_version=expected_version, label=_label(journey))
    return _review(journey, Document(REVIEW_KIND, journey, version, body, author, moment, note))


def last_review(store: Store, workspace: str, journey: str) -> Review | None:
    """The journey's latest review, or None when it was never reviewed."""
    found = store.documents.get(workspace, REVIEW_KIND, journey)
    return None if found is None else _review(journey, found)


def review_history(store: Store, workspace: str, journey: str) -> list[Review]:
    """Every review of the journey, newest first (empty when never reviewed)."""
    docs = store.documents
    return [_review(journey, docs.revision(workspace, REVIEW_KIND, journey, r.version))
            for r in docs.history(workspace, REVIEW_KIND, journey)]


# --- drift -----------------------------------------------------------------------------------------


def _change(metric: str, then: float, now: float) -> float:
    """Relative change, signed so positive is worse; ±inf when moving away from 0."""
    moved = METRICS[metric].sign * (now - then)
    if then == 0:
        return 0.0 if now == 0 else math.copysign(math.inf, moved)
    return moved / abs(then)


def drift(review: Review, table: ibis.Table, steps: Steps, *, now: datetime | None = None,
          threshold: float = DEFAULT_THRESHOLD, min_sample: int = 30) -> list[Drift]:
    """Watched metrics that moved by ≥ ``threshold`` (relative, either direction) since the review.

    The current values cover a window as long as the review's, ending at ``min(now, latest ticket
    + 1 s)``. Values too few on either side are skipped; volume compares tickets per 30 days and is
    skipped only when both sides rest on fewer than ``min_sample`` tickets. Sorted by |change|, largest first.
    """
    first, latest = _bounds(table)
    return _drift_at(review, table, steps, first, _end(latest, now), threshold, min_sample)


def _drift_at(review: Review, table: ibis.Table, steps: Steps, first: datetime | None, end: datetime | None,
              threshold: float, min_sample: int) -> list[Drift]:
    if threshold < 0:
        raise JourneysError(f"The drift threshold must be ≥ 0, not {threshold}")
    if end is None:
        return []
    current = _measure(table, steps, end, review.window_days, min_sample, first)
    found: list[tuple[int, int, Drift]] = []
    for i, step in enumerate(current.values):
        before = review.snapshot.get(step)
        if before is None:  # a step added since the review: nothing to compare with
            continue
        for j, m in enumerate(WATCHED):
            then, value = before.get(m), current.values[step][m]
            if then is None or value is None:
                continue
            n_then = review.samples.get(step, {}).get(m)
            n_now = current.samples[step][m]
            if m == "volume":
                if max(n_then if n_then is not None else min_sample, n_now) < min_sample:
                    continue
            elif n_then is not None and n_then < min_sample:  # stricter now than at the review
                continue
            change = _change(m, then, value)
            if abs(change) >= threshold - 1e-12 and change != 0:
                found.append((i, j, Drift(step, m, then, value, change, n_now)))
    found.sort(key=lambda item: (-abs(item[2].change), item[0], item[1]))
    return [d for _, _, d in found]


def stale_steps(drifts: Sequence[Drift]) -> dict[str, list[Drift]]:
    """Drifts grouped by step, the most-moved step first (each step's drifts keep their order)."""
    grouped: dict[str, list[Drift]] = {}
    for d in drifts:
        grouped.setdefault(d.step, []).append(d)
    return grouped


# --- the summary for the map and the Priorities page -----------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """How fresh a journey's map is: its last review, whether it is overdue, what moved since."""

    journey: str
    review: Review | None
    overdue: bool  # now is past (last review, else the journey's creation) + cadence
    due_on: date | None  # UTC date the next review is due (None: never reviewed and creation unknown)
    drifts: list[Drift]
    stale: dict[str, list[Drift]]
    labels: dict[str, str] = field(default_factory=dict)  # step id → label, for messages
    threshold: float = DEFAULT_THRESHOLD
    window_end: datetime | None = None  # exclusive end of the "now" window (None: no tickets)
    created_at: datetime | None = None  # the journey's first version (what a never-reviewed map is due from)

    def due_words(self) -> str:
        """When the review is due, in a few words: "never reviewed; first review due 5 Mar 2027"."""
        if self.review is None:
            if self.due_on is None:
                return "never reviewed"
            return (f"never reviewed; first review overdue since {day(self.due_on)}" if self.overdue
                    else f"never reviewed; first review due {day(self.due_on)}")
        return f"overdue since {day(self.due_on)}" if self.overdue else f"due {day(self.due_on)}"

    def message(self, max_steps: int = 5) -> str:
        """The state in plain words, e.g. "Last reviewed by Ana on 3 Oct 2026 (…). Since then 2 steps moved: …"."""
        if self.review is None:
            if self.created_at is None:
                return "Never reviewed."
            return (f"Never reviewed since the map was created on {day(self.created_at)}: the first review is "
                    f"{'overdue since' if self.overdue else 'due'} {day(self.due_on)} "
                    f"({DEFAULT_CADENCE_DAYS} days after).")
        r = self.review
        text = f"Last reviewed by {r.reviewed_by} on {day(r.reviewed_at)} (cadence {r.cadence_days} days, " \
               f"{self.due_words()})."
        if self.window_end is None:
            return f"{text} There are no tickets to compare with."
        if not self.stale:
            return f"{text} No watched metric has moved by {self.threshold:.0%} or more since then."
        parts = [f"{self.labels.get(step, step)} ({', '.join(d.describe() for d in moved)})"
                 for step, moved in list(self.stale.items())[:max_steps]]
        more = len(self.stale) - max_steps
        listed = "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
        count = len(self.stale)
        return f"{text} Since then {count} step{'s' if count != 1 else ''} moved: {listed}."


def created_on(store: Store, workspace: str, journey: str) -> datetime | None:
    """When the journey's first version was saved (None when it is not in the store)."""
    try:
        history = store.history(workspace, journey)
    except JourneysError:
        return None
    return utc_timestamp(history[-1].created_at) if history else None


def freshness(store: Store, workspace: str, journey: str, table: ibis.Table | None, steps: Steps,
              now: datetime | None = None, threshold: float = DEFAULT_THRESHOLD, min_sample: int = 30) -> Freshness:
    """The journey's freshness: last review, overdue or not (wall clock), and the drifts since (data time).

    A journey never reviewed is due :data:`DEFAULT_CADENCE_DAYS` after its creation (overdue when the
    journey is unknown to the store). ``table`` None (no ticket data) gives no drifts.
    """
    moment = utc_timestamp(now) if now is not None else datetime.now(UTC)
    review = last_review(store, workspace, journey)
    labels = _labels(steps)
    if review is None:
        created = created_on(store, workspace, journey)
        if created is None:
            return Freshness(journey, None, True, None, [], {}, labels, threshold, None)
        due = created + timedelta(days=DEFAULT_CADENCE_DAYS)
        return Freshness(journey, None, moment > due, due.date(), [], {}, labels, threshold, None, created)
    first, latest = _bounds(table) if table is not None else (None, None)
    end = _end(latest, moment)
    drifts = _drift_at(review, table, steps, first, end, threshold, min_sample) if table is not None else []
    return Freshness(journey, review, moment > review.due_at, review.due_at.date(), drifts, stale_steps(drifts),
                     labels, threshold, end)


# --- words -----------------------------------------------------------------------------------------


def day(moment: date | datetime | None) -> str:
    """A date as "3 Oct 2026" (UTC for datetimes)."""
    if moment is None:
        return "never"
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return f"{moment.day} {moment:%b %Y}"


def show(metric: str, value: float) -> str:
    """A watched value in words, as everywhere else (:func:`journeys.metric_format.format_value`), except
    volume, which is counted over the review window: "120 per 30 days"."""
    if metric == "volume":
        return f"{value:,.0f} per {VOLUME_DAYS} days"
    return format_value(metric, value)
