"""The emotion-vs-CSAT check on hand-made friction tables."""

from __future__ import annotations

import pandas as pd

from journeys.emotion_check import emotion_disagreements
from journeys.model import Journey, Step


def journey(**emotions: int | None) -> Journey:
    steps = [Step(id=s, label=s.title(), stage="Help", lane="customer", emotion=e) for s, e in emotions.items()]
    return Journey(name="J", stages=["Help"], lanes=["customer"], steps=steps, transitions=[])


def scored(baseline: float, **steps: tuple[float, int]) -> pd.DataFrame:
    return pd.DataFrame([{"step": s, "csat_value": v, "csat_n": n, "csat_baseline": baseline}
                         for s, (v, n) in steps.items()])


def test_a_happy_step_with_clearly_low_csat_is_flagged_and_explained():
    found = emotion_disagreements(journey(happy=2, fine=1), scored(0.8, happy=(0.6, 400), fine=(0.79, 400)))
    assert [d.step for d in found] == ["happy"]
    flag = found[0]
    assert flag.direction == "workshop more positive" and flag.high < 0.8
    assert "very positive (+2)" in flag.message and "60% of 400" in flag.message and "80%" in flag.message


def test_an_unhappy_step_customers_rate_well_is_flagged_the_other_way():
    found = emotion_disagreements(journey(grim=-1), scored(0.6, grim=(0.8, 200)))
    assert [(d.step, d.direction) for d in found] == [("grim", "workshop more negative")]


def test_no_flag_without_clear_evidence():
    j = journey(small=2, noisy=1, neutral=0, unset=None, agrees=-2)
    frame = scored(0.8, small=(0.2, 20),        # too few rated tickets
                   noisy=(0.72, 60),            # 8 points below, but the interval reaches the baseline
                   neutral=(0.2, 500),          # neutral steps are never flagged
                   unset=(0.2, 500),            # no asserted emotion
                   agrees=(0.3, 500))           # negative and rated badly: they agree
    assert emotion_disagreements(j, frame) == []


def test_sorted_by_gap_and_empty_inputs():
    j = journey(a=1, b=2)
    found = emotion_disagreements(j, scored(0.9, a=(0.8, 1000), b=(0.5, 1000)))
    assert [d.step for d in found] == ["b", "a"]
    assert emotion_disagreements(j, scored(0.9)) == []
    assert emotion_disagreements(j, scored(float("nan"), a=(0.1, 1000))) == []
