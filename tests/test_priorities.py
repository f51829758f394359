"""Scoring pain points on hand-made tickets: the documented formula, frequent-moderate vs rare-severe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from journeys.errors import JourneysError
from journeys.painpoints import PainPoint, StoredPainPoint
from journeys.priorities import (
    CONFIDENCE_HALF,
    RankingReview,
    ScoringWeights,
    rank_changes,
    score_painpoints,
)
from tests.test_friction import duck

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: weeks line up with the data
DAYS = 84  # 12 whole weeks


def tickets(step: str, per_day: float, reopen: float, *, days: int = DAYS) -> list[dict]:
    """Tickets spread evenly over ``days``; every week the same share reopens."""
    n = round(per_day * days)
    rows = []
    for i in range(n):
        when = T0 + timedelta(days=days * i / n)
        rows.append({"ticket_id": f"{step}-{i}", "created_at": when, "journey_step": step,
                     "customer_id": f"{step}-c{i}", "reopens": int((i + 1) * reopen) - int(i * reopen)})
    return rows


def pain(key: str, steps: list[str], metric: str | None = "reopen_rate", effort: float | None = None):
    return StoredPainPoint(key=key, version=1, updated_by="t", updated_at=T0,
                           pain=PainPoint(title=key, journey="J", steps=steps, metric=metric, effort=effort))


ROWS = tickets("base", 100, 0.10) + tickets("frequent", 40, 0.15) + tickets("rare", 0.5, 0.40)


@pytest.fixture(scope="module")
def table():
    # Baseline step: 100 tickets a day, 10 % reopen. Frequent step: 40/day at 15 %. Rare step: 0.5/day at 40 %.
    return duck(ROWS)


def test_components_follow_the_documented_formula(table):
    weights = ScoringWeights(window_days=DAYS)
    (score,) = score_painpoints([pain("PP-1", ["frequent"])], {"J": table}, weights)
    base = sum(r["reopens"] for r in ROWS) / len(ROWS)  # the journey's reopen rate
    assert base == pytest.approx((840 + 504 + 16) / (8400 + 3360 + 42))
    assert score.reach == pytest.approx(40 * DAYS * 30 / DAYS)  # tickets per month
    assert score.baseline == pytest.approx(base)
    assert score.impact == pytest.approx((0.15 - base) / base)
    assert (score.steady_weeks, score.weeks) == (12, 12)  # worse than the journey every week
    assert score.sample == 40 * DAYS
    assert score.confidence == pytest.approx(score.sample / (score.sample + CONFIDENCE_HALF))
    assert score.effort == weights.default_effort and not score.effort_estimated
    assert score.value == pytest.approx(score.reach * score.impact * score.confidence)
    assert score.score == pytest.approx(score.value / score.effort)
    assert "not estimated yet" in score.explain()


def test_a_frequent_moderate_problem_outranks_a_rare_severe_one(table):
    weights = ScoringWeights(window_days=DAYS)
    scores = score_painpoints([pain("PP-1", ["rare"]), pain("PP-2", ["frequent"])], {"J": table}, weights)
    by_key = {s.key: s for s in scores}
    assert by_key["PP-1"].impact > by_key["PP-2"].impact  # the rare one is worse per ticket …
    assert [s.key for s in scores] == ["PP-2", "PP-1"]  # … but reaches far fewer customers
    assert [s.rank for s in scores] == [1, 2]
    # Unless it is much cheaper to fix: effort divides the value.
    cheap = score_painpoints([pain("PP-1", ["rare"], effort=0.1), pain("PP-2", ["frequent"], effort=40)],
                             {"J": table}, weights)
    assert [s.key for s in cheap] == ["PP-1", "PP-2"]


def test_weights_are_exponents_and_ignoring_reach_favours_the_severe_one(table):
    no_reach = ScoringWeights(reach=0, window_days=DAYS)
    scores = score_painpoints([pain("PP-1", ["rare"]), pain("PP-2", ["frequent"])], {"J": table}, no_reach)
    rare = next(s for s in scores if s.key == "PP-1")
    assert rare.value == pytest.approx(rare.impact * rare.confidence)
    assert no_reach.formula() == "score = reach^0 × impact × confidence ÷ effort"
    with pytest.raises(JourneysError, match="reach weight"):
        ScoringWeights(reach=5)


def test_a_step_better_than_the_journey_has_no_impact_and_unknown_steps_score_zero(table):
    scores = score_painpoints([pain("PP-1", ["base"]), pain("PP-2", ["nowhere"]), pain("PP-3", ["frequent"])],
                              {"J": table}, ScoringWeights(window_days=DAYS))
    by_key = {s.key: s for s in scores}
    assert by_key["PP-1"].impact == 0 and by_key["PP-1"].score == 0
    assert by_key["PP-2"].reach == 0 and by_key["PP-2"].score == 0
    assert scores[0].key == "PP-3"
    # A journey without ticket data keeps its pain points on the list, at zero.
    (orphan,) = score_painpoints([pain("PP-9", ["frequent"])], {}, ScoringWeights())
    assert orphan.score == 0 and orphan.rank == 1


def test_friction_judged_pain_points_use_the_main_driver(table):
    (score,) = score_painpoints([pain("PP-1", ["frequent"], metric=None)], {"J": table},
                                ScoringWeights(window_days=DAYS))
    assert score.metric == "reopen_rate" and score.impact > 0


def test_rank_changes_against_the_last_review():
    from journeys.priorities import Score

    def s(key: str, rank: int) -> Score:
        return Score(key, key, "J", 1, 1, 1, 1, True, 1, 1, None, 1, 1, 1, 1, rank=rank)

    review = RankingReview("ana", T0, {"PP-1": 1, "PP-2": 2, "PP-3": 3}, {}, 1)
    changes = rank_changes([s("PP-2", 1), s("PP-1", 2), s("PP-3", 3), s("PP-4", 4)], review)
    assert changes == {"PP-2": "▲ 1", "PP-1": "▼ 1", "PP-3": "", "PP-4": "new"}
    assert rank_changes([s("PP-1", 1)], None) == {"PP-1": ""}
