"""Prioritise: pain points written up with frozen evidence, ranked on the team's tickets, edited safely.

Writing a pain point up is done one way for every front end — the Friction page's "Write up as a
pain point", the Priorities page's form, ``journeys painpoints create`` and the demo loader all call
:func:`write_up` — so a pain point's evidence (the numbers the team saw, their sample sizes, the
period and the dataset version, the newest example tickets) is frozen the same way wherever it is
written. :func:`rank` scores every pain point of the workspace (RICE from the tickets,
:mod:`journeys.priorities`) and says how far each moved since the last review, as numbers.
:func:`update_painpoint` saves a change as intent against the version the caller saw, so a
colleague's newer save is refused (:class:`~journeys.errors.StaleWrite`), never overwritten.

A notebook::

    >>> import journeys                                                       # doctest: +SKIP
    >>> from journeys.usecases.prioritise import rank, write_up               # doctest: +SKIP
    >>> with journeys.open_workspace("workspace") as ws:                      # doctest: +SKIP
    ...     done = write_up(ws, "Billing support", "reset-password", "reopen_rate", author="Sam")
    ...     top = rank(ws).scores[0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from journeys.definitions import load_settings as load_definitions
from journeys.errors import JourneysError
from journeys.evidence import CONTEXT_METRICS, capture, draft, numbers_sentence
from journeys.friction import better_than_journey
from journeys.metrics import METRICS
from journeys.painpoints import Evidence, PainPoint, Source, StoredPainPoint, parse_painpoint
from journeys.priorities import (
    Ranking,
    Score,
    ScoringWeights,
    data_window,
    last_ranking_review,
    load_weights,
    mark_ranking_reviewed,
    rank_moves,
    save_weights,
    score_painpoints,
)
from journeys.tickets.datasets import DatasetVersion, choose_dataset
from journeys.tickets.engine import TicketSlice
from journeys.usecases.measure import mapped

if TYPE_CHECKING:
    from journeys.workspace import Workspace

EXAMPLE_COLUMNS = ("ticket_id", "created_at", "channel", "subject")


# --- writing one up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenUp:
    """A pain point written up: its key (None when it was not stored, see ``better``), what was stored,
    and what its evidence rests on."""

    key: str | None
    pain: PainPoint
    dataset: DatasetVersion | None  # the ticket dataset the evidence was frozen from (None: nothing frozen)
    start: datetime | None  # the evidence's period, end exclusive
    end: datetime | None
    tickets: int  # tickets on its steps in the period: 0 means the mapping rules put none there
    better: bool  # every step judged on its metric does better than the journey

    @property
    def evidence(self) -> list[Evidence]:
        """The numbers frozen with it."""
        return self.pain.evidence


def latest_dataset(ws: Workspace, name: str | DatasetVersion | None = None) -> DatasetVersion | None:
    """The named dataset's newest version, or the most recently imported one (None: the workspace has none).

    Priorities, the hand-written form and the CLI score against "the latest import", not the first name."""
    if isinstance(name, DatasetVersion):
        return name
    return choose_dataset(ws.datasets.list(), name)


def evidence_period(ws: Workspace, dataset: DatasetVersion, journey: str, start: datetime | None = None,
                    end: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) for frozen evidence: the dates given, the rest from the scoring window.

    Without dates, the last ``window_days`` of the data (what Priorities scores on, so the frozen numbers
    match the ranking on the day they are written); only ``end``: the ``window_days`` before it; only
    ``start``: up to the last ticket. The CLI's ``--from``/``--to`` mean exactly this."""
    if start is not None and end is not None:
        if start >= end:
            raise JourneysError("The period must start before it ends (its end is exclusive)")
        return start, end
    days = load_weights(ws.store, ws.name)[0].window_days
    window = data_window(mapped(ws, dataset, journey).table, days)
    if window is None:
        raise JourneysError(f"Dataset '{dataset.name}' has no tickets to take evidence from")
    first = start if start is not None else (window[0] if end is None else end - timedelta(days=days))
    last = end if end is not None else window[1]
    if first >= last:
        raise JourneysError(f"The period starts after the last ticket of dataset '{dataset.name}' "
                            f"({window[1]:%Y-%m-%d})")
    return first, last


def write_up(ws: Workspace, journey: str, step: str | Sequence[str], metric: str | None, *,
             dataset: str | DatasetVersion | None = None, where: TicketSlice | None = None, title: str | None = None,
             author: str, message: str = "Written up", freeze: bool = True, unless_better: bool = False,
             numbers_in_description: bool = False, **fields: Any) -> WrittenUp:
    """Write up a pain point on ``journey``'s step(s), judged by ``metric`` (None: the friction score).

    With ticket data (``dataset``: a name or version, default the latest import; ``freeze=False``: none)
    the steps' numbers are frozen as its evidence — the metric and the context metrics a manager asks for
    first, each with the journey's value and the sample size — with the five newest tickets as examples.
    The period is ``where``'s dates (a date left open: the data's first or last ticket; its channel and
    segment filters are not applied: evidence is measured on all tickets), or without ``where`` the scoring
    window (:func:`evidence_period`). ``title`` defaults to "<first step's label>: <metric>"; ``fields``
    are any other :class:`~journeys.painpoints.PainPoint` fields (owner, status, effort, description,
    quotes, tags, delivery_link, source …). ``source`` defaults to friction when numbers were frozen,
    manual otherwise. ``numbers_in_description`` ends the description with the frozen figure of ``metric``
    in one sentence ("Last 90 days of tickets: reopen rate 31% against 12% for the journey, on 1,204 tickets.").

    ``unless_better``: when every step does better than the journey on ``metric``, store nothing and
    return ``key=None, better=True`` so the caller can ask first. :class:`~journeys.errors.JourneysError`
    (invalid fields, unknown journey, step or dataset) before anything is stored.
    """
    steps = [step] if isinstance(step, str) else list(dict.fromkeys(step))
    loaded = ws.journeys.get(journey)
    unknown = [s for s in steps if s not in loaded.step_ids()]
    if unknown:
        raise JourneysError(f"'{journey}' has no step(s) {', '.join(unknown)} "
                            f"(its steps: {', '.join(loaded.step_ids())})")
    judged = METRICS[metric].label.lower() if metric in METRICS else "friction"
    default_title = f"{loaded.step(steps[0]).label}: {judged}" if steps else ""
    base = {"title": title if title is not None else default_title, "journey": journey, "steps": steps,
            "metric": metric, "source": Source.manual.value, **fields}
    pain = parse_painpoint(base)  # invalid input fails here, before any ticket is read
    version = latest_dataset(ws, dataset) if freeze and steps else None
    start = end = None
    if version is not None:
        if where is None:
            start, end = evidence_period(ws, version, journey)
        else:
            start, end = where.start, where.end
        drafted = draft(loaded, steps, metric, mapped(ws, version, journey).table, start=start, end=end,
                        dataset=version.name, dataset_version=version.version)
        pain = parse_painpoint({**drafted.model_dump(mode="json"), **({"title": title} if title is not None else {}),
                                **fields})
        if pain.evidence:
            start, end = pain.evidence[0].start, pain.evidence[0].end
        if numbers_in_description:
            pain = _with_numbers(ws, pain, metric, scoring_window=where is None)
    tickets = sum(e.n for e in pain.evidence if e.metric == "volume")
    judged_evidence = [e for e in pain.evidence if e.metric == metric and e.value is not None]
    better = bool(metric and judged_evidence and all(better_than_journey(e.metric, e.value, e.baseline)
                                                     for e in judged_evidence))
    key = None if unless_better and better else ws.painpoints.create(pain, author, message)
    return WrittenUp(key, pain, version, start, end, tickets, better)


def _with_numbers(ws: Workspace, pain: PainPoint, metric: str | None, scoring_window: bool) -> PainPoint:
    """The description followed by the frozen figure of the pain point's metric, in one sentence."""
    first = pain.evidence[0] if pain.evidence else None
    if scoring_window:
        period = f"Last {load_weights(ws.store, ws.name)[0].window_days} days of tickets"
    elif first is not None and first.start is not None and first.end is not None:
        period = f"{first.start:%Y-%m-%d} – {first.end - timedelta(microseconds=1):%Y-%m-%d}"
    else:
        period = "All tickets"
    numbers = numbers_sentence(pain.evidence, metric, period)
    if not numbers:
        return pain
    return parse_painpoint({**pain.model_dump(mode="json"), "description": f"{pain.description}\n\n{numbers}".strip()})


# --- ranking ----------------------------------------------------------------------------------------


def rank(ws: Workspace, dataset: str | None = None) -> Ranking:
    """Every pain point of the workspace scored against a ticket dataset (default: the latest imported).

    Each :class:`~journeys.priorities.Score` carries its components (reach, impact, confidence, effort,
    sample, steady weeks, the window); ``moves`` says how far each moved since the last review, as numbers.
    Each journey's tickets are mapped by its own rules, under the workspace's metric definitions."""
    pains = {p.key: p for p in ws.painpoints.list()}
    weights, weights_version = load_weights(ws.store, ws.name)
    chosen = choose_dataset(ws.datasets.list(), dataset)
    tables: dict[str, ibis.Table] = {}
    if chosen is not None:
        for journey in sorted({p.pain.journey for p in pains.values()} & set(ws.journeys.names())):
            tables[journey] = mapped(ws, chosen, journey).table
    scores = score_painpoints(pains.values(), tables, weights, definitions=load_definitions(ws.store, ws.name)[0])
    review = last_ranking_review(ws.store, ws.name)
    return Ranking(scores, pains, weights, weights_version, chosen.name if chosen else None,
                   chosen.version if chosen else None, review, rank_moves(scores, review))


@dataclass(frozen=True)
class Placement:
    """Where the ranked pain points sit on their journeys: for filters by stage and readable step names."""

    labels: dict[str, dict[str, str]]  # journey → step id → label
    stages: dict[str, tuple[str, ...]]  # pain point key → the stages of its steps, in journey order
    stage_order: list[str]  # every stage of those journeys, first journey's order first


def placement(ws: Workspace, pains: Mapping[str, StoredPainPoint]) -> Placement:
    """Step labels and stages of the pain points' journeys (those still in the workspace)."""
    labels: dict[str, dict[str, str]] = {}
    stages: dict[str, tuple[str, ...]] = {}
    order: list[str] = []
    known = set(ws.journeys.names())
    for name in sorted({p.pain.journey for p in pains.values()} & known):
        journey = ws.journeys.get(name)
        labels[name] = {s.id: s.label for s in journey.steps}
        order += [s for s in journey.stages if s not in order]
        step_stage = {s.id: s.stage for s in journey.steps}
        for p in pains.values():
            if p.pain.journey == name:
                found = {step_stage[s] for s in p.pain.steps if s in step_stage}
                stages[p.key] = tuple(s for s in journey.stages if s in found)
    return Placement(labels, stages, order)


def ranking_version(ws: Workspace, dataset: DatasetVersion | None) -> tuple[Any, ...]:
    """Everything a ranking depends on, by stored version: equal tuples mean an equal ranking.

    (dataset, every pain point's version, the weights', the last review's, each journey's and its rules'.)
    Stored versions never change, so a page can cache the ranking under this key and never clear it."""
    pains = ws.painpoints.list()
    _, weights_version = load_weights(ws.store, ws.name)
    review = last_ranking_review(ws.store, ws.name)
    known = {s.name: s.version for s in ws.journeys.list()}
    journeys = tuple((j, known.get(j), ws.rules.load(j).version if j in known else None)
                     for j in sorted({p.pain.journey for p in pains}))
    return (ws.settings.database_url, ws.name, dataset.name if dataset else None,
            dataset.version if dataset else None, tuple((p.key, p.version) for p in pains), weights_version,
            review.version if review else 0, journeys)


def mark_reviewed(ws: Workspace, scores: Sequence[Score], author: str) -> int:
    """Remember today's ranking with who reviewed it, so the next visit shows what moved since."""
    return mark_ranking_reviewed(ws.store, ws.name, scores, author)


def set_weights(ws: Workspace, weights: ScoringWeights, author: str, expected_version: int) -> int:
    """Save the workspace's scoring weights on top of the version the caller saw (StaleWrite otherwise)."""
    return save_weights(ws.store, ws.name, weights, author, expected_version=expected_version)


def weights(ws: Workspace) -> tuple[ScoringWeights, int]:
    """The workspace's scoring weights and their stored version (defaults at version 0)."""
    return load_weights(ws.store, ws.name)


# --- evidence now, beside the frozen one ------------------------------------------------------------


def judged_metrics(pain: PainPoint, score: Score) -> tuple[str, ...]:
    """The metrics a pain point's evidence is shown on: its own (or friction's main driver), those frozen with
    it, and the context metrics."""
    own = pain.metric or score.metric
    return tuple(dict.fromkeys([*([own] if own else []), *(e.metric for e in pain.evidence), *CONTEXT_METRICS]))


def evidence_now(ws: Workspace, dataset: DatasetVersion, journey: str, steps: Sequence[str], metrics: Sequence[str],
                 start: datetime | None, end: datetime | None) -> list[Evidence]:
    """The steps measured now over [start, end) — a pain point's scoring window — beside what was frozen.

    [] when there is nothing to measure: no steps, no window (no tickets on them), or the journey is gone."""
    if not steps or start is None or journey not in ws.journeys.names():
        return []
    return capture(mapped(ws, dataset, journey).table, steps, metrics, start=start, end=end, dataset=dataset.name,
                   dataset_version=dataset.version)


def example_rows(ws: Workspace, dataset: DatasetVersion, journey: str, ids: Sequence[str]) -> pd.DataFrame:
    """The example tickets found in the dataset (id, created, channel, subject); empty when none are."""
    if journey not in ws.journeys.names():
        return pd.DataFrame()
    t = mapped(ws, dataset, journey).table
    columns = [c for c in EXAMPLE_COLUMNS if c in t.columns]
    return t.filter(t.ticket_id.isin(list(ids))).select(*columns).execute()


# --- editing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PainPointEdit:
    """A change to a pain point as intent — set these fields, add or remove a quote — so the same change can be
    applied again on top of a colleague's newer version without undoing theirs."""

    fields: tuple[tuple[str, Any], ...] = ()
    add_quote: str = ""
    remove_quote: str = ""
    message: str = ""  # what the person did, in words (kept in the history)

    def apply(self, pain: PainPoint) -> PainPoint:
        data = pain.model_dump(mode="json") | dict(self.fields)
        if self.add_quote:
            data["quotes"] = [*data["quotes"], self.add_quote]
        if self.remove_quote and self.remove_quote in data["quotes"]:
            data["quotes"].remove(self.remove_quote)
        return parse_painpoint(data)


@dataclass(frozen=True)
class Updated:
    """The outcome of :func:`update_painpoint`: the version now stored and what changed (field → before, after)."""

    key: str
    version: int
    pain: PainPoint
    changed: dict[str, tuple[Any, Any]]
    saved: bool  # False: the change was already there, nothing was written


def changed_fields(before: PainPoint, after: PainPoint) -> dict[str, tuple[Any, Any]]:
    """Fields whose stored (JSON) form differs, with both values."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {f: (old.get(f), v) for f, v in new.items() if old.get(f) != v}


def update_painpoint(ws: Workspace, key: str, changes: PainPointEdit | Mapping[str, Any], expected_version: int,
                     author: str, message: str | None = None) -> Updated:
    """Apply ``changes`` to the pain point and save it on top of ``expected_version`` (the version the caller saw).

    A colleague's save since then raises :class:`~journeys.errors.StaleWrite` (who, when, which version):
    nothing is overwritten, and the same ``changes`` can be applied again on the newer version. A change
    that is already there saves nothing (``saved=False``) when nobody saved since. ``message`` (kept in the
    history) defaults to the edit's own, then to the fields changed."""
    edit = changes if isinstance(changes, PainPointEdit) else PainPointEdit(tuple(changes.items()))
    head = ws.painpoints.load(key)
    pain = edit.apply(head.pain)
    changed = changed_fields(head.pain, pain)
    if not changed and head.version == expected_version:
        return Updated(key, head.version, head.pain, {}, False)
    version = ws.painpoints.save(key, pain, author, expected_version=expected_version,
                                 message=message or edit.message or "Changed " + ", ".join(changed))
    return Updated(key, version, pain, changed, True)
