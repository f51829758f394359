"""The verdict: improved, worsened or inconclusive — decided here and nowhere else.

A result is **improved** only when the whole interval lies on the side the experiment wanted (the
metric's better direction unless the experiment says otherwise), **worsened** when it lies wholly
on the other side, and **inconclusive** otherwise. It is also inconclusive, whatever the interval
says, when

- the sample is too small (too few weeks before or after, or too few tickets in an arm and period:
  the thresholds below), because then neither the interval nor the pre-trend check can be trusted;
- the pre-trend check fails (p below :data:`PRETREND_ALPHA`): the steps were already drifting apart
  (DiD) or the series already broke before the change (before/after), so a difference after the
  change cannot be pinned on the change.

The reasons are kept in plain words so the page can say *why* a result is inconclusive, each with a
code (:data:`REASON_CODES`) so a front end that words one its own way matches the code, never the sentence.
"""

from __future__ import annotations

import math

from journeys.experiments.experiment import Verdict

MIN_PRE_WEEKS = 8  # weeks with tickets before the change: a trend and a placebo break need them
MIN_POST_WEEKS = 3  # weeks with tickets after the change
MIN_TICKETS = 30  # tickets per arm and period (the catalogue's default "too few")
PRETREND_ALPHA = 0.05

# What each reason is about (Result.reason_codes, aligned with Result.reasons).
SAMPLE_TOO_SMALL = "sample_too_small"
PRETREND_FAILED = "pretrend_failed"
NOT_ESTIMATED = "not_estimated"
NO_CHANGE_RULED_OUT = "interval_includes_no_change"
INTERVAL_ALONE = "interval_alone_would_say"
GUARDRAIL_WORSENED = "guardrail_worsened"
REASON_CODES = (SAMPLE_TOO_SMALL, PRETREND_FAILED, NOT_ESTIMATED, NO_CHANGE_RULED_OUT, INTERVAL_ALONE,
                GUARDRAIL_WORSENED)


def sample_problems(*, weeks_pre: int | None, weeks_post: int | None, counts: dict[str, int],
                    min_tickets: int = MIN_TICKETS) -> list[str]:
    """Why the sample is too small to judge (empty: large enough). ``counts``: label → tickets."""
    problems = []
    if weeks_pre is not None and weeks_pre < MIN_PRE_WEEKS:
        problems.append(f"sample too small: {weeks_pre} week(s) with tickets before the change "
                        f"(at least {MIN_PRE_WEEKS} needed)")
    if weeks_post is not None and weeks_post < MIN_POST_WEEKS:
        problems.append(f"sample too small: {weeks_post} week(s) with tickets after the change "
                        f"(at least {MIN_POST_WEEKS} needed)")
    for label, n in counts.items():
        if n < min_tickets:
            problems.append(f"sample too small: {n:,} tickets {label} (at least {min_tickets:,} needed)")
    return problems


def judge(low: float | None, high: float | None, sign: int, *, too_small: list[str] | None = None,
          pretrend_p: float | None = None, pretrend_test: str = "", confidence: float = 0.95,
          interim: bool = False) -> tuple[Verdict, list[str]]:
    """The verdict and its reasons for an interval ``[low, high]`` in the metric's units.

    ``sign``: +1 when an increase is the improvement, -1 when a decrease is.
    """
    verdict, reasons, _ = judge_with_codes(low, high, sign, too_small=too_small, pretrend_p=pretrend_p,
                                           pretrend_test=pretrend_test, confidence=confidence, interim=interim)
    return verdict, reasons


def judge_with_codes(low: float | None, high: float | None, sign: int, *, too_small: list[str] | None = None,
                     pretrend_p: float | None = None, pretrend_test: str = "", confidence: float = 0.95,
                     interim: bool = False) -> tuple[Verdict, list[str], list[str]]:
    """:func:`judge`, with each reason's code (:data:`REASON_CODES`) in a list aligned with the reasons."""
    given = [(SAMPLE_TOO_SMALL, text) for text in too_small or []]
    if pretrend_p is not None and not math.isnan(pretrend_p) and pretrend_p < PRETREND_ALPHA:
        given.append((PRETREND_FAILED, f"pre-trend check failed ({pretrend_test}: p = {pretrend_p:.3f} < "
                                       f"{PRETREND_ALPHA}): the change cannot be told apart from a drift that "
                                       "started before it"))
    found = Verdict.inconclusive
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        given.append((NOT_ESTIMATED, "the effect could not be estimated from these tickets"))
        return found, [text for _, text in given], [code for code, _ in given]
    good_low, good_high = sorted((sign * low, sign * high))
    kind = "anytime-valid interim" if interim else f"{confidence:.0%}"
    if good_low > 0:
        found = Verdict.improved
    elif good_high < 0:
        found = Verdict.worsened
    else:
        given.append((NO_CHANGE_RULED_OUT, f"the {kind} interval ({low:+.4g} to {high:+.4g}) includes no change"))
    if given and found != Verdict.inconclusive:
        given.append((INTERVAL_ALONE, f"(the interval alone would say {found.value})"))
        found = Verdict.inconclusive
    return found, [text for _, text in given], [code for code, _ in given]
