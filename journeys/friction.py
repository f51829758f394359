"""The friction score: where in the journey customers (and agents) struggle most, explained.

``friction_score`` is the formula (one function, documented below); ``friction`` is the usual way
in: it computes the per-step metrics and the journey baseline with :func:`journeys.metrics.compute`
and hands them to the formula. Every component is returned next to the score, so the page can show
why a step ranks where it does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import ibis
import numpy as np
import pandas as pd

from journeys.metrics import METRICS, Metric, compute, metric_words

# Default weights (they are normalised to sum to 1, so only their ratios matter):
# - csat ×2: the customer's own verdict on the step;
# - repeat_contact_rate ×1.5: having to come back is the clearest sign of effort and failure;
# - reopen_rate, escalation_rate, fcr_rate, resolution_p90 ×1: the ticket did not end well or fast;
# - agent_replies_mean ×1: the agents' side of friction (agent wellbeing counts as much as CSAT);
# - frt_p90 ×0.5: waiting for the first answer hurts, but it is mostly a staffing signal, not a
#   step signal, and it moves with the channel mix.
# Left out by default: volume (it is the weight, not a gap), contact_rate (needs a reach; add it
# with a weight when you have one), automated_resolution_rate (a low bot share is a choice, not
# friction), and the medians (the p90s already say how bad the tail is).
DEFAULT_WEIGHTS: dict[str, float] = {
    "csat": 2.0,
    "repeat_contact_rate": 1.5,
    "reopen_rate": 1.0,
    "escalation_rate": 1.0,
    "fcr_rate": 1.0,
    "resolution_p90": 1.0,
    "agent_replies_mean": 1.0,
    "frt_p90": 0.5,
}
DEFAULT_ALPHA = 0.5
DEFAULT_CAP = 1.0
# The outcome guard: how a step did for the customer is not for sale. A step whose CSAT or escalation rate is the
# journey's worst, or at least 20 % worse than the journey, keeps only its worse-than-journey components: being
# fast (or needing few replies) cannot turn a step that escalates half its chats into "better than the journey".
OUTCOMES: tuple[str, ...] = ("escalation_rate", "csat")
DEFAULT_GUARD = 0.2


def friction_score(
    per_step: pd.DataFrame,
    baseline: Mapping[str, float],
    *,
    weights: Mapping[str, float] | None = None,
    alpha: float = DEFAULT_ALPHA,
    cap: float = DEFAULT_CAP,
    guard: float | None = DEFAULT_GUARD,
    step: str = "journey_step",
) -> pd.DataFrame:
    """Score and rank steps by friction; return every component next to the score.

    Inputs: ``per_step`` is :func:`journeys.metrics.compute` by step (values already NaN where the
    sample is too small, with ``<metric>_too_few`` flags); ``baseline`` maps each metric to the
    journey's overall value (the same metric over all the journey's tickets, i.e. ticket-weighted).

    For each step *s* and selected metric *m* with weight *w_m*::

        gap_m(s)          = clip(sign_m · (value_m(s) − baseline_m) / |baseline_m|, −cap, cap)
        volume_factor(s)  = (volume(s) / max_s volume(s)) ** alpha
        contribution_m(s) = (w_m / Σ_m w_m) · gap_m(s) · volume_factor(s)
        contribution_m(s) = max(0, contribution_m(s))    only if s is guarded (see below)
        score(s)          = Σ_m contribution_m(s)

    - ``sign_m`` is +1 when lower is better and −1 when higher is better (the metric's
      ``direction``), so a **positive gap is always worse** than the journey and a step better than
      the baseline on every metric scores ≤ 0.
    - The gap is **relative** to the baseline, so minutes, shares and replies add up on one
      unit-free scale ("0.3" = 30 % worse than the journey). It is **capped** at ±``cap``
      (default 1 = twice as bad) so one extreme metric on a modest sample cannot swamp the others.
      A baseline of exactly 0 gives ±``cap`` for any difference (0 when equal).
    - Weights are normalised, so the unweighted part is a weighted *average* gap in [−cap, cap].
    - **Volume**: the average gap is multiplied by the step's volume relative to the busiest step,
      to the power ``alpha`` (default 0.5). ``alpha = 1`` ranks by excess impact (gap × tickets ≈
      the number of extra bad outcomes), ``alpha = 0`` ignores volume. 0.5 is the square-root law
      of evidence: the certainty of a gap grows with √n, so the score weighs how big and how sure.
      A step with 1/100 of the top volume needs a 10× larger average gap to tie — a rare terrible
      step does not outrank a frequent moderately bad one.
    - **Outcome guard** (one friction story with Priorities): the outcomes — escalation rate and CSAT
      (:data:`OUTCOMES`) — are what the customer got. A step that is at least ``guard`` (default 0.2 = 20 %)
      worse than the journey on one of them, or the journey's worst step on it (and worse than the journey
      at all), is *guarded*: its better-than-journey components are shown but count 0, so it scores > 0 and
      speed cannot buy back its escalations. Without it the demo's invoice bot (the worst escalation rate,
      half its chats handed over) scored "better than the journey" because it answers in seconds, while
      Priorities ranked its pain point #2. ``guard=None`` turns the rule off. ``guarded_by`` names the
      outcome that guarded a step ("" for the others).
    - A component whose value is missing (too few tickets, or no baseline) **contributes 0** (the
      step is treated as at the baseline on that metric) and is flagged in ``<m>_too_few``.

    Returns one row per step, sorted by rank (1 = most friction): ``step``, ``score``, ``rank``,
    ``volume``, ``volume_factor``, ``main_driver`` (the metric contributing most, missing when
    the score is ≤ 0), then per metric ``<m>_value``, ``<m>_n`` (its sample size), ``<m>_baseline``, ``<m>_gap``,
    ``<m>_contribution`` and ``<m>_too_few``. The contributions sum to the score.
    ``df.attrs`` holds the weights (normalised), ``alpha`` and ``cap``.
    """
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = [m for m in weights if m not in METRICS or METRICS[m].kind == "count"]
    if unknown:
        raise ValueError(f"cannot weigh {', '.join(unknown)}: choose among "
                         + ", ".join(m for m in METRICS if METRICS[m].kind != "count"))
    if any(w < 0 or not np.isfinite(w) for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("weights must be finite, ≥ 0, and not all 0")
    if alpha < 0 or cap <= 0:
        raise ValueError("alpha must be ≥ 0 and cap > 0")
    missing = [c for c in [step, "volume", *weights] if c not in per_step.columns]
    if missing:
        raise ValueError(f"per_step lacks column(s) {', '.join(missing)}; compute them with journeys.metrics.compute")
    total = float(sum(weights.values()))
    norm = {m: w / total for m, w in weights.items()}

    volume = per_step["volume"].astype("float64").to_numpy()
    top = np.nanmax(volume) if len(volume) else 0.0
    factor = (volume / top) ** alpha if top > 0 else np.zeros_like(volume)

    out = pd.DataFrame({"step": per_step[step].to_numpy(), "volume": per_step["volume"].to_numpy(),
                        "volume_factor": factor})
    parts: dict[str, Any] = {}
    gaps: dict[str, np.ndarray] = {}
    for m in norm:
        value = per_step[m].astype("float64").to_numpy()
        raw = baseline.get(m)
        base = np.nan if raw is None else float(raw)
        flagged = per_step.get(f"{m}_too_few", pd.Series(False, index=per_step.index)).to_numpy(bool)
        usable = ~np.isnan(value) & ~np.isnan(base) & ~flagged
        diff = METRICS[m].sign * (value - base)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = diff / abs(base) if base != 0 else np.sign(diff) * cap
        gaps[m] = np.where(usable, np.clip(rel, -cap, cap), np.nan)
        sample = METRICS[m].sample
        rested = per_step[sample].to_numpy() if sample in per_step else np.full(len(value), np.nan)
        parts |= {f"{m}_value": value, f"{m}_n": rested, f"{m}_baseline": np.full(len(value), base),
                  f"{m}_gap": gaps[m], f"{m}_too_few": ~usable}
    guarded = outcome_guard(gaps, guard)
    contributions = []
    for m, w in norm.items():
        contribution = w * np.nan_to_num(gaps[m]) * factor
        contribution = np.where(guarded.astype(bool), np.maximum(contribution, 0.0), contribution)
        contributions.append(contribution)
        parts[f"{m}_contribution"] = contribution
    stacked = np.vstack(contributions) if contributions else np.zeros((0, len(out)))
    out["score"] = stacked.sum(axis=0)
    driver = np.array(list(norm))[stacked.argmax(axis=0)] if len(out) else np.array([], dtype=object)
    out["main_driver"] = np.where(out["score"].to_numpy() > 0, driver, np.array(None, dtype=object))
    out["guarded_by"] = guarded
    out["rank"] = out["score"].rank(ascending=False, method="min").astype("int64")
    out = pd.concat([out, pd.DataFrame(parts, index=out.index)], axis=1)
    first = ["step", "score", "rank", "volume", "volume_factor", "main_driver", "guarded_by"]
    out = out[first + [c for c in out.columns if c not in first]]
    out = out.sort_values(["rank", "step"], kind="stable").reset_index(drop=True)
    out.attrs.update(weights=norm, alpha=alpha, cap=cap, guard=guard)
    return out


def outcome_guard(gaps: Mapping[str, np.ndarray], guard: float | None = DEFAULT_GUARD) -> np.ndarray:
    """Per step, the outcome metric that forbids speed from buying back a bad outcome ("" when none).

    A step is guarded by an :data:`OUTCOMES` metric when its gap on it is ≥ ``guard`` (that much worse than the
    journey), or when it is the journey's worst step on it and worse than the journey at all. The first such
    outcome (in :data:`OUTCOMES` order) is named. ``guard=None`` turns the rule off (every gap offsets).
    """
    n = len(next(iter(gaps.values()))) if gaps else 0
    named = np.full(n, "", dtype=object)
    if guard is None:
        return named
    for m in reversed(OUTCOMES):  # the first outcome wins: it is written last
        gap = gaps.get(m)
        if gap is None or not np.isfinite(gap).any():
            continue
        known = np.nan_to_num(gap, nan=-np.inf)
        hit = (known >= guard) | ((known > 0) & (known == known.max()))
        named = np.where(hit, m, named)
    return named


def friction(
    table: ibis.Table,
    *,
    steps: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Mapping[str, Sequence[Any]] | None = None,
    reach: Mapping[Any, float] | None = None,
    min_sample: int = 30,
    weights: Mapping[str, float] | None = None,
    alpha: float = DEFAULT_ALPHA,
    cap: float = DEFAULT_CAP,
    definitions: Mapping[str, Metric] | None = None,
) -> pd.DataFrame:
    """Friction per step of a ticket table: metrics by step, the journey baseline, then ``friction_score``.

    ``steps`` restricts to a journey's step ids (default: every mapped step in the table); tickets
    without a step are never part of the baseline. The other arguments are those of
    :func:`journeys.metrics.compute` (``definitions``: the workspace's chosen metric variants, see
    :func:`journeys.definitions.resolve`) and :func:`friction_score`. ``df.attrs`` also carries the
    baseline and its sample size.
    """
    chosen = list(DEFAULT_WEIGHTS if weights is None else weights)
    filters = dict(filters or {})
    if steps is not None:
        filters["journey_step"] = [s for s in steps if s is not None]
    measure = partial(compute, table, start=start, end=end, min_sample=min_sample, metrics=["volume", *chosen],
                      definitions=definitions)
    per_step = measure(by=("journey_step",), filters=filters, reach=reach)
    per_step = per_step[per_step["journey_step"].notna()].reset_index(drop=True)
    mapped = {**filters, "journey_step": per_step["journey_step"].tolist()}
    overall = measure(by=(), filters=mapped)
    return friction_from(per_step, overall, weights=weights, alpha=alpha, cap=cap, min_sample=min_sample)


def friction_from(per_step: pd.DataFrame, overall: pd.DataFrame, *, weights: Mapping[str, float] | None = None,
                  alpha: float = DEFAULT_ALPHA, cap: float = DEFAULT_CAP, min_sample: int = 30) -> pd.DataFrame:
    """:func:`friction` on metrics already computed: ``per_step`` by step, ``overall`` over the same tickets.

    For pages that show the metrics too: one pair of queries feeds both the table and the score.
    """
    chosen = list(DEFAULT_WEIGHTS if weights is None else weights)
    per_step = per_step[per_step["journey_step"].notna()].reset_index(drop=True)
    baseline = {m: float(overall[m].iloc[0]) if len(overall) and m in overall else np.nan for m in chosen}
    if "contact_rate" in chosen:  # reach is per step: the baseline is Σ tickets / Σ reach over steps with a reach
        known = per_step["reach"].notna() & (per_step["reach"] > 0)
        reach_total = per_step.loc[known, "reach"].sum()
        baseline["contact_rate"] = 1000.0 * per_step.loc[known, "n"].sum() / reach_total if reach_total else np.nan
    scored = friction_score(per_step, baseline, weights=weights, alpha=alpha, cap=cap)
    scored.attrs.update(baseline=baseline, n=int(overall["n"].iloc[0]) if len(overall) else 0,
                        start=per_step.attrs.get("start"), end=per_step.attrs.get("end"), min_sample=min_sample)
    return scored


def friction_by_period(
    table: ibis.Table,
    *,
    steps: Sequence[str] | None = None,
    period: str = "week",
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Mapping[str, Sequence[Any]] | None = None,
    min_sample: int = 30,
    weights: Mapping[str, float] | None = None,
    alpha: float = DEFAULT_ALPHA,
    cap: float = DEFAULT_CAP,
    baseline: Mapping[str, float] | None = None,
    definitions: Mapping[str, Metric] | None = None,
) -> pd.DataFrame:
    """Friction per step and period (the heatmap), every period scored against the whole range's baseline.

    One baseline for all periods keeps the cells comparable: a step that gets worse over time shows
    warmer cells, instead of being re-centred on each week's own average. The volume factor is relative
    to the busiest step of the same period. ``baseline`` (from :func:`friction`'s ``attrs``) saves
    recomputing it. Returns ``step``, ``period``, ``volume``, ``score``.
    """
    chosen = list(DEFAULT_WEIGHTS if weights is None else weights)
    wanted = dict(filters or {})
    if baseline is None:
        whole = friction(table, steps=steps, start=start, end=end, filters=filters, min_sample=min_sample,
                         weights=weights, alpha=alpha, cap=cap, definitions=definitions)
        baseline = whole.attrs["baseline"]
    if steps is not None:
        wanted["journey_step"] = [s for s in steps if s is not None]
    cells = compute(table, by=("journey_step",), period=period, start=start, end=end, filters=wanted,
                    min_sample=min_sample, metrics=["volume", *chosen], definitions=definitions)
    cells = cells[cells["journey_step"].notna()]
    columns = ["step", "period", "volume", "score"]
    if cells.empty:
        return pd.DataFrame(columns=columns)
    scored = [friction_score(group.reset_index(drop=True), baseline, weights=weights, alpha=alpha,
                             cap=cap).assign(period=when)
              for when, group in cells.groupby("period", sort=True)]
    out = pd.concat(scored, ignore_index=True)[columns]
    return out.sort_values(["step", "period"]).reset_index(drop=True)


def how_scored(weights: Mapping[str, float] | None = None, guard: float | None = DEFAULT_GUARD,
               cap: float = DEFAULT_CAP) -> str:
    """The score and the outcome rule in words, for the page (and anyone printing a ranking)."""
    chosen = dict(DEFAULT_WEIGHTS if weights is None else weights)
    words = metric_words
    total = sum(chosen.values()) or 1.0
    weighed = ", ".join(f"{words(m)} {w / total:.0%}" for m, w in sorted(chosen.items(), key=lambda i: -i[1])
                        if w > 0)
    text = (f"How the score is built: each metric's gap to the journey (worse is positive, at most ±{cap:.0%}), "
            f"weighted ({weighed} of the score), times √(the step's tickets ÷ the busiest step's). Above 0 is "
            "worse than the journey, below 0 better.")
    if guard is None:
        return text
    outcomes = " or ".join(words(m) for m in OUTCOMES if m in chosen)
    return text + (f" Outcome rule: a step whose {outcomes} is the journey's worst, or at least {guard:.0%} worse "
                   "than the journey, keeps only its worse components — being fast cannot buy back a bad outcome, "
                   "so it never scores as better than the journey.") if outcomes else text


def better_than_journey(metric: str, value: float | None, baseline: float | None) -> bool:
    """True when ``value`` is strictly on the better side of the journey's ``baseline`` (both known and finite)."""
    if value is None or baseline is None or not (np.isfinite(value) and np.isfinite(baseline)):
        return False
    return METRICS[metric].sign * (float(value) - float(baseline)) < 0
