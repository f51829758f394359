"""Before an experiment starts: what effect can these tickets detect, and how long must it run?

The **minimum detectable effect** (MDE) is the smallest true change that the analysis would call
(interval clear of zero) with the given power (80 %) at α = 5 %, two-sided. It is computed for
the design the analysis will actually run, not for a textbook two-sample test:

- the effect's standard error at the planned end comes from the same design matrices as the
  analysis (:mod:`journeys.experiments.designs`) — the segmented regression for before/after, the
  weekly difference for DiD — with the changed (and comparison) steps' average weekly tickets and
  a ticket-level variance estimated from the before-weeks;
- the noncentrality needed for the power is statsmodels' ``TTestPower`` with the design's
  residual degrees of freedom (few weeks → t, not normal); MDE = noncentrality × standard error;
- A/B uses statsmodels' two-sample classes directly: ``NormalIndPower`` on Cohen's h for rates,
  ``TTestIndPower`` for means (equal split unless told otherwise).

Alongside, ``mde_two_sample`` is what a naive comparison of before-tickets with after-tickets
(``NormalIndPower``) would promise, and ``design_effect = (mde / mde_two_sample)²`` the variance
inflation the honest design costs: extrapolating a trend (before/after) or subtracting a noisy
comparison (DiD) is paid for in tickets.

Ticket-level variance: for a rate ``p(1 − p)``, raised to the weeks' observed scatter when weeks
vary more than sampling alone explains (over-dispersion is common in support data); for means,
quantiles and counts, the weeks' scatter around a straight line (WLS scale). A before/after design
has a floor: even an endless after-window cannot beat the uncertainty of the extrapolated
before-trend, so ``weeks_needed`` may be None (lengthen the before-window or add a comparison step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import ibis
import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower

from journeys.experiments.designs import did_matrix, effect_variance, its_matrix
from journeys.experiments.experiment import DEFAULT_POST_WEEKS, DEFAULT_PRE_WEEKS, Design, Experiment, utc_start
from journeys.experiments.series import CHANGED, COMPARISON, Window, weekly_cells
from journeys.experiments.verdict import MIN_POST_WEEKS
from journeys.metrics import METRICS, utc_timestamp

MAX_POST_WEEKS = 104


@dataclass(frozen=True)
class Plan:
    """What the design can detect with the before-weeks' volume and noise, and how long to run."""

    design: Design
    metric: str
    baseline: float | None  # the changed steps' value before
    weekly_tickets: float  # the changed steps' average weekly sample
    weekly_tickets_comparison: float | None
    pre_weeks: int
    post_weeks: int
    alpha: float
    power: float
    se: float | None  # the effect's standard error at the planned end
    mde: float | None  # metric units, the size of a change detectable with `power`
    mde_relative: float | None
    mde_two_sample: float | None  # a naive before-vs-after ticket comparison's MDE (None for A/B)
    design_effect: float | None  # (mde / mde_two_sample)²
    smallest_effect: float | None
    weeks_needed: int | None  # after-weeks needed for smallest_effect (None: not within MAX_POST_WEEKS)
    notes: list[str] = field(default_factory=list)


def detectable_effect(design: Design, *, variance: float, weekly_n: float, pre_weeks: int, post_weeks: int,
                      variance_comparison: float | None = None, weekly_n_comparison: float | None = None,
                      alpha: float = 0.05, power: float = 0.8, baseline: float | None = None,
                      kind: str = "rate", treatment_share: float = 0.5) -> tuple[float, float]:
    """(MDE, standard error at the planned end) for a design with these volumes and variances.

    ``variance``: one ticket's variance (``p(1 − p)`` for a rate); for counts pass weekly_n = 1 and
    the weekly counts' variance. A/B rates need the ``baseline`` rate (Cohen's h is not additive).
    """
    if design == Design.ab:
        n_treat = weekly_n * post_weeks * treatment_share
        n_control = weekly_n * post_weeks * (1 - treatment_share)
        se = math.sqrt(variance / n_treat + variance / n_control)
        ratio = n_control / n_treat
        if kind == "rate" and baseline is not None and 0 < baseline < 1:
            h = _solve(NormalIndPower(), nobs1=n_treat, ratio=ratio, alpha=alpha, power=power)
            lowered = math.sin(max(0.0, math.asin(math.sqrt(baseline)) - h / 2)) ** 2
            raised = math.sin(min(math.pi / 2, math.asin(math.sqrt(baseline)) + h / 2)) ** 2
            return float(min(baseline - lowered, raised - baseline)), se
        d = _solve(TTestIndPower(), nobs1=n_treat, ratio=ratio, alpha=alpha, power=power)
        return float(d * math.sqrt(variance)), se
    t = np.arange(-pre_weeks, post_weeks)
    if design == Design.before_after:
        x, names = its_matrix(t)
        var_effect = variance * effect_variance(x, names, np.full(len(t), weekly_n))
    else:
        if weekly_n_comparison is None or variance_comparison is None:
            raise ValueError("difference-in-differences needs the comparison steps' volume and variance")
        x, names = did_matrix(t)
        weights = np.full(len(t), 1 / (1 / weekly_n + 1 / weekly_n_comparison))
        rows = np.full(len(t), variance / weekly_n + variance_comparison / weekly_n_comparison)
        var_effect = effect_variance(x, names, weights, variances=rows)
    df = len(t) - x.shape[1]
    se = math.sqrt(var_effect)
    d = _solve(TTestPower(), nobs=df + 1, alpha=alpha, power=power)
    return float(d * math.sqrt(df + 1) * se), se


class _PowerAnalysis(Protocol):
    """What the statsmodels power classes share (they carry no type hints)."""

    def solve_power(self, **known: float | None) -> float: ...


def _solve(power_class: _PowerAnalysis, **known: float) -> float:
    """The standardised effect size a statsmodels power class needs for the known inputs."""
    return abs(float(np.squeeze(power_class.solve_power(effect_size=None, **known))))  # two-sided: either root


def weeks_needed(design: Design, smallest_effect: float, **inputs: Any) -> int | None:
    """The shortest after-window (whole weeks) in which ``smallest_effect`` is detectable (None: > 2 years).

    The MDE shrinks as the after-window grows, so a bisection finds the first week that is enough.
    """
    def enough(weeks: int) -> bool:
        return detectable_effect(design, post_weeks=weeks, **inputs)[0] <= smallest_effect

    low, high = MIN_POST_WEEKS, MAX_POST_WEEKS
    if not enough(high):
        return None
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle + 1, high)
    return low


def _arm_inputs(t: np.ndarray, y: np.ndarray, n: np.ndarray, kind: str, weighted: bool) -> tuple[float, float, float]:
    """(baseline, ticket-level variance, weekly sample) of one arm from its before-weeks."""
    w = n if weighted else np.ones(len(n))
    baseline = float(np.average(y, weights=w))
    scale = float(sm.WLS(y, np.column_stack([np.ones(len(t)), t]), weights=w).fit().scale) if len(t) > 2 else math.nan
    observed = scale if math.isfinite(scale) else 0.0
    variance = max(baseline * (1 - baseline), observed) if kind == "rate" else scale  # over-dispersion only raises
    return baseline, variance, float(w.mean()) if weighted else 1.0


def plan(table: ibis.Table, experiment: Experiment, *, alpha: float = 0.05, power: float = 0.8,
         post_weeks: int | None = None) -> Plan:
    """What ``experiment`` can detect, from its steps' tickets in the before-window.

    Before-window: ``pre_start`` to ``shipped`` (only the weeks already in the data count for volume
    and noise); without a shipped date, the last :data:`DEFAULT_PRE_WEEKS` weeks of data. After-window:
    ``post_weeks``, else the experiment's own, else :data:`DEFAULT_POST_WEEKS`.
    """
    metric = METRICS[experiment.metric]
    weighted = metric.kind != "count"
    if experiment.shipped is not None:
        pre, shipped, end = (utc_start(d) for d in experiment.window())
    else:
        newest = table.filter(table.journey_step.isin(list(experiment.steps))).created_at.max().execute()
        shipped = utc_timestamp(newest) if newest is not None and not pd.isna(newest) else datetime.now(UTC)
        pre, end = shipped - timedelta(weeks=DEFAULT_PRE_WEEKS), shipped + timedelta(weeks=DEFAULT_POST_WEEKS)
    window = Window(pre, shipped, end, shipped, None, False)
    pre_weeks, planned_post = window.pre_weeks, post_weeks or window.planned_post_weeks
    probe = experiment.model_copy(update={"design": Design.did if experiment.comparison_steps else Design.before_after})
    cells = weekly_cells(table, probe, [experiment.metric], window)[experiment.metric]
    cells = cells[cells["t"] < 0]
    notes: list[str] = []
    mine = cells[cells["arm"] == CHANGED]
    if len(mine) < 3:
        return Plan(experiment.design, experiment.metric, None, 0.0, None, pre_weeks, planned_post, alpha, power,
                    None, None, None, None, None, experiment.smallest_effect, None,
                    ["too few weeks with tickets before the change to plan (at least 3 needed)"])
    baseline, variance, weekly_n = _arm_inputs(mine["t"].to_numpy(float), mine["value"].to_numpy(float),
                                               mine["n"].to_numpy(float), metric.kind, weighted)
    inputs: dict = {"variance": variance, "weekly_n": weekly_n, "pre_weeks": pre_weeks, "alpha": alpha,
                    "power": power, "baseline": baseline, "kind": metric.kind}
    weekly_cmp = None
    if experiment.design == Design.did:
        other = cells[cells["arm"] == COMPARISON]
        if len(other) < 3:
            notes.append("the comparison steps have too few weeks with tickets before the change")
            return Plan(experiment.design, experiment.metric, baseline, weekly_n, None, pre_weeks, planned_post, alpha,
                        power, None, None, None, None, None, experiment.smallest_effect, None, notes)
        _, variance_cmp, weekly_cmp = _arm_inputs(other["t"].to_numpy(float), other["value"].to_numpy(float),
                                                  other["n"].to_numpy(float), metric.kind, weighted)
        inputs |= {"variance_comparison": variance_cmp, "weekly_n_comparison": weekly_cmp}
    mde, se = detectable_effect(experiment.design, post_weeks=planned_post, **inputs)
    naive = None  # what comparing before-tickets with after-tickets would promise (weekly designs only)
    if experiment.design != Design.ab:
        naive = _solve(NormalIndPower(), nobs1=weekly_n * pre_weeks, ratio=planned_post / pre_weeks, alpha=alpha,
                       power=power) * math.sqrt(variance)
    needed = weeks_needed(experiment.design, experiment.smallest_effect, **inputs) \
        if experiment.smallest_effect else None
    # A smallest effect that no window up to MAX_POST_WEEKS detects: weeks_needed stays None (worded at the edge).
    if experiment.design == Design.ab:
        notes.append("assumes tickets split evenly between the two variants")
    return Plan(experiment.design, experiment.metric, baseline, weekly_n, weekly_cmp, pre_weeks, planned_post, alpha,
                power, se, mde, mde / baseline if baseline else None, naive,
                (mde / naive) ** 2 if naive else None, experiment.smallest_effect, needed, notes)
