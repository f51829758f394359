"""Each verdict reason carries a code, so the report rewords by code and never parses the stored sentence."""

from __future__ import annotations

from datetime import UTC, datetime

from journeys.experiments.experiment import Design, GuardrailResult, Result, Verdict
from journeys.experiments.report import verdict_reasons
from journeys.experiments.verdict import (
    GUARDRAIL_WORSENED,
    INTERVAL_ALONE,
    NO_CHANGE_RULED_OUT,
    NOT_ESTIMATED,
    PRETREND_FAILED,
    REASON_CODES,
    SAMPLE_TOO_SMALL,
    judge,
    judge_with_codes,
)


def test_codes_are_aligned_with_the_reasons_and_judge_says_the_same():
    cases = [dict(low=-0.1, high=0.02, sign=-1), dict(low=-0.1, high=-0.02, sign=-1, pretrend_p=0.01),
             dict(low=-0.1, high=-0.02, sign=-1, too_small=["sample too small: 3 week(s)", "sample too small: x"]),
             dict(low=None, high=None, sign=-1), dict(low=-0.1, high=-0.02, sign=-1)]
    expected = [[NO_CHANGE_RULED_OUT], [PRETREND_FAILED, INTERVAL_ALONE],
                [SAMPLE_TOO_SMALL, SAMPLE_TOO_SMALL, INTERVAL_ALONE], [NOT_ESTIMATED], []]
    for case, codes in zip(cases, expected, strict=True):
        low, high, sign = case.pop("low"), case.pop("high"), case.pop("sign")
        verdict, reasons, found = judge_with_codes(low, high, sign, **case)
        assert found == codes and len(reasons) == len(found) and set(found) <= set(REASON_CODES)
        assert judge(low, high, sign, **case) == (verdict, reasons)


def _result(**changes) -> Result:
    base = dict(design=Design.did, metric="reopen_rate", interim=False, analysed_at=datetime(2026, 3, 1, tzinfo=UTC),
                effect=-0.01, ci_low=-0.03, ci_high=0.01, verdict=Verdict.inconclusive,
                guardrails=[GuardrailResult(metric="csat", effect=-0.4, ci_low=-0.6, ci_high=-0.2,
                                            verdict=Verdict.worsened)])
    return Result(**(base | changes))


def test_the_report_rewords_by_code_whatever_the_stored_sentence_says():
    # The stored sentences are deliberately unlike what the verdict module writes today: only codes count.
    result = _result(reasons=["stored words A", "stored words B", "the sample is small"],
                     reason_codes=[NO_CHANGE_RULED_OUT, GUARDRAIL_WORSENED, SAMPLE_TOO_SMALL])
    shown = verdict_reasons(result)
    assert len(shown) == 3 and "stored words" not in " ".join(shown)
    assert "includes no change" in shown[0] and shown[1] == "the sample is small"
    assert shown[2].startswith("guardrail csat got worse:") and "interval" in shown[2]


def test_a_result_recorded_before_codes_shows_its_reasons_as_stored():
    legacy = _result(reasons=["the 95% interval (-0.03 to +0.01) includes no change",
                              "guardrail csat worsened (-0.4, interval -0.6 to -0.2)"])
    assert verdict_reasons(legacy) == legacy.reasons  # no rewording by guesswork, and no guardrail said twice
