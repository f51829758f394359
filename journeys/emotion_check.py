"""Where the workshop's asserted emotion disagrees with what customers say in CSAT.

A map drawn in a room says how customers *feel* at each step (−2 … +2); the
tickets say how they *rated* it. A disagreement is worth a conversation: either
the room guessed wrong, or the CSAT sample is unusual. To keep the flags honest
a step is flagged only when the data clearly disagree:

- the workshop says the step feels **good** (emotion ≥ +1) but the step's CSAT
  is below the journey's CSAT by at least ``margin`` (default 5 points), and
  the step's 95 % Wilson interval lies wholly below the journey's CSAT; or
- the workshop says it feels **bad** (emotion ≤ −1) but CSAT is above the
  journey's by at least ``margin`` and the interval lies wholly above it.

Neutral steps (0) are never flagged, nor steps with fewer than ``min_rated``
rated tickets. Comparing with the journey's own CSAT (not a fixed benchmark)
keeps the check meaningful for teams whose CSAT is high or low overall.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from journeys.model import Journey

EMOTION_WORDS = {-2: "very negative", -1: "negative", 0: "neutral", 1: "positive", 2: "very positive"}


@dataclass(frozen=True)
class EmotionDisagreement:
    """One step where the asserted emotion and measured CSAT point in opposite directions."""

    step: str
    label: str
    emotion: int
    csat: float
    low: float
    high: float
    rated: int
    baseline: float
    direction: str  # "workshop more positive" | "workshop more negative"

    @property
    def message(self) -> str:
        """One sentence a facilitator can read out."""
        side = "below" if self.csat < self.baseline else "above"
        return (f"The workshop marked '{self.label}' as {EMOTION_WORDS[self.emotion]} ({self.emotion:+d}), but "
                f"{self.csat:.0%} of {self.rated:,} rated tickets were satisfied (95 % interval "
                f"{self.low:.0%}–{self.high:.0%}), {side} the journey's {self.baseline:.0%}.")


def emotion_disagreements(journey: Journey, scored: pd.DataFrame, *, margin: float = 0.05,
                          min_rated: int = 30) -> list[EmotionDisagreement]:
    """Steps whose asserted emotion and measured CSAT disagree (see the module docstring for the rule).

    ``scored`` is :func:`journeys.friction.friction` output with CSAT among its metrics (it is by
    default): ``step``, ``csat_value``, ``csat_n`` (rated tickets) and ``csat_baseline`` (the
    journey's CSAT over the same tickets). Sorted by the size of the gap, largest first.
    """
    from statsmodels.stats.proportion import proportion_confint  # 1 s to import: only when the check runs

    needed = {"step", "csat_value", "csat_n", "csat_baseline"}
    if scored.empty or not needed <= set(scored.columns):
        return []
    baseline = float(scored["csat_baseline"].iloc[0])
    if baseline != baseline:
        return []
    rows: Mapping[str, pd.Series] = {r["step"]: r for _, r in scored.iterrows()}
    found = []
    for s in journey.steps:
        row = rows.get(s.id)
        if row is None or s.emotion is None or s.emotion == 0:
            continue
        rated, csat = row["csat_n"], float(row["csat_value"])
        if rated != rated or csat != csat or int(rated) < min_rated:
            continue
        rated = int(rated)
        low, high = proportion_confint(round(csat * rated), rated, alpha=0.05, method="wilson")
        if s.emotion >= 1 and csat <= baseline - margin and high < baseline:
            direction = "workshop more positive"
        elif s.emotion <= -1 and csat >= baseline + margin and low > baseline:
            direction = "workshop more negative"
        else:
            continue
        found.append(EmotionDisagreement(s.id, s.label, s.emotion, csat, float(low), float(high), rated,
                                         baseline, direction))
    return sorted(found, key=lambda d: -abs(d.csat - d.baseline))
