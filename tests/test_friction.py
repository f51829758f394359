"""The friction score: the formula on hand-made metric frames, and end to end on ticket tables."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from journeys.friction import DEFAULT_WEIGHTS, friction, friction_by_period, friction_score
from journeys.metrics import METRICS, compute
from journeys.tickets.canonical import arrow_schema
from journeys.tickets.synthetic import generate

T0 = datetime(2025, 3, 3, tzinfo=UTC)


def frame(**columns: list) -> pd.DataFrame:
    """A per-step metric frame as compute() returns it (no metric too few unless NaN)."""
    df = pd.DataFrame(columns)
    for m in METRICS:
        if m in df.columns:
            df[f"{m}_too_few"] = df[m].isna()
    return df


def step_tickets(step: str, n: int, *, escalated: float, good: float, replies: int = 1, rated: int | None = None,
                 start: int = 0) -> list[dict]:
    """n tickets on a step: a share escalated, a share of the rated ones rated 5 (else 1)."""
    rated = n if rated is None else rated
    return [{
        "ticket_id": f"{step}-{i}", "created_at": T0 + timedelta(minutes=start + i), "journey_step": step,
        "customer_id": f"{step}-c{i}", "escalated": i < round(escalated * n), "agent_replies": replies,
        "reopens": 0, "csat": (5.0 if i < round(good * rated) else 1.0) if i < rated else None,
    } for i in range(n)]


def duck(rows: list[dict]) -> ibis.Table:
    full = [{name: None for name in arrow_schema().names} | row for row in rows]
    return ibis.duckdb.connect().create_table("tickets", pa.Table.from_pylist(full, schema=arrow_schema()))


def test_the_formula_by_hand():
    per_step = frame(journey_step=["F", "R", "G"], volume=[1000, 40, 2000],
                     csat=[0.7, 0.1, 0.9], escalation_rate=[0.3, 0.9, 0.1])
    baseline = {"csat": 0.85, "escalation_rate": 0.15}
    scored = friction_score(per_step, baseline, weights={"csat": 1, "escalation_rate": 1}).set_index("step")
    # F: csat 0.15/0.85 worse, escalation (0.3 − 0.15)/0.15 = 1 (at the cap); volume factor √(1000/2000)
    assert scored.loc["F", "score"] == pytest.approx((0.5 * 0.15 / 0.85 + 0.5 * 1.0) * math.sqrt(0.5))
    assert scored.loc["F", "escalation_rate_gap"] == pytest.approx(1.0)
    assert scored.loc["R", "escalation_rate_gap"] == pytest.approx(1.0)  # 5× the baseline, capped
    assert scored.loc["G", "csat_gap"] == pytest.approx(-0.05 / 0.85)  # better → negative
    assert scored.loc["F", "volume_factor"] == pytest.approx(math.sqrt(0.5))
    assert scored.loc["F", "rank"] == 1 and scored.loc["R", "rank"] == 2 and scored.loc["G", "rank"] == 3
    assert scored.loc["F", "main_driver"] == "escalation_rate" and pd.isna(scored.loc["G", "main_driver"])
    assert scored.attrs["weights"] == {"csat": 0.5, "escalation_rate": 0.5}


def test_a_frequent_moderately_bad_step_outranks_a_rare_terrible_one():
    rows = (step_tickets("frequent", 1200, escalated=0.30, good=0.70)
            + step_tickets("rare", 40, escalated=1.0, good=0.0, start=2000)
            + step_tickets("fine", 3000, escalated=0.10, good=0.90, start=4000))
    scored = friction(duck(rows), weights={"csat": 1, "escalation_rate": 1}).set_index("step")
    assert scored.loc["rare", "csat_gap"] > scored.loc["frequent", "csat_gap"] > 0  # rare is worse per ticket …
    assert scored.loc["frequent", "rank"] == 1 and scored.loc["rare", "rank"] == 2  # … but frequent ranks first
    ignoring_volume = friction(duck(rows), weights={"csat": 1, "escalation_rate": 1}, alpha=0).set_index("step")
    assert ignoring_volume.loc["rare", "rank"] == 1  # the volume weighting is what makes the difference


def test_a_step_better_than_baseline_everywhere_scores_at_most_zero():
    columns: dict[str, list] = {"journey_step": ["good", "bad"], "volume": [500, 500]}
    baseline = {}
    for m in DEFAULT_WEIGHTS:
        base = 0.5 if METRICS[m].kind == "rate" else 100.0
        better, worse = (base * 0.8, base * 1.3) if METRICS[m].direction == "lower" else (base * 1.2, base * 0.7)
        columns[m] = [better, worse]
        baseline[m] = base
    scored = friction_score(frame(**columns), baseline).set_index("step")
    contributions = scored.loc["good", [f"{m}_contribution" for m in DEFAULT_WEIGHTS]]
    assert (contributions < 0).all() and scored.loc["good", "score"] <= 0
    assert scored.loc["bad", "score"] > 0 and scored.loc["bad", "rank"] == 1


def test_weights_change_the_ranking_as_expected():
    per_step = frame(journey_step=["slow", "angry"], volume=[800, 800],
                     resolution_p90=[3000.0, 1500.0], csat=[0.8, 0.5])
    baseline = {"resolution_p90": 1500.0, "csat": 0.8}
    on_time = friction_score(per_step, baseline, weights={"resolution_p90": 1.0, "csat": 0.1})
    on_csat = friction_score(per_step, baseline, weights={"resolution_p90": 0.1, "csat": 1.0})
    assert on_time["step"].tolist() == ["slow", "angry"]
    assert on_csat["step"].tolist() == ["angry", "slow"]
    only_csat = friction_score(per_step, baseline, weights={"csat": 1.0, "resolution_p90": 0.0}).set_index("step")
    assert only_csat.loc["slow", "score"] == 0.0 and only_csat.loc["slow", "resolution_p90_contribution"] == 0.0


def test_components_sum_to_the_score_on_realistic_data():
    table = ibis.duckdb.connect().create_table("tickets", generate(20_000, steps=12, weeks=8, seed=4))
    scored = friction(table)
    contributions = scored[[f"{m}_contribution" for m in DEFAULT_WEIGHTS]].sum(axis=1)
    assert np.allclose(contributions, scored["score"], rtol=0, atol=1e-12)
    weights = scored.attrs["weights"]
    for m in DEFAULT_WEIGHTS:
        usable = ~scored[f"{m}_too_few"]
        expected = weights[m] * scored.loc[usable, f"{m}_gap"] * scored.loc[usable, "volume_factor"]
        expected = expected.where(scored.loc[usable, "guarded_by"] == "", expected.clip(lower=0))
        assert np.allclose(scored.loc[usable, f"{m}_contribution"], expected, rtol=0, atol=1e-12), m
        assert (scored[f"{m}_gap"].dropna().abs() <= 1.0).all()  # capped at the default cap
    assert scored["rank"].tolist() == sorted(scored["rank"].tolist())
    assert scored["score"].is_monotonic_decreasing
    assert len(scored) == 12 and scored["volume_factor"].max() == pytest.approx(1.0)
    # the baseline is the whole journey's value, i.e. ticket-weighted
    overall = compute(table, by=(), metrics=list(DEFAULT_WEIGHTS))
    for m in DEFAULT_WEIGHTS:
        assert scored[f"{m}_baseline"].iloc[0] == pytest.approx(overall[m].iloc[0])


def test_too_few_components_contribute_nothing_and_are_flagged():
    rows = (step_tickets("thin-csat", 200, escalated=0.5, good=0.0, rated=5)  # 5 ratings < 30
            + step_tickets("other", 400, escalated=0.1, good=0.9, start=1000))
    scored = friction(duck(rows), weights={"csat": 1, "escalation_rate": 1}).set_index("step")
    thin = scored.loc["thin-csat"]
    assert thin["csat_too_few"] and thin["csat_contribution"] == 0.0 and math.isnan(thin["csat_value"])
    assert not thin["escalation_rate_too_few"] and thin["escalation_rate_contribution"] > 0
    assert thin["score"] == pytest.approx(thin["escalation_rate_contribution"])


def test_zero_baseline_and_cap():
    per_step = frame(journey_step=["a", "b", "c"], volume=[10, 10, 10], reopen_rate=[0.0, 0.2, 0.0],
                     escalation_rate=[0.9, 0.1, 0.1])
    scored = friction_score(per_step, {"reopen_rate": 0.0, "escalation_rate": 0.1},
                            weights={"reopen_rate": 1, "escalation_rate": 1}, cap=2.0).set_index("step")
    assert scored.loc["b", "reopen_rate_gap"] == 2.0 and scored.loc["a", "reopen_rate_gap"] == 0.0
    assert scored.loc["a", "escalation_rate_gap"] == 2.0  # 8× the baseline, capped at 2
    assert scored.attrs["cap"] == 2.0


def test_friction_restricts_to_the_journeys_steps_and_leaves_unmapped_tickets_out_of_the_baseline():
    rows = (step_tickets("a", 100, escalated=0.2, good=0.8) + step_tickets("b", 100, escalated=0.4, good=0.8, start=500)
            + [r | {"journey_step": None} for r in step_tickets("x", 300, escalated=1.0, good=0.0, start=900)])
    table = duck(rows)
    scored = friction(table, weights={"escalation_rate": 1})
    assert set(scored["step"]) == {"a", "b"} and scored.attrs["n"] == 200
    assert scored["escalation_rate_baseline"].iloc[0] == pytest.approx(0.3)
    only_a = friction(table, steps=["a"], weights={"escalation_rate": 1})
    assert only_a["step"].tolist() == ["a"] and only_a["score"].iloc[0] == pytest.approx(0.0)


def test_contact_rate_can_be_weighed_when_reach_is_known():
    rows = step_tickets("a", 100, escalated=0.2, good=0.8) + step_tickets("b", 100, escalated=0.2, good=0.8, start=500)
    scored = friction(duck(rows), reach={"a": 1000, "b": 4000}, weights={"contact_rate": 1}).set_index("step")
    assert scored.loc["a", "contact_rate_baseline"] == pytest.approx(1000 * 200 / 5000)
    assert scored.loc["a", "contact_rate_value"] == pytest.approx(100.0) and scored.loc["a", "rank"] == 1
    assert scored.loc["b", "score"] < 0


def test_bad_weights_are_refused():
    per_step = frame(journey_step=["a"], volume=[10], csat=[0.5])
    with pytest.raises(ValueError, match="cannot weigh"):
        friction_score(per_step, {"csat": 0.5}, weights={"nps": 1})
    with pytest.raises(ValueError, match="cannot weigh"):
        friction_score(per_step, {"csat": 0.5}, weights={"volume": 1})
    with pytest.raises(ValueError, match="not all 0"):
        friction_score(per_step, {"csat": 0.5}, weights={"csat": 0})
    with pytest.raises(ValueError, match="lacks"):
        friction_score(per_step, {"csat": 0.5}, weights={"fcr_rate": 1})


def test_friction_by_period_scores_every_week_against_the_whole_range():
    weights = {"escalation_rate": 1.0}
    # Week 1: both steps escalate 20 %; week 2: "A" gets worse (60 %), "B" stays.
    rows = (step_tickets("A", 100, escalated=0.2, good=1) + step_tickets("B", 100, escalated=0.2, good=1)
            + step_tickets("A", 100, escalated=0.6, good=1, start=7 * 24 * 60)
            + step_tickets("B", 100, escalated=0.2, good=1, start=7 * 24 * 60))
    for i, row in enumerate(rows):
        row["ticket_id"] = f"t{i}"
    table = duck(rows)
    cells = friction_by_period(table, period="week", weights=weights)
    whole = friction(table, weights=weights)
    base = whole.attrs["baseline"]["escalation_rate"]
    assert base == pytest.approx(120 / 400)  # (20 + 20 + 60 + 20) escalations / 400 tickets
    by = {(r.step, r.period.isoformat()[:10]): r.score for r in cells.itertuples()}
    week1, week2 = "2025-03-03", "2025-03-10"
    # Same volume each week, so the volume factor is 1 and the score is the relative gap.
    assert by[("A", week1)] == pytest.approx((0.2 - base) / base)
    assert by[("A", week2)] == pytest.approx((0.6 - base) / base)
    assert by[("B", week2)] == by[("B", week1)] == by[("A", week1)]
    assert set(cells.columns) == {"step", "period", "volume", "score"} and len(cells) == 4


def test_friction_carries_each_metrics_sample_size():
    rows = step_tickets("A", 80, escalated=0.5, good=0.5, rated=40) + [
        {**r, "ticket_id": f"b{i}"} for i, r in enumerate(step_tickets("B", 60, escalated=0.1, good=0.9))]
    scored = friction(duck(rows)).set_index("step")
    assert scored.loc["A", "csat_n"] == 40 and scored.loc["A", "escalation_rate_n"] == 80
    assert scored.loc["B", "csat_n"] == 60


def test_speed_cannot_buy_back_the_worst_escalation_rate():
    """The outcome guard: a fast step that escalates the most keeps its bad components, never scores ≤ 0."""
    per_step = frame(journey_step=["bot", "agent", "fine"], volume=[1000, 1000, 1000],
                     escalation_rate=[0.40, 0.10, 0.12], resolution_p90=[5.0, 900.0, 800.0], csat=[0.83, 0.85, 0.86])
    baseline = {"escalation_rate": 0.22, "resolution_p90": 570.0, "csat": 0.84}
    weights = {"escalation_rate": 1.0, "resolution_p90": 1.0, "csat": 1.0}
    unguarded = friction_score(per_step, baseline, weights=weights, guard=None).set_index("step")
    assert unguarded.loc["bot", "score"] < 0  # speed bought back the escalations: the contradiction
    scored = friction_score(per_step, baseline, weights=weights).set_index("step")
    bot = scored.loc["bot"]
    assert bot["guarded_by"] == "escalation_rate" and bot["score"] > 0 and bot["rank"] == 1
    assert bot["resolution_p90_gap"] < 0 and bot["resolution_p90_contribution"] == 0.0  # shown, not counted
    assert bot["score"] == pytest.approx(bot["escalation_rate_contribution"] + bot["csat_contribution"])
    # The others are not guarded: their good components still offset their bad ones.
    assert scored.loc["agent", "guarded_by"] == "" and scored.loc["agent", "escalation_rate_contribution"] < 0
    assert scored.attrs["guard"] == 0.2


@pytest.mark.parametrize(("gaps", "expected"), [
    ({"escalation_rate": [0.25, 0.1, -0.3]}, ["escalation_rate", "", ""]),  # 25 % worse: over the guard
    ({"escalation_rate": [0.05, 0.01, -0.3]}, ["escalation_rate", "", ""]),  # only a little worse, but the worst
    ({"escalation_rate": [-0.05, -0.01, -0.3]}, ["", "", ""]),  # the worst, but better than the journey
    ({"csat": [0.3, np.nan, 0.25], "escalation_rate": [np.nan, np.nan, 0.4]}, ["csat", "", "escalation_rate"]),
    ({"csat": [np.nan, np.nan]}, ["", ""]),  # nothing known: nothing guarded
    ({"resolution_p90": [0.9, -0.9]}, ["", ""]),  # speed is not an outcome
])
def test_outcome_guard_names_the_outcome(gaps, expected):
    from journeys.friction import outcome_guard

    assert list(outcome_guard({m: np.array(v, dtype=float) for m, v in gaps.items()})) == expected
    assert list(outcome_guard({m: np.array(v, dtype=float) for m, v in gaps.items()}, None)) == [""] * len(expected)
