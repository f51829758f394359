"""Analysis on hand-made ticket tables: the designs, the verdict rules, A/B, interim looks and planning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from journeys.errors import JourneysError
from journeys.experiments import Design, Experiment, Verdict, analyse, detectable_effect, plan, weekly_series
from journeys.experiments.sequential import anytime_p, radius
from journeys.experiments.series import week_offsets
from journeys.experiments.verdict import judge
from tests.experiments.helpers import MONDAY, ticket_table, weekly_tickets

CHANGE_WEEK, WEEKS = 13, 21
SHIPPED = (MONDAY + timedelta(weeks=CHANGE_WEEK)).date()  # a Monday


def experiment(**changes) -> Experiment:
    data = {"title": "Fix", "journey": "J", "steps": ["fix"], "comparison_steps": ["other"], "metric": "reopen_rate",
            "design": "did", "shipped": SHIPPED, "pre_start": MONDAY.date(),
            "post_end": (MONDAY + timedelta(weeks=WEEKS)).date()}
    return Experiment.model_validate(data | changes)


@pytest.fixture(scope="module")
def planted() -> dict[str, np.ndarray]:
    """21 weeks; 'fix' (120 a week) reopens 25 % → 15 % from week 13; 'other' (150 a week) stays at 15 %."""
    return weekly_tickets(np.random.default_rng(1), {"fix": (120, 0.25), "other": (150, 0.15)}, WEEKS,
                          change={"fix": (CHANGE_WEEK, 0.15)})


def test_did_equals_the_ticket_level_two_way_fixed_effects_regression(planted):
    result = analyse(ticket_table(**planted), experiment())
    tickets = pd.DataFrame({"step": planted["journey_step"], "reopened": (planted["reopens"] >= 1).astype(float),
                            "week": [(c - MONDAY).days // 7 for c in planted["created_at"]]})
    tickets["changed_after"] = ((tickets["step"] == "fix") & (tickets["week"] >= CHANGE_WEEK)).astype(float)
    ols = smf.ols("reopened ~ C(step) + C(week) + changed_after", data=tickets).fit()
    assert result.effect == pytest.approx(ols.params["changed_after"], abs=1e-9)
    assert result.verdict == Verdict.improved and result.ci_low < -0.10 < result.ci_high < 0
    assert result.weeks_pre == CHANGE_WEEK and result.weeks_post == WEEKS - CHANGE_WEEK
    assert result.n_treated_pre == (tickets.query("step == 'fix' and week < 13").shape[0])
    assert result.relative_change == pytest.approx(result.effect / result.baseline)
    assert not result.interim and "event study" in result.pretrend_test and result.pretrend_p > 0.05


def test_before_after_finds_the_jump():
    rows = weekly_tickets(np.random.default_rng(5), {"fix": (400, 0.25)}, WEEKS, change={"fix": (CHANGE_WEEK, 0.15)})
    result = analyse(ticket_table(**rows), experiment(design="before_after", comparison_steps=[]))
    assert result.verdict == Verdict.improved
    assert result.ci_low < -0.10 < result.ci_high
    assert result.n_comparison_pre == 0 and "placebo" in result.pretrend_test


def test_the_week_the_change_shipped_in_is_left_out():
    weeks = pd.Series(pd.date_range("2026-03-30", periods=4, freq="7D", tz="UTC"))
    wednesday = datetime(2026, 4, 8, 15, tzinfo=UTC)
    offsets = week_offsets(weeks, wednesday).tolist()
    assert np.isnan(offsets[1])  # the week of 6 April mixes before and after: left out, and time stays true
    assert [offsets[0], *offsets[2:]] == [-2, 0, 1]
    assert week_offsets(weeks, datetime(2026, 4, 6, tzinfo=UTC)).tolist() == [-1, 0, 1, 2]  # shipped on a Monday


def test_mid_week_shipping_drops_one_week(planted):
    result = analyse(ticket_table(**planted), experiment(shipped=SHIPPED + timedelta(days=2)))
    assert (result.weeks_pre, result.weeks_post) == (CHANGE_WEEK, WEEKS - CHANGE_WEEK - 1)


def test_verdict_rules_in_one_place():
    assert judge(-0.1, -0.02, -1)[0] == Verdict.improved  # lower is better and the interval is below zero
    assert judge(0.02, 0.1, -1)[0] == Verdict.worsened
    assert judge(0.02, 0.1, +1)[0] == Verdict.improved  # e.g. csat: an increase is the improvement
    verdict, reasons = judge(-0.1, 0.02, -1)
    assert verdict == Verdict.inconclusive and "includes no change" in reasons[0]
    verdict, reasons = judge(-0.1, -0.02, -1, pretrend_p=0.01, pretrend_test="event study")
    assert verdict == Verdict.inconclusive and "pre-trend check failed" in reasons[0]
    assert "would say improved" in reasons[-1]
    verdict, reasons = judge(-0.1, -0.02, -1, too_small=["sample too small: 3 week(s)"])
    assert verdict == Verdict.inconclusive and reasons[0].startswith("sample too small")
    assert judge(None, None, -1)[0] == Verdict.inconclusive


def test_too_few_weeks_before_is_inconclusive_and_says_which(planted):
    exp = experiment(pre_start=SHIPPED - timedelta(weeks=4))
    result = analyse(ticket_table(**planted), exp)
    assert result.verdict == Verdict.inconclusive
    assert any("4 week(s) with tickets before the change (at least 8 needed)" in r for r in result.reasons)


def test_too_few_tickets_is_inconclusive_and_says_which():
    rng = np.random.default_rng(2)
    rows = weekly_tickets(rng, {"fix": (2, 0.5), "other": (150, 0.15)}, WEEKS, change={"fix": (CHANGE_WEEK, 0.0)})
    result = analyse(ticket_table(**rows), experiment())
    assert result.verdict == Verdict.inconclusive
    assert any("tickets on the changed steps after the change (at least 30 needed)" in r for r in result.reasons)


def test_a_worsened_guardrail_is_flagged():
    rng = np.random.default_rng(3)
    rows = weekly_tickets(rng, {"fix": (200, 0.25), "other": (200, 0.15)}, WEEKS, change={"fix": (CHANGE_WEEK, 0.12)})
    after_fix = (np.array(rows["journey_step"]) == "fix") & (np.array(rows["created_at"]) >= MONDAY
                                                             + timedelta(weeks=CHANGE_WEEK))
    rated = ~np.isnan(rows["csat"])
    rows["csat"] = np.where(rated & after_fix, np.where(rng.random(len(after_fix)) < 0.3, 5.0, 1.0), rows["csat"])
    result = analyse(ticket_table(**rows), experiment(guardrails=["csat", "agent_replies_mean"]))
    assert result.verdict == Verdict.improved
    csat = next(g for g in result.guardrails if g.metric == "csat")
    assert csat.worsened and csat.effect < -0.2
    assert result.guardrails_worsened == ["csat"]
    assert any(r.startswith("guardrail csat worsened") for r in result.reasons)


def test_interim_looks_are_labelled_and_wider(planted):
    table = ticket_table(**planted)
    as_of = MONDAY + timedelta(weeks=CHANGE_WEEK + 5)
    interim = analyse(table, experiment(), as_of=as_of)
    fixed = analyse(table, experiment(), as_of=as_of, interim=False)
    assert interim.interim and "Interim look" in interim.method and not fixed.interim
    assert interim.effect == pytest.approx(fixed.effect)
    assert (interim.ci_high - interim.ci_low) > 1.3 * (fixed.ci_high - fixed.ci_low)
    assert interim.weeks_post == 5 and interim.data_until < as_of


def test_confidence_sequence_boundary():
    assert radius(1.0) == pytest.approx(3.0, abs=0.1)  # vs 1.96 for one fixed look
    assert radius(0.1) > radius(0.5) > radius(1.0) > 1.96
    assert radius(1.0, df=10) > radius(1.0)  # few weeks: t, wider
    z = radius(0.4)
    assert anytime_p(z * 1.01, 1.0, 0.4) < 0.05 < anytime_p(z * 0.99, 1.0, 0.4)


def ab_table(rng: np.random.Generator, n: int = 4_000) -> tuple:
    variant = np.where(rng.random(n) < 0.5, "B", "A")
    b = variant == "B"
    created = [datetime(2026, 4, 6, tzinfo=MONDAY.tzinfo) + timedelta(minutes=30 * i) for i in range(n)]
    columns = {"created_at": created, "journey_step": ["fix"] * n, "variant": variant,
               "reopens": (rng.random(n) < np.where(b, 0.10, 0.20)).astype(int),
               "agent_replies": rng.poisson(np.where(b, 1.5, 2.0)),
               "first_response_minutes": rng.lognormal(np.where(b, np.log(40), np.log(60)), 0.8)}
    return ticket_table(**columns), columns


def test_ab_rates_means_and_quantiles():
    table, columns = ab_table(np.random.default_rng(4))
    exp = experiment(design="ab", comparison_steps=[], post_end=date(2026, 7, 1))
    b = columns["variant"] == "B"
    rate = analyse(table, exp)
    expected = (columns["reopens"][b] >= 1).mean() - (columns["reopens"][~b] >= 1).mean()
    assert rate.effect == pytest.approx(expected) and rate.verdict == Verdict.improved
    assert rate.n_treated_post == b.sum() and rate.n_comparison_post == (~b).sum()
    means = analyse(table, exp.model_copy(update={"metric": "agent_replies_mean", "direction": "decrease"}))
    assert means.effect == pytest.approx(columns["agent_replies"][b].mean() - columns["agent_replies"][~b].mean())
    assert means.verdict == Verdict.improved and means.ci_low < -0.3
    median = analyse(table, exp.model_copy(update={"metric": "frt_p50"}))
    assert median.verdict == Verdict.improved and median.ci_low < median.effect < median.ci_high < 0
    with pytest.raises(JourneysError, match="traffic was split"):
        analyse(table, exp.model_copy(update={"metric": "volume"}))
    early = analyse(table, exp, as_of=datetime(2026, 5, 1, tzinfo=UTC))  # a third of the window: interim
    assert early.interim and early.n_treated_post < rate.n_treated_post
    fixed_early = analyse(table, exp, as_of=datetime(2026, 5, 1, tzinfo=UTC), interim=False)
    assert (early.ci_high - early.ci_low) > 1.5 * (fixed_early.ci_high - fixed_early.ci_low)


def test_the_plan_matches_the_design_and_counts_weeks(planted):
    exp = experiment(smallest_effect=0.05)
    found = plan(ticket_table(**planted), exp)
    truth, _ = detectable_effect(Design.did, variance=0.25 * 0.75, weekly_n=120, variance_comparison=0.15 * 0.85,
                                 weekly_n_comparison=150, pre_weeks=CHANGE_WEEK, post_weeks=WEEKS - CHANGE_WEEK)
    assert found.pre_weeks == CHANGE_WEEK and found.post_weeks == WEEKS - CHANGE_WEEK
    assert found.weekly_tickets == pytest.approx(120, rel=0.15)
    assert found.mde == pytest.approx(truth, rel=0.25)
    inputs = {"variance": 0.25 * 0.75, "weekly_n": 120, "variance_comparison": 0.15 * 0.85,
              "weekly_n_comparison": 150, "pre_weeks": CHANGE_WEEK}
    assert detectable_effect(Design.did, post_weeks=found.weeks_needed, **inputs)[0] <= 0.05 * 1.3
    its = plan(ticket_table(**planted), experiment(design="before_after", comparison_steps=[]))
    assert its.design_effect > 1.5  # extrapolating a trend costs tickets
    assert its.mde > its.mde_two_sample


def test_weekly_series_for_charts(planted):
    series = weekly_series(ticket_table(**planted), experiment())
    assert set(series["arm"]) == {"changed", "comparison"}
    assert series["t"].min() == -CHANGE_WEEK and series["t"].max() == WEEKS - CHANGE_WEEK - 1
    assert (series["n"] > 0).all()


def test_the_joint_pretrend_test_is_statsmodels_wald_f_test():
    """effects.wald_f_p skips statsmodels' result objects for speed; its p must be the one wald_test gives."""
    from journeys.experiments.effects import wald_f_p, weighted_fits

    rng = np.random.default_rng(11)
    t = np.arange(-16, 10)
    x = np.column_stack([np.ones(len(t)), t, t >= 0, (t >= 0) * t, t >= -4])
    y = x @ np.array([0.2, 0.001, -0.03, 0.0, 0.01]) + rng.normal(0, 0.02, len(t))
    for fit in weighted_fits(y, x, rng.uniform(100, 200, len(t))):  # the classical and the HAC fit
        for tested in ([2], [2, 3], [1, 3, 4]):
            restrictions = np.eye(x.shape[1])[tested]
            expected = float(fit.wald_test(restrictions, use_f=True, scalar=True).pvalue)
            assert wald_f_p(fit, tested) == pytest.approx(expected, rel=1e-9)
            assert 0 < expected < 1
