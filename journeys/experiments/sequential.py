"""Anytime-valid intervals for looks at a running experiment (peeking without inflating false wins).

A team looks at a running experiment every week. Re-reading a fixed 95 % interval at every look
and stopping at the first one that excludes zero inflates false wins well past 5 %. Interim looks
therefore use a **confidence sequence**: Robbins' normal-mixture boundary, under which the chance
that the interval *ever* excludes the true effect, over any number of looks at any times, stays
below α (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon 2021, "Time-uniform, nonparametric,
nonasymptotic confidence sequences", eq. (14); the asymptotic version for estimators with
estimated standard errors: Waudby-Smith et al. 2021). Neither statsmodels nor SciPy has it; the
boundary is one closed form, written out below.

For an estimate with standard error ``se`` and information ``V = 1/se²``, the boundary at level α
with mixture parameter ρ is ``|θ̂ − θ|·V ≤ √((V + ρ)(2·log(1/α) + log(1 + V/ρ)))``. ρ is fixed
before the data (a data-dependent ρ would void the guarantee): it is chosen so the interval is
tightest at the planned end of the window, ``ρ = c·V_plan``, which makes the boundary depend only
on the **information fraction** ``f = V/V_plan`` (computed from the design and ticket volumes,
never from outcomes). At ``f = 1`` and α = 5 % the half-width is ≈ 3.0 standard errors instead of
1.96: the price of being allowed to look at any time.

With few weeks the estimate is t- rather than normal-distributed; the boundary (a normal
quantile) is carried to the t distribution with the same tail probability.
"""

from __future__ import annotations

import math
from functools import lru_cache

from scipy import optimize, stats


def _radius(fraction_over_c: float, alpha: float) -> float:
    r = fraction_over_c  # V / ρ
    return math.sqrt((1 + 1 / r) * (2 * math.log(1 / alpha) + math.log1p(r)))


@lru_cache(maxsize=16)
def mixture_scale(alpha: float) -> float:
    """The c in ``ρ = c·V_plan`` that makes the boundary narrowest at the planned end (f = 1)."""
    found = optimize.minimize_scalar(lambda log_c: _radius(math.exp(-log_c), alpha), bounds=(-8, 8),
                                     method="bounded")
    return math.exp(found.x)


def radius(fraction: float, alpha: float = 0.05, df: float | None = None) -> float:
    """Half-width of the confidence sequence in standard errors at information fraction ``fraction``.

    ``df``: residual degrees of freedom when the estimate is t-distributed (None: normal).
    """
    if not fraction > 0:
        return math.inf
    z = _radius(fraction / mixture_scale(alpha), alpha)
    return _to_t(z, df)


def anytime_p(estimate: float, se: float, fraction: float, alpha: float = 0.05, df: float | None = None) -> float:
    """The anytime-valid p-value (1 / the mixture martingale, capped at 1) for "no effect"."""
    if not (se > 0 and fraction > 0) or math.isnan(estimate):
        return 1.0
    t_stat = abs(estimate) / se
    z = t_stat if df is None else -stats.norm.ppf(stats.t.sf(t_stat, df))
    r = fraction / mixture_scale(alpha)
    log_m = -0.5 * math.log1p(r) + z * z * r / (2 * (1 + r))
    return float(min(1.0, math.exp(-log_m)))


def _to_t(z: float, df: float | None) -> float:
    if df is None or math.isinf(z):
        return z
    return float(stats.t.isf(stats.norm.sf(z), df))
