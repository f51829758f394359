"""Design matrices of the two weekly designs, shared by the analysis and the planning.

Both designs read **weekly series**. ``t`` counts weeks from the first whole week after the change
(``t = 0``); negative ``t`` is before. The week in which the change shipped mixes before and after
and is left out (unless the change shipped on a Monday, when there is no such week).

- **Interrupted time series** (before/after) on the changed steps' weekly value:
  ``value = b0 + b1·t + b2·after + b3·t·after``. ``b2``, the jump at ``t = 0`` beyond the
  extrapolated pre-trend, is the effect; ``b3`` lets the slope change too, so a change that fades
  or grows does not bias the jump.
- **Difference-in-differences** on the weekly difference ``d = changed − comparison``:
  ``d = a + β·after``. This *is* the two-way fixed-effects model ``value = arm + week + β·changed·after``
  (unit = arm: the changed steps together, the comparison steps together; time = week): with two
  units per week, the week effect is profiled out exactly by taking the difference, and weighting
  the difference by ``n₁n₀/(n₁+n₀)`` reproduces ticket-level OLS (``tests/experiments`` checks this
  against a ticket-level statsmodels fit). Working on the difference series is what makes honest
  errors possible with so few units — see :mod:`journeys.experiments.effects`.
  The event-study variant adds "lead" indicators for bins of before-weeks (the bin nearest the
  change is the reference): if the arms already drifted apart before the change, the leads show it.

The planning module builds the same matrices for weeks that have not happened yet, so the
"what can we detect" figure and the analysis agree by construction.
"""

from __future__ import annotations

import numpy as np

EFFECT = "effect"  # the name of the effect column in every design matrix
LEAD_BINS = 4  # before-weeks are cut into up to this many bins for the event-study test


def its_matrix(t: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Segmented-regression columns for week offsets ``t`` (effect = the level change at ``t = 0``)."""
    t = np.asarray(t, dtype=float)
    after = (t >= 0).astype(float)
    return np.column_stack([np.ones_like(t), t, after, t * after]), ["const", "trend", EFFECT, "trend_change"]


def did_matrix(t: np.ndarray, leads: bool = False) -> tuple[np.ndarray, list[str]]:
    """Difference-series columns: constant and after (the effect), plus event-study leads when asked."""
    t = np.asarray(t, dtype=float)
    columns, names = [np.ones_like(t), (t >= 0).astype(float)], ["const", EFFECT]
    if leads:
        for i, members in enumerate(lead_bins(t)[:-1]):  # the last bin (nearest the change) is the reference
            columns.append(np.isin(t, members).astype(float))
            names.append(f"lead_{i + 1}")
    return np.column_stack(columns), names


def lead_bins(t: np.ndarray) -> list[np.ndarray]:
    """Before-weeks in up to :data:`LEAD_BINS` consecutive bins of (nearly) equal size, oldest first."""
    before = np.unique(np.asarray(t)[np.asarray(t) < 0])
    bins = min(LEAD_BINS, len(before) // 2)
    return [b for b in np.array_split(before, bins) if len(b)] if bins >= 2 else []


def effect_variance(x: np.ndarray, names: list[str], weights: np.ndarray,
                    variances: np.ndarray | None = None) -> float:
    """Sampling variance of the weighted least-squares effect for a given design.

    Without ``variances``: ``[(X'WX)⁻¹]`` at the effect, the variance per unit of a row's variance
    × weight (for weights = tickets, per unit of one ticket's variance). With ``variances`` (each
    row's own variance): the sandwich ``(X'WX)⁻¹ X'W·diag(v)·WX (X'WX)⁻¹``, for rows whose variance
    is not proportional to 1/weight (a difference of two arms with different rates).
    """
    w = np.asarray(weights, dtype=float)
    bread = np.linalg.pinv(x.T @ (x * w[:, None]))
    i = names.index(EFFECT)
    if variances is None:
        return float(bread[i, i])
    xw = x * w[:, None]
    meat = xw.T @ (xw * np.asarray(variances, dtype=float)[:, None])
    return float((bread @ meat @ bread)[i, i])


def newey_west_lags(weeks: int) -> int:
    """Newey–West's rule of thumb ``⌊4·(T/100)^(2/9)⌋`` for the HAC bandwidth (at least 1)."""
    return max(1, int(np.floor(4 * (weeks / 100) ** (2 / 9))))
