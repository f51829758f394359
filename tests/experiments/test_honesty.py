"""The statistics are honest, checked by simulation (seeded; the whole file runs in well under a minute).

Simulated weekly series go through the same code the app runs after the engine query
(:func:`measure_weekly`, :func:`measure_ab`): weekly reopen rates of a changed step (≈150
tickets a week, rate 22 %) and a comparison step (≈200 a week, 15 %), Poisson volumes, binomial
tickets, and a small week-level shock common to both steps (seasonality). 16 weeks before the
change, 10 after.

- A/A (no effect): "improved" + "worsened" in 2–8 % of experiments, per design;
- a planted effect: the 95 % interval covers it in ≥ 90 % of experiments;
- power against the planned minimum detectable effect (80 %): observed 70–90 %;
- peeking: weekly interim looks plus the final analysis, together, still 2–8 % false calls;
- a broken pre-trend: inconclusive, not a false win.

The figures are printed (``pytest -s``) so the closing note can quote them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journeys.experiments.effects import measure_ab, measure_weekly
from journeys.experiments.experiment import Design, Verdict
from journeys.experiments.planning import detectable_effect
from journeys.experiments.series import Arm

PRE, POST = 16, 10
N_CHANGED, N_COMPARISON = 150, 200
P_CHANGED, P_COMPARISON = 0.22, 0.15
SHOCK = 0.01  # sd of the weekly shock common to both steps
DECREASE = -1  # reopen rate: lower is better
T = np.arange(-PRE, POST)
WEEKLY = (Design.before_after, Design.did)


def simulate(seed: int, sims: int, *, effect: float = 0.0, shock: float = SHOCK,
             changed_path: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Weekly tickets and reopened tickets per simulated experiment: (n, k) for each step, shape (sims, weeks)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0, shock, (sims, len(T)))
    path = (P_CHANGED + effect * (T >= 0)) if changed_path is None else changed_path
    n1, n2 = rng.poisson(N_CHANGED, (sims, len(T))), rng.poisson(N_COMPARISON, (sims, len(T)))
    k1 = rng.binomial(n1, np.clip(path + common, 0, 1))
    k2 = rng.binomial(n2, np.clip(P_COMPARISON + common, 0, 1))
    return n1, k1, n2, k2


def cells(n1: np.ndarray, k1: np.ndarray, n2: np.ndarray, k2: np.ndarray, weeks: np.ndarray = T) -> pd.DataFrame:
    """One simulated experiment as the weekly cells the engine query returns."""
    return pd.DataFrame({"arm": np.repeat(["changed", "comparison"], len(weeks)), "t": np.tile(weeks, 2),
                         "value": np.concatenate([k1 / n1, k2 / n2]), "n": np.concatenate([n1, n2])})


def run(design: Design, data: tuple[np.ndarray, ...], *, planned_post_weeks: int | None = None,
        upto: int | None = None) -> pd.DataFrame:
    """Measure every simulated experiment (optionally only the weeks before ``upto`` after the change)."""
    keep = np.arange(len(T)) < PRE + (upto if upto is not None else POST)
    rows = []
    for n1, k1, n2, k2 in zip(*data, strict=True):
        m = measure_weekly(cells(n1[keep], k1[keep], n2[keep], k2[keep], T[keep]), design, DECREASE,
                           planned_post_weeks=planned_post_weeks)
        rows.append((m.verdict, m.effect, m.ci_low, m.ci_high, m.pretrend_p, " ".join(m.reasons)))
    return pd.DataFrame(rows, columns=["verdict", "effect", "low", "high", "pretrend_p", "reasons"])


def called(results: pd.DataFrame) -> pd.Series:
    return results["verdict"] != Verdict.inconclusive


@pytest.mark.parametrize("design", WEEKLY)
def test_aa_false_positives_are_about_five_percent(design):
    results = run(design, simulate(seed=101, sims=600))
    rate = called(results).mean()
    print(f"\nA/A {design.value}: false 'improved'/'worsened' in {rate:.1%} of 600; "
          f"pre-trend check failed in {(results['pretrend_p'] < 0.05).mean():.1%}")
    assert 0.02 <= rate <= 0.08


def test_aa_false_positives_for_ab():
    rng = np.random.default_rng(7)
    sims, n = 600, 1_500
    k_a, k_b = rng.binomial(n, P_CHANGED, sims), rng.binomial(n, P_CHANGED, sims)
    verdicts = [measure_ab(Arm("A", n, a / n, int(a)), Arm("B", n, b / n, int(b)), "reopen_rate", DECREASE).verdict
                for a, b in zip(k_a, k_b, strict=True)]
    rate = np.mean([v != Verdict.inconclusive for v in verdicts])
    print(f"\nA/A ab: false calls in {rate:.1%} of {sims}")
    assert 0.02 <= rate <= 0.08


@pytest.mark.parametrize("design", WEEKLY)
def test_intervals_cover_a_planted_effect(design):
    effect = -0.06
    results = run(design, simulate(seed=202, sims=300, effect=effect))
    covered = ((results["low"] <= effect) & (effect <= results["high"])).mean()
    print(f"\nplanted {effect} ({design.value}): the 95 % interval covers it in {covered:.1%} of 300; "
          f"mean estimate {results['effect'].mean():+.4f}")
    assert covered >= 0.90
    assert results["effect"].mean() == pytest.approx(effect, abs=0.01)  # unbiased


@pytest.mark.parametrize("design", WEEKLY)
def test_power_matches_the_plan(design):
    mde, _ = detectable_effect(design, variance=P_CHANGED * (1 - P_CHANGED), weekly_n=N_CHANGED, pre_weeks=PRE,
                               post_weeks=POST, variance_comparison=P_COMPARISON * (1 - P_COMPARISON),
                               weekly_n_comparison=N_COMPARISON)
    results = run(design, simulate(seed=303, sims=300, effect=-mde, shock=0.0))
    power = (results["verdict"] == Verdict.improved).mean()
    print(f"\npower ({design.value}): planned 80 % at MDE {mde:.4f}; observed {power:.1%} of 300")
    assert 0.70 <= power <= 0.90


@pytest.mark.parametrize("design", WEEKLY)
def test_peeking_every_week_does_not_inflate_false_calls(design):
    """Interim looks after 3, 4, …, 9 weeks (anytime-valid) and the final analysis after 10."""
    data = simulate(seed=404, sims=300)
    looks = [run(design, data, planned_post_weeks=POST, upto=week) for week in range(3, POST)]
    interim = np.logical_or.reduce([called(look) for look in looks])
    final = called(run(design, data))
    either = (interim | final).mean()
    print(f"\npeeking ({design.value}): a false call at some interim look in {interim.mean():.1%} of 300, "
          f"at the final analysis in {final.mean():.1%}, at either in {either:.1%}")
    assert interim.mean() <= 0.05
    assert 0.02 <= either <= 0.08


def test_interim_intervals_are_anytime_valid_and_wider():
    data = simulate(seed=505, sims=1)
    interim = run(Design.did, data, planned_post_weeks=POST, upto=5).iloc[0]
    fixed = run(Design.did, data, upto=5).iloc[0]
    assert interim["effect"] == pytest.approx(fixed["effect"])
    assert interim["high"] - interim["low"] > 1.4 * (fixed["high"] - fixed["low"])


def test_a_drift_between_the_arms_before_the_change_is_not_a_win():
    """DiD: the changed step was already drifting down 1 point a week; nothing happened at the change."""
    results = run(Design.did, simulate(seed=606, sims=200, changed_path=P_CHANGED - 0.01 * (T + PRE)))
    naive_wins = (results["high"] < 0).mean()  # what the interval alone would claim
    wins = (results["verdict"] == Verdict.improved).mean()
    print(f"\ndrift (did): the interval alone says 'improved' in {naive_wins:.0%}; the verdict in {wins:.1%}")
    assert naive_wins > 0.9
    assert wins <= 0.05
    assert results["reasons"].str.contains("pre-trend check failed").mean() >= 0.9


def test_a_spike_just_before_the_change_is_not_a_win():
    """Before/after: a spike in the last four weeks before shipping that fades by itself (regression to the mean)."""
    path = P_CHANGED + 0.15 * ((T >= -4) & (T < 0))
    results = run(Design.before_after, simulate(seed=707, sims=200, changed_path=path))
    naive_wins = (results["high"] < 0).mean()
    wins = (results["verdict"] == Verdict.improved).mean()
    print(f"\nspike before shipping (before/after): the interval alone says 'improved' in {naive_wins:.0%}; "
          f"the verdict in {wins:.1%}")
    assert naive_wins > 0.5
    assert wins <= 0.10
