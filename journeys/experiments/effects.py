"""Did the change move the metric? Effects with honest intervals, for the three designs.

Every result is an effect in the metric's own units (after − before; reopen rate 0.22 → 0.10 is
−0.12), a 95 % interval, the change relative to the changed steps' value before, the sample sizes,
the p-value, a pre-trend check, and the verdict from :func:`journeys.experiments.verdict.judge`.
statsmodels and SciPy do the statistics; this module chooses and documents.

**Before/after: interrupted time series.** Weighted least squares of the changed steps' weekly
value on trend, level change and trend change (:func:`designs.its_matrix`), weighted by the week's
sample. The effect is the level change at the first whole week after the change.

**Difference-in-differences.** The two-way fixed-effects model ``value = arm + week + β·changed·after``
(unit = arm: the changed steps pooled, the comparison steps pooled; time = week), estimated as
the weighted regression of the weekly difference changed − comparison on "after" — the same
estimate, and for rates and means the same as ticket-level OLS with step and week dummies
(tested). Pooling in the engine keeps a pooled median a true median.

**Errors (both weekly designs).** Weekly values can be autocorrelated (a backlog lasts more than
a week), which ordinary errors ignore, so the designs use Newey–West (HAC) errors — on the weekly
difference series for DiD, which is Driscoll–Kraay on the panel. *Why not cluster by step:* with
one changed and one comparison step there are two clusters and cluster-robust errors need dozens;
clustering by week only guards against correlation within a week, which the week effects already
absorb. But HAC errors are badly biased downwards on the 20–50 weekly points an experiment has
(measured here with 26 weeks and independent noise: 16 % false positives at a nominal 5 % for the
level change, 9 % for DiD). So the standard error is **the larger of the classical and the HAC
one** (Angrist & Pischke, *Mostly Harmless Econometrics*, §8.1: guard against small-sample bias of
robust errors by taking the max), with t on the residual degrees of freedom (T − 4, T − 2): ≈ 5 %
false positives with independent weeks (``tests/experiments/test_honesty.py``). Limit, measured:
with strongly autocorrelated step-specific weekly shocks (AR(1) ρ = 0.6, as large as the sampling
noise) false positives rise to ≈ 10–12 %; no robust error fixes that with so few weeks — the
pre-trend checks and a comparison step (which cancels shared shocks) are the defence.

**Pre-trend checks** (a failed check makes the verdict inconclusive; joint tests use the larger
p of the classical and the HAC Wald F-test, and two checks are Bonferroni-combined so the false
alarm rate stays at 5 %):

- before/after — placebo changes in the before-weeks: half-way through them (level and trend), and
  in their last quarter (the spike that prompts a fix and fades by itself). A steady pre-trend is
  *not* a failure: the model extrapolates it.
- DiD — an event study: lead indicators for up to three bins of before-weeks (the bin nearest the
  change is the reference) jointly zero, and no linear drift between the arms before the change.
  Limit, measured: a slow drift (0.6 points a week over 16 before-weeks, within the noise) is
  missed about a third of the time and then read as an effect; pre-tests cannot see everything.

**A/B.** Tickets of the changed steps after the change, split by ``variant``: rates by the
difference of two proportions (Newcombe's interval, statsmodels ``confint_proportions_2indep``),
means by Welch's t (``CompareMeans``, unequal variances), quantiles by a bootstrap interval of the
difference (SciPy). Counts (``volume``) are refused: an arm's count depends on the traffic split.

**Interim looks.** While the after-window is not over, the interval is a confidence sequence
(:mod:`journeys.experiments.sequential`): valid however often the team looks, so peeking never
turns noise into a win. The result says "interim" and the interval is wider than the final one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

import ibis
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from journeys.experiments.designs import EFFECT, did_matrix, effect_variance, its_matrix, newey_west_lags
from journeys.experiments.experiment import Design, Experiment, GuardrailResult, Result, Verdict
from journeys.experiments.sequential import anytime_p, radius
from journeys.experiments.series import CHANGED, COMPARISON, Arm, ab_arms, look_window, weekly_cells
from journeys.experiments.verdict import (
    GUARDRAIL_WORSENED,
    MIN_PRE_WEEKS,
    MIN_TICKETS,
    judge_with_codes,
    sample_problems,
)
from journeys.metrics import METRICS

ALPHA = 0.05
BOOTSTRAP_RESAMPLES = 2_000
METHODS = {
    Design.before_after: "Interrupted time series: weighted segmented regression of the weekly value (level and "
                         "trend change); standard error the larger of the classical and the Newey–West one; "
                         "pre-trend check: placebo changes in the before-weeks.",
    Design.did: "Difference-in-differences: two-way fixed effects (arm, week) as the weighted regression of the "
                "weekly difference changed − comparison; standard error the larger of the classical and the "
                "Newey–West one; pre-trend check: event-study leads and linear drift.",
    Design.ab: "A/B: difference between the variants after the change (two proportions, Welch's t, or a "
               "bootstrap for quantiles).",
}


@dataclass(frozen=True)
class Measured:
    """One metric measured by one design (what :class:`Result` and :class:`GuardrailResult` are built from)."""

    design: Design
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = None
    df: float | None = None
    p_value: float | None = None
    pretrend_p: float | None = None
    pretrend_test: str = ""
    baseline: float | None = None
    relative_change: float | None = None
    n_treated_pre: int = 0
    n_treated_post: int = 0
    n_comparison_pre: int = 0
    n_comparison_post: int = 0
    weeks_pre: int = 0
    weeks_post: int = 0
    verdict: Verdict = Verdict.inconclusive
    reasons: tuple[str, ...] = ()
    reason_codes: tuple[str, ...] = ()  # aligned with ``reasons`` (journeys.experiments.verdict.REASON_CODES)
    interim: bool = False
    confidence: float = 1 - ALPHA


@dataclass(frozen=True)
class _Fit:
    effect: float
    se: float
    df: float
    p_value: float
    pretrend_p: float | None
    pretrend_test: str


# --- weekly designs ----------------------------------------------------------------------------------


def weighted_fits(y: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[Any, Any]:
    """Weighted least squares with classical and Newey–West (HAC) covariances, t inference (statsmodels)."""
    classical = sm.WLS(y, x, weights=w).fit(use_t=True)
    hac = classical.get_robustcov_results(cov_type="HAC", maxlags=newey_west_lags(len(y)), use_correction=True,
                                          use_t=True)
    return classical, hac


def _coefficient(fits: tuple[Any, Any], names: list[str]) -> tuple[float, float, float, float]:
    """The effect, its standard error (the larger of classical and HAC), residual df and p-value."""
    classical, hac = fits
    i = names.index(EFFECT)
    effect, se, df = float(classical.params[i]), float(max(classical.bse[i], hac.bse[i])), float(classical.df_resid)
    p = float(2 * special.stdtr(df, -abs(effect) / se)) if se > 0 else math.nan  # stats.t.sf, without its overhead
    return effect, se, df, p


def _joint_p(fits: tuple[Any, Any], names: list[str], tested: list[str]) -> float:
    """Wald F-test that ``tested`` are all zero: the larger p of the classical and the HAC test."""
    return max(wald_f_p(f, [names.index(name) for name in tested]) for f in fits)


def wald_f_p(fit: Any, tested: list[int]) -> float:
    """p of the Wald F-test that the coefficients at ``tested`` are all zero.

    What statsmodels' ``fit.wald_test(R, use_f=True).pvalue`` computes for a selection matrix ``R``
    (pseudo-inverse of the tested block of the covariance, F on its rank and the residual df;
    ``tests/experiments/test_analysis.py`` checks they agree), without building the test's result
    objects: it runs four times per weekly measurement, and the simulations measure thousands.
    """
    b = np.asarray(fit.params)[tested]
    cov = np.asarray(fit.cov_params())[np.ix_(tested, tested)]
    if np.isnan(cov).any():  # statsmodels refuses the same way
        raise ValueError("the tested coefficients' covariance is not finite")
    u, sv, vt = np.linalg.svd(cov)  # one decomposition for numpy's matrix_rank and pinv (their cut-offs)
    rank = min(len(tested), int((sv > sv.max() * len(tested) * np.finfo(float).eps).sum()))
    inverse_sv = np.where(sv > 1e-15 * sv.max(), 1 / np.where(sv > 0, sv, 1), 0.0)
    f_stat = float(b @ (vt.T * inverse_sv) @ u.T @ b) / rank
    return float(special.fdtrc(rank, fit.df_resid, f_stat))


def _its(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> _Fit:
    x, names = its_matrix(t)
    return _Fit(*_coefficient(weighted_fits(y, x, w), names), *_placebo_breaks(t, y, w))


def _placebo_breaks(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float | None, str]:
    """Did the before-weeks already break? Two placebo changes in them, Bonferroni-combined.

    - half-way: the segmented model on the before-weeks with a pretend change in their middle
      (level and trend change jointly zero) — a series that bent or jumped on its own;
    - just before: the last quarter of the before-weeks (at least 3) off the line of the earlier
      ones — the spike that often prompts a fix and then fades by itself (regression to the mean),
      which a straight line through all before-weeks would turn into a false "improved".
    Each at α/2; p = ``min(1, 2·min(p_half, p_recent))``.
    """
    before = t < 0
    weeks = np.unique(t[before])
    if len(weeks) < MIN_PRE_WEEKS:
        return None, ""
    tb, yb, wb = t[before], y[before], w[before]
    x, names = its_matrix(tb - weeks[len(weeks) // 2])
    p_half = _joint_p(weighted_fits(yb, x, wb), names, [EFFECT, "trend_change"])
    recent = (tb >= weeks[-max(3, len(weeks) // 4)]).astype(float)
    x_recent = np.column_stack([np.ones(len(tb)), tb, recent])
    p_recent = _joint_p(weighted_fits(yb, x_recent, wb), ["const", "trend", "recent"], ["recent"])
    return (min(1.0, 2 * min(p_half, p_recent)),
            "placebo changes in the before-weeks: half-way (level and trend) and in their last quarter "
            "(Bonferroni)")


def _did(t: np.ndarray, d: np.ndarray, w: np.ndarray) -> _Fit:
    x, names = did_matrix(t)
    return _Fit(*_coefficient(weighted_fits(d, x, w), names), *_parallel_trends(t, d, w))


def _parallel_trends(t: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float | None, str]:
    """Were the arms parallel before the change? Event-study leads and a linear drift, Bonferroni-combined.

    The leads (bins of before-weeks against the bin nearest the change) catch a jump or a bend; a
    slow steady drift spreads over all bins and is caught far better by the one-number test of a
    linear trend in the before-weeks' difference. Each at α/2, so the check's false-alarm rate
    stays at α; its p-value is ``min(1, 2·min(p_leads, p_drift))``.
    """
    xe, lead_names = did_matrix(t, leads=True)
    leads = [n for n in lead_names if n.startswith("lead_")]
    before = t < 0
    if not leads or before.sum() < 4:
        return None, ""
    p_leads = _joint_p(weighted_fits(d, xe, w), lead_names, leads)
    x_drift = np.column_stack([np.ones(before.sum()), t[before]])
    p_drift = _joint_p(weighted_fits(d[before], x_drift, w[before]), ["const", "drift"], ["drift"])
    return (min(1.0, 2 * min(p_leads, p_drift)),
            f"event study ({len(leads)} lead bins of the before-weeks jointly zero) and no linear drift "
            "between the arms before the change (Bonferroni)")


def _planned_fraction(design: Design, t: np.ndarray, w: np.ndarray, planned_post_weeks: int) -> float:
    """Share of the planned information a look has: design variance at the planned end / now.

    Future weeks get the average weight of the after-weeks seen so far (volumes, never outcomes).
    """
    after = t >= 0
    future = np.arange(int(t[after].max()) + 1 if after.any() else 0, planned_post_weeks)
    w_future = np.full(len(future), w[after].mean() if after.any() else w.mean())
    matrix = its_matrix if design == Design.before_after else did_matrix
    now = effect_variance(*matrix(t), w)
    planned = effect_variance(*matrix(np.concatenate([t, future])), np.concatenate([w, w_future]))
    return float(np.clip(planned / now, 0.0, 1.0)) if now > 0 else 0.0


def measure_weekly(cells: pd.DataFrame, design: Design, sign: int, *, weighted: bool = True, alpha: float = ALPHA,
                   planned_post_weeks: int | None = None, min_tickets: int = MIN_TICKETS) -> Measured:
    """Measure one metric from its weekly cells (columns ``arm``, ``t``, ``value``, ``n``).

    ``sign``: +1 when an increase is the improvement. ``weighted``: weight weeks by their sample
    (False for counts). ``planned_post_weeks``: given for an interim look — the interval is then
    anytime-valid over looks until that many weeks after the change.
    """
    if design not in (Design.did, Design.before_after):
        raise ValueError("A/B results come from measure_ab")
    arm, t_all = cells["arm"].to_numpy(), cells["t"].to_numpy(int)
    value_all, n_all = cells["value"].to_numpy(float), cells["n"].to_numpy(float)
    mine = np.flatnonzero(arm == CHANGED)
    mine = mine[np.argsort(t_all[mine], kind="stable")]
    if design == Design.did:  # the weeks where both arms have tickets
        other = np.flatnonzero(arm == COMPARISON)
        _, at_mine, at_other = np.intersect1d(t_all[mine], t_all[other], assume_unique=True, return_indices=True)
        mine, other = mine[at_mine], other[at_other]
        y = value_all[mine] - value_all[other]
        w = 1 / (1 / n_all[mine] + 1 / n_all[other]) if weighted else np.ones(len(mine))
    else:
        y = value_all[mine]
        w = n_all[mine] if weighted else np.ones(len(mine))
    t, n = t_all[mine], n_all[mine]
    before = t < 0
    counts = {"on the changed steps before the change": int(n[before].sum()),
              "on the changed steps after the change": int(n[~before].sum())}
    if design == Design.did:
        n_other = n_all[other]
        counts |= {"on the comparison steps before the change": int(n_other[before].sum()),
                   "on the comparison steps after the change": int(n_other[~before].sum())}
    weeks_pre, weeks_post = len(np.unique(t[before])), len(np.unique(t[~before]))
    totals = [*counts.values(), 0, 0]
    base = Measured(design, n_treated_pre=totals[0], n_treated_post=totals[1], n_comparison_pre=totals[2],
                    n_comparison_post=totals[3],
                    weeks_pre=weeks_pre, weeks_post=weeks_post, interim=planned_post_weeks is not None,
                    confidence=1 - alpha)
    weights_before = n[before] if weighted else np.ones(before.sum())
    baseline = (float(np.average(value_all[mine][before], weights=weights_before))
                if before.any() and weights_before.sum() > 0 else None)
    too_small = sample_problems(weeks_pre=weeks_pre, weeks_post=weeks_post, counts=counts, min_tickets=min_tickets)
    fit = None
    parameters = 4 if design == Design.before_after else 2
    if weeks_pre >= 2 and weeks_post >= 1 and len(t) > parameters:
        fit = (_its if design == Design.before_after else _did)(t, y, w)
    fraction = (_planned_fraction(design, t, w, planned_post_weeks)
                if fit is not None and planned_post_weeks is not None else None)
    return _finish(base, fit, sign, alpha, fraction, baseline, too_small)


# --- A/B ---------------------------------------------------------------------------------------------


def measure_ab(control: Arm, treatment: Arm, metric: str, sign: int, *, alpha: float = ALPHA,
               fraction: float | None = None, min_tickets: int = MIN_TICKETS, seed: int = 0) -> Measured:
    """Treatment − control for one catalogue metric (a rate, mean or quantile).

    ``fraction``: for an interim look, the share of the planned after-window seen so far.
    """
    base = Measured(Design.ab, n_treated_post=treatment.n, n_comparison_post=control.n,
                    interim=fraction is not None, confidence=1 - alpha)
    too_small = sample_problems(weeks_pre=None, weeks_post=None, min_tickets=min_tickets,
                                counts={f"in variant {treatment.variant} after the change": treatment.n,
                                        f"in variant {control.variant} after the change": control.n})
    baseline = control.value if control.n else None
    kind = METRICS[metric].kind
    fit, interval = None, None
    if treatment.n >= 2 and control.n >= 2:
        effect = treatment.value - control.value
        if kind == "rate":
            p1, p0 = treatment.value, control.value
            se = math.sqrt(p1 * (1 - p1) / treatment.n + p0 * (1 - p0) / control.n)
            test = test_proportions_2indep(treatment.successes, treatment.n, control.successes, control.n)
            fit = _Fit(effect, se, math.inf, float(test.pvalue), None, "")
            interval = confint_proportions_2indep(treatment.successes, treatment.n, control.successes, control.n,
                                                  compare="diff", alpha=alpha)
        elif kind == "mean":
            compared = CompareMeans(DescrStatsW(treatment.values), DescrStatsW(control.values))
            _, p, df = compared.ttest_ind(usevar="unequal")
            fit = _Fit(effect, float(compared.std_meandiff_separatevar), float(df), float(p), None, "")
            interval = compared.tconfint_diff(alpha=alpha, usevar="unequal")
        elif kind == "quantile":
            q = cast(float, METRICS[metric].q)  # a quantile metric names its quantile
            boot = stats.bootstrap((treatment.values, control.values),
                                   lambda a, b, axis: np.quantile(a, q, axis=axis) - np.quantile(b, q, axis=axis),
                                   n_resamples=BOOTSTRAP_RESAMPLES, confidence_level=1 - alpha, method="percentile",
                                   vectorized=True, batch=100, rng=np.random.default_rng(seed))
            fit = _Fit(effect, float(boot.standard_error), math.inf, math.nan, None, "")
            interval = (boot.confidence_interval.low, boot.confidence_interval.high)
        else:
            raise ValueError(f"A/B cannot compare a {kind} metric")
    return _finish(base, fit, sign, alpha, fraction, baseline, too_small, interval=interval)


# --- shared: interval, verdict -----------------------------------------------------------------------


def _clean(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _finish(base: Measured, fit: _Fit | None, sign: int, alpha: float, fraction: float | None,
            baseline: float | None, too_small: list[str],
            interval: tuple[float, float] | None = None) -> Measured:
    """Interval, relative change and verdict for a fit.

    The interval is anytime-valid when ``fraction`` is given (an interim look), else the library's
    own ``interval`` when there is one (A/B), else effect ± t-quantile × standard error.
    """
    if fit is None:
        verdict, reasons, codes = judge_with_codes(None, None, sign, too_small=too_small)
        return replace(base, baseline=_clean(baseline), verdict=verdict, reasons=tuple(reasons),
                       reason_codes=tuple(codes))
    df = None if math.isinf(fit.df) else fit.df
    if fraction is not None:  # interim: the confidence sequence
        half = radius(fraction, alpha, df) * fit.se
        low, high, p = fit.effect - half, fit.effect + half, anytime_p(fit.effect, fit.se, fraction, alpha, df)
    elif interval is not None:
        (low, high), p = (float(v) for v in interval), fit.p_value
    else:
        half = (stats.t.isf(alpha / 2, df) if df else stats.norm.isf(alpha / 2)) * fit.se
        low, high, p = fit.effect - half, fit.effect + half, fit.p_value
    verdict, reasons, codes = judge_with_codes(low, high, sign, too_small=too_small, pretrend_p=fit.pretrend_p,
                                               pretrend_test=fit.pretrend_test, confidence=1 - alpha,
                                               interim=fraction is not None)
    relative = fit.effect / baseline if baseline else None
    return replace(base, effect=_clean(fit.effect), ci_low=_clean(low), ci_high=_clean(high), se=_clean(fit.se),
                    df=_clean(fit.df), p_value=_clean(p), pretrend_p=_clean(fit.pretrend_p),
                    pretrend_test=fit.pretrend_test, baseline=_clean(baseline), relative_change=_clean(relative),
                    verdict=verdict, reasons=tuple(reasons), reason_codes=tuple(codes))


# --- the experiment ----------------------------------------------------------------------------------


def better_sign(metric: str) -> int:
    """+1 when the catalogue calls a higher value better (guardrails are judged this way)."""
    return -METRICS[metric].sign


def analyse(table: ibis.Table, experiment: Experiment, *, as_of: datetime | None = None,
            interim: bool | None = None, alpha: float = ALPHA, min_tickets: int = MIN_TICKETS) -> Result:
    """Analyse ``experiment`` on a mapped ticket table; the snapshot to store with the experiment.

    ``as_of``: look at the data up to this moment (default: the newest ticket). ``interim``: force
    the interim (anytime-valid) or final interval; by default a look is interim while the
    after-window is not over in the data (:func:`journeys.experiments.series.look_window`).
    """
    window = look_window(table, experiment, as_of=as_of, interim=interim)
    metrics = [experiment.metric, *experiment.guardrails]
    measured: dict[str, Measured] = {}
    if experiment.design == Design.ab:
        for name in metrics:
            control, treatment = ab_arms(table, experiment, name, window)
            sign = experiment.sign if name == experiment.metric else better_sign(name)
            measured[name] = measure_ab(control, treatment, name, sign, alpha=alpha,
                                        fraction=window.fraction if window.interim else None,
                                        min_tickets=min_tickets)
    else:
        cells = weekly_cells(table, experiment, metrics, window)
        planned = window.planned_post_weeks if window.interim else None
        for name in metrics:
            sign = experiment.sign if name == experiment.metric else better_sign(name)
            measured[name] = measure_weekly(cells[name], experiment.design, sign, alpha=alpha,
                                            weighted=METRICS[name].kind != "count", planned_post_weeks=planned,
                                            min_tickets=min_tickets)
    target = measured[experiment.metric]
    guardrails = [GuardrailResult(metric=name, effect=m.effect, ci_low=m.ci_low, ci_high=m.ci_high,
                                  verdict=m.verdict, reasons=list(m.reasons))
                  for name, m in measured.items() if name != experiment.metric]
    worse = [g for g in guardrails if g.worsened]
    reasons = list(target.reasons) + [f"guardrail {g.metric} worsened ({g.effect:+.4g}, interval {g.ci_low:+.4g} "
                                      f"to {g.ci_high:+.4g})" for g in worse]
    codes = list(target.reason_codes) + [GUARDRAIL_WORSENED] * len(worse)
    pre, shipped, end = experiment.window()
    return Result(
        design=experiment.design, metric=experiment.metric, interim=window.interim,
        analysed_at=datetime.now(UTC), data_until=window.data_until, pre_start=pre, shipped=shipped, post_end=end,
        effect=target.effect, ci_low=target.ci_low, ci_high=target.ci_high, confidence=target.confidence,
        relative_change=target.relative_change, baseline=target.baseline, p_value=target.p_value,
        pretrend_p=target.pretrend_p, pretrend_test=target.pretrend_test,
        n_treated_pre=target.n_treated_pre, n_treated_post=target.n_treated_post,
        n_comparison_pre=target.n_comparison_pre, n_comparison_post=target.n_comparison_post,
        weeks_pre=target.weeks_pre, weeks_post=target.weeks_post, verdict=target.verdict, reasons=reasons,
        reason_codes=codes,
        method=METHODS[experiment.design] + (" Interim look: anytime-valid interval." if window.interim else ""),
        guardrails=guardrails,
    )
