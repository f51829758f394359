"""Scoring and ranking pain points: RICE from the team's own tickets, not from opinion.

For each pain point, over the last ``window_days`` of ticket data (default 90):

- **reach** — tickets per month on the pain point's steps;
- **impact** — how much worse than the journey the steps are: for the pain point's metric the
  relative gap to the journey's value, ``max(0, sign · (value − baseline) / |baseline|)`` capped at
  ``cap`` (default 3 = four times as bad), averaged over its steps weighted by tickets; without a
  metric, the friction score's weighted average gap (:func:`journeys.friction.friction_from`, volume
  factor divided out so reach is not counted twice; friction's own cap of 1);
- **confidence** (0 … 1) — ``n / (n + 100)`` for the tickets the metric rests on (rated tickets for
  CSAT), times how steady the gap is: the share of the window's weeks (with enough tickets) in which
  the steps were worse than the journey. A gap seen every week on thousands of tickets is near 1; a
  gap on thirty tickets that came and went is near 0;
- **effort** — entered on the pain point, in person-weeks; until someone estimates it
  ``default_effort`` is used and the score says so.

``value = reach^wr · impact^wi · confidence^wc`` and ``score = value / effort^we``. The exponents
``w`` are the workspace's weights (all 1 by default: the classic RICE product). A frequent moderate
problem outranks a rare severe one because reach multiplies: 1,000 tickets/month at impact 0.3
beat 20 tickets/month at impact 1.0 unless the rare one is fifteen times cheaper to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import ibis
import numpy as np
import pandas as pd

from journeys.definitions import MetricSettings, resolve
from journeys.errors import JourneysError
from journeys.friction import DEFAULT_CAP, friction_from
from journeys.metrics import METRICS, Metric, compute
from journeys.painpoints import StoredPainPoint
from journeys.store import Store

SETTINGS_KIND = "settings"
SETTINGS_KEY = "priorities"
RANKING_KIND = "ranking"
RANKING_KEY = "priorities"
CONFIDENCE_HALF = 100  # tickets at which the sample factor is 0.5
WEEKLY_MIN = 10  # a week counts towards steadiness with at least this many tickets for the metric
FORMULA = "score = reach^wr × impact^wi × confidence^wc ÷ effort^we"


@dataclass(frozen=True)
class ScoringWeights:
    """The workspace's scoring settings (exponents of the RICE product, and the defaults it needs)."""

    reach: float = 1.0
    impact: float = 1.0
    confidence: float = 1.0
    effort: float = 1.0
    default_effort: float = 2.0  # person-weeks assumed until a pain point's effort is estimated
    window_days: int = 90
    # Impact is capped at 3 (four times as bad as the journey): higher than friction's cap of 1, because
    # ranking pain points needs to tell "twice as bad" from "four times as bad", which friction's blend does not.
    cap: float = 3.0

    def __post_init__(self) -> None:
        for name in ("reach", "impact", "confidence", "effort"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 <= value <= 3):
                raise JourneysError(f"The {name} weight must be between 0 and 3, not {value!r}")
        if not 0 < self.default_effort <= 1_000:
            raise JourneysError("The default effort must be between 0 and 1,000 person-weeks")
        if not 7 <= self.window_days <= 730:
            raise JourneysError("The scoring window must be between 7 and 730 days")
        if not self.cap > 0:
            raise JourneysError("The impact cap must be above 0")

    def formula(self) -> str:
        """The formula with this workspace's exponents, as the page shows it."""
        def power(name: str, w: float) -> str:
            return name if w == 1 else f"{name}^{w:g}"
        return (f"score = {power('reach', self.reach)} × {power('impact', self.impact)} × "
                f"{power('confidence', self.confidence)} ÷ {power('effort', self.effort)}")


def load_weights(store: Store, workspace: str) -> tuple[ScoringWeights, int]:
    """The workspace's weights and their stored version (defaults at version 0)."""
    found = store.documents.get(workspace, SETTINGS_KIND, SETTINGS_KEY)
    if found is None:
        return ScoringWeights(), 0
    known = {k: v for k, v in found.body.items() if k in ScoringWeights.__dataclass_fields__}
    return ScoringWeights(**known), found.version


def save_weights(store: Store, workspace: str, weights: ScoringWeights, author: str, expected_version: int) -> int:
    return store.documents.save(workspace, SETTINGS_KIND, SETTINGS_KEY, asdict(weights), author,
                                     message="Scoring weights", expected_version=expected_version,
                                     label="Scoring weights")


@dataclass(frozen=True)
class Score:
    """A pain point's score and every number behind it."""

    key: str
    title: str
    journey: str
    reach: float  # tickets per month on its steps
    impact: float  # relative gap to the journey, 0 … cap
    confidence: float  # 0 … 1
    effort: float  # person-weeks used
    effort_estimated: bool
    value: float
    score: float
    metric: str | None  # the metric judged (the pain point's, or friction's main driver)
    tickets: int  # tickets on the steps in the window
    sample: int  # tickets the metric rests on
    steady_weeks: int
    weeks: int
    live: dict[str, float | None] = field(default_factory=dict)  # step → the metric's value now
    baseline: float | None = None
    start: datetime | None = None
    end: datetime | None = None
    rank: int = 0

    def explain(self) -> str:
        """The components in one line."""
        judged = METRICS[self.metric].label if self.metric else "friction"
        effort = f"{self.effort:g} person-weeks" + ("" if self.effort_estimated else " (not estimated yet)")
        return (f"reach {self.reach:,.0f} tickets/month × impact {self.impact:.2f} ({judged}) × confidence "
                f"{self.confidence:.2f} ({self.sample:,} tickets, worse in {self.steady_weeks} of {self.weeks} weeks)"
                f" ÷ effort {effort}")


def data_window(table: ibis.Table, days: int) -> tuple[datetime, datetime] | None:
    """The last ``days`` of the data: [latest ticket − days, latest ticket] (None when there are no tickets).

    Anchored on the data, not the clock, so an export from last month scores the same today and next week.
    """
    latest = table.created_at.max().execute()
    if latest is None or pd.isna(latest):
        return None
    end = pd.Timestamp(latest).to_pydatetime() + timedelta(seconds=1)
    return end - timedelta(days=days), end


def score_painpoints(pains: Iterable[StoredPainPoint], tables: Mapping[str, ibis.Table],
                     weights: ScoringWeights | None = None, min_sample: int = 30,
                     definitions: MetricSettings | None = None) -> list[Score]:
    """Score pain points and rank them (1 = do first). ``tables`` maps a journey name to its mapped tickets.

    ``definitions`` are the workspace's chosen metric variants (FCR, first reply, reopen), so a
    pain point's figures are the ones Friction and ``journeys metrics`` show.

    Pain points whose journey has no ticket table, or no tickets on their steps in the window, score 0
    with reach 0 — they stay on the list, at the bottom, so nothing written up disappears.
    """
    weights = weights or ScoringWeights()
    scores: list[Score] = []
    by_journey: dict[str, list[StoredPainPoint]] = {}
    for pain in pains:
        by_journey.setdefault(pain.pain.journey, []).append(pain)
    for journey, group in by_journey.items():
        table = tables.get(journey)
        chosen = resolve(definitions, table.columns).overrides if definitions and table is not None else None
        scores += _score_journey(group, table, weights, min_sample, chosen)
    return rank(scores)


def rank(scores: Sequence[Score]) -> list[Score]:
    """Sort by score (ties: more reach first, then key) and number the ranks."""
    ordered = sorted(scores, key=lambda s: (-s.score, -s.reach, s.key))
    return [Score(**{**asdict(s), "rank": i + 1}) for i, s in enumerate(ordered)]


def _score_journey(group: list[StoredPainPoint], table: ibis.Table | None, weights: ScoringWeights,
                   min_sample: int, definitions: Mapping[str, Metric] | None = None) -> list[Score]:
    window = data_window(table, weights.window_days) if table is not None else None
    if window is None:
        return [_empty(p, weights) for p in group]
    start, end = window
    per_step = compute(table, by=("journey_step",), start=start, end=end, min_sample=min_sample,
                       definitions=definitions)
    per_step = per_step[per_step["journey_step"].notna()].reset_index(drop=True)
    overall = compute(table, by=(), start=start, end=end, min_sample=min_sample, definitions=definitions,
                      filters={"journey_step": per_step["journey_step"].tolist()})
    frictions = friction_from(per_step, overall, cap=DEFAULT_CAP).set_index("step")
    rows = per_step.set_index("journey_step")
    out = []
    for pain in group:
        mine = [s for s in pain.pain.steps if s in rows.index] if pain.pain.steps else []
        if not mine:
            out.append(_empty(pain, weights, start, end))
            continue
        out.append(_score_one(pain, mine, rows, overall, frictions, table, start, end, weights))
    return out


def _score_one(pain: StoredPainPoint, steps: list[str], rows: pd.DataFrame, overall: pd.DataFrame,
               frictions: pd.DataFrame, table: ibis.Table, start: datetime, end: datetime,
               weights: ScoringWeights) -> Score:
    volume = rows.loc[steps, "volume"].astype(float)
    tickets = int(volume.sum())
    reach = tickets * 30.0 / weights.window_days
    metric = pain.pain.metric or _main_driver(frictions, steps)
    if pain.pain.metric:
        impact = _metric_gap(rows, overall, steps, pain.pain.metric, weights.cap)
    else:  # friction's weighted average gap: the score with the volume factor divided out
        f = frictions.loc[steps]
        gaps = np.where(f["volume_factor"] > 0, f["score"] / f["volume_factor"].where(f["volume_factor"] > 0, 1), 0)
        impact = float(np.clip(np.average(gaps, weights=f["volume"].astype(float)), 0, DEFAULT_CAP))
    sample = int(rows.loc[steps, METRICS[metric].sample].sum()) if metric else tickets
    steady, weeks = _steadiness(table, steps, metric, overall, start, end) if metric else (0, 0)
    steadiness = steady / weeks if weeks >= 4 else 0.5
    confidence = (sample / (sample + CONFIDENCE_HALF)) * steadiness
    effort = pain.pain.effort or weights.default_effort
    value = (reach ** weights.reach) * (impact ** weights.impact) * (confidence ** weights.confidence)
    live = {s: _finite(rows.loc[s, metric]) for s in steps} if metric else {}
    return Score(pain.key, pain.pain.title, pain.pain.journey, reach, impact, confidence, effort,
                 pain.pain.effort is not None, value, value / (effort ** weights.effort), metric, tickets, sample,
                 steady, weeks, live, _finite(overall[metric].iloc[0]) if metric else None, start, end)


def _metric_gap(rows: pd.DataFrame, overall: pd.DataFrame, steps: list[str], metric: str, cap: float) -> float:
    """Ticket-weighted mean of each step's relative gap to the journey (worse positive, floored at 0, capped)."""
    base = _finite(overall[metric].iloc[0]) if len(overall) else None
    if base is None:
        return 0.0
    gaps, counts = [], []
    for s in steps:
        value = _finite(rows.loc[s, metric])
        if value is None or bool(rows.loc[s, f"{metric}_too_few"]):
            continue
        diff = METRICS[metric].sign * (value - base)
        gaps.append(min(cap, max(0.0, diff / abs(base))) if base != 0 else (cap if diff > 0 else 0.0))
        counts.append(_finite(rows.loc[s, "volume"]) or 0.0)
    return float(np.average(gaps, weights=counts)) if gaps else 0.0


def _main_driver(frictions: pd.DataFrame, steps: list[str]) -> str | None:
    """The metric contributing most to the steps' friction (what a friction-judged pain point is about)."""
    columns = [c for c in frictions.columns if c.endswith("_contribution")]
    if not columns:
        return None
    totals = frictions.loc[steps, columns].sum()
    return str(totals.idxmax()).removesuffix("_contribution") if totals.max() > 0 else None


def _steadiness(table: ibis.Table, steps: list[str], metric: str, overall: pd.DataFrame, start: datetime,
                end: datetime) -> tuple[int, int]:
    """(weeks the steps were worse than the journey, weeks with enough tickets to tell)."""
    base = _finite(overall[metric].iloc[0]) if len(overall) else None
    if base is None:
        return 0, 0
    weekly = compute(table, by=(), period="week", start=start, end=end, filters={"journey_step": steps},
                     metrics=[metric], min_sample=WEEKLY_MIN)
    values = weekly[metric].dropna()
    worse = int((METRICS[metric].sign * (values - base) > 0).sum())
    return worse, len(values)


def _empty(pain: StoredPainPoint, weights: ScoringWeights, start: datetime | None = None,
           end: datetime | None = None) -> Score:
    effort = pain.pain.effort or weights.default_effort
    return Score(pain.key, pain.pain.title, pain.pain.journey, 0.0, 0.0, 0.0, effort, pain.pain.effort is not None,
                 0.0, 0.0, pain.pain.metric, 0, 0, 0, 0, {}, None, start, end)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


# --- what changed since the last review of the ranking -------------------------------------------


@dataclass(frozen=True)
class RankingReview:
    """The ranking as a manager last reviewed it."""

    reviewed_by: str
    reviewed_at: datetime
    ranks: dict[str, int]
    scores: dict[str, float]
    version: int


def mark_ranking_reviewed(store: Store, workspace: str, scores: Sequence[Score], author: str) -> int:
    """Remember today's ranking, so the next visit shows what moved since."""
    docs = store.documents
    head = docs.get(workspace, RANKING_KIND, RANKING_KEY)
    body = {"ranks": {s.key: s.rank for s in scores}, "scores": {s.key: round(s.score, 6) for s in scores}}
    return docs.save(workspace, RANKING_KIND, RANKING_KEY, body, author, message="Ranking reviewed",
                     expected_version=head.version if head else 0, label="The priorities ranking")


def last_ranking_review(store: Store, workspace: str) -> RankingReview | None:
    found = store.documents.get(workspace, RANKING_KIND, RANKING_KEY)
    if found is None:
        return None
    return RankingReview(found.author, found.created_at, {k: int(v) for k, v in found.body["ranks"].items()},
                         {k: float(v) for k, v in found.body["scores"].items()}, found.version)


@dataclass(frozen=True)
class Move:
    """How far a pain point moved since the last review, as numbers: ``places`` up (negative: down), or ``new``.

    Pages sort and count on the numbers; :meth:`words` is the one way they are written ("▲ 2", "▼ 1", "new")."""

    places: int = 0
    new: bool = False

    def words(self) -> str:
        if self.new:
            return "new"
        if self.places > 0:
            return f"▲ {self.places}"
        if self.places < 0:
            return f"▼ {-self.places}"
        return ""

    @property
    def moved(self) -> bool:
        """New since the review, or in another place."""
        return self.new or self.places != 0


def rank_moves(scores: Sequence[Score], review: RankingReview | None) -> dict[str, Move]:
    """Per pain point: its move against the last review (no review: nobody moved)."""
    if review is None:
        return {s.key: Move() for s in scores}
    moves = {}
    for s in scores:
        before = review.ranks.get(s.key)
        moves[s.key] = Move(new=True) if before is None else Move(places=before - s.rank)
    return moves


def rank_changes(scores: Sequence[Score], review: RankingReview | None) -> dict[str, str]:
    """Per pain point: "new", "▲ 2", "▼ 1" or "" (same place) against the last review."""
    return {key: move.words() for key, move in rank_moves(scores, review).items()}


# --- one call for the page and the CLI -----------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """The workspace's pain points, scored and ranked, with what is needed to show and export them."""

    scores: list[Score]
    pains: dict[str, StoredPainPoint]
    weights: ScoringWeights
    weights_version: int
    dataset: str | None  # the ticket dataset scored against (None: the workspace has no tickets)
    dataset_version: int | None
    review: RankingReview | None
    moves: dict[str, Move]  # pain point key → its move since the last review

    @property
    def changes(self) -> dict[str, str]:
        """The moves in words ("▲ 2", "▼ 1", "new", ""), as the CLI and the exports print them."""
        return {key: move.words() for key, move in self.moves.items()}
