"""Experiments as versioned documents: validation in plain words, the lifecycle, and the pain points kept in step."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from journeys.demo import DEMO_JOURNEY, demo_journeys
from journeys.errors import InvalidJourney, JourneysError, StaleWrite
from journeys.experiments import (
    Design,
    Experiment,
    Experiments,
    LoopEntry,
    Result,
    Status,
    Verdict,
    decision,
    parse_experiment,
)
from journeys.painpoints import PainPoint, PainPoints
from journeys.painpoints import Status as PainStatus

WS = "demo"


@pytest.fixture
def experiments(store) -> Experiments:
    for journey in demo_journeys(7):
        store.create(WS, journey, "tester")
    return Experiments(store)


def draft(**changes) -> Experiment:
    data = {"title": "Credit note with the refund", "journey": DEMO_JOURNEY, "steps": ["credit-issued"],
            "comparison_steps": ["agent-reply"], "metric": "reopen_rate", "design": "did",
            "shipped": "2026-07-01", "smallest_effect": 0.03}
    return Experiment.model_validate(data | changes)


def final_result(verdict: Verdict = Verdict.improved, interim: bool = False) -> Result:
    return Result(design=Design.did, metric="reopen_rate", interim=interim, analysed_at=datetime.now(UTC),
                  effect=-0.12, ci_low=-0.15, ci_high=-0.08, verdict=verdict)


def test_create_edit_history_and_stale_edit(experiments):
    key = experiments.create(WS, draft(), "ana")
    assert key == "EX-1"
    stored = experiments.load(WS, key)
    assert stored.version == 1 and stored.experiment.status == Status.draft and stored.updated_by == "ana"
    assert stored.experiment.direction == "decrease"  # reopen_rate: lower is better
    edited = stored.experiment.model_copy(update={"hypothesis": "Fewer reopens", "guardrails": ["csat"]})
    assert experiments.save(WS, key, edited, "bo", expected_version=1) == 2
    with pytest.raises(StaleWrite, match="Experiment EX-1"):
        experiments.save(WS, key, stored.experiment.model_copy(update={"owner": "cy"}), "cy", expected_version=1)
    assert experiments.load(WS, key).experiment.guardrails == ["csat"]
    assert [r.version for r in experiments.history(WS, key)] == [2, 1]
    assert experiments.revision(WS, key, 1).hypothesis == ""
    assert [e.key for e in experiments.list(WS)] == ["EX-1"]


def test_unknown_steps_and_pain_points_are_refused(experiments):
    with pytest.raises(JourneysError, match="no step\\(s\\) nowhere"):
        experiments.create(WS, draft(steps=["nowhere"]), "ana")
    with pytest.raises(JourneysError, match="No pain point PP-9"):
        experiments.create(WS, draft(pain_points=["PP-9"]), "ana")
    assert experiments.list(WS) == []


def test_bad_input_is_listed_in_plain_words():
    with pytest.raises(InvalidJourney) as bad:
        parse_experiment({"title": "", "journey": "J", "metric": "happiness", "design": "vibes",
                          "smallest_effect": -1, "colour": "red"})
    text = " ".join(str(p) for p in bad.value.problems)
    for expected in ("title", "happiness", "design", "smallest_effect", "colour"):
        assert expected in text
    with pytest.raises(InvalidJourney, match="reach"):
        parse_experiment({"title": "t", "journey": "J", "metric": "contact_rate"})
    with pytest.raises(InvalidJourney, match="both changed and a comparison"):
        parse_experiment({"title": "t", "journey": "J", "metric": "csat", "steps": ["a"], "comparison_steps": ["a"]})
    with pytest.raises(InvalidJourney, match="pre_start < shipped"):
        parse_experiment({"title": "t", "journey": "J", "metric": "csat", "shipped": "2026-01-01",
                          "pre_start": "2026-02-01"})
    with pytest.raises(InvalidJourney, match="traffic was split"):
        parse_experiment({"title": "t", "journey": "J", "metric": "csat", "design": "ab", "guardrails": ["volume"]})
    assert parse_experiment({"title": "t", "journey": "J", "metric": "csat"}).direction == "increase"
    with pytest.raises(InvalidJourney, match="segment"):
        parse_experiment({"title": "t", "journey": "J", "metric": "csat", "loop": [
            {"audience": "a segment", "channel": "email", "message": "m", "on": "2026-08-01"}]})


def test_default_windows():
    pre, shipped, end = draft().window()
    assert (pre, shipped, end) == (date(2026, 4, 8), date(2026, 7, 1), date(2026, 8, 26))  # 12 weeks, 8 weeks
    with pytest.raises(InvalidJourney, match="shipped"):
        draft(shipped=None).window()


def test_the_lifecycle_and_the_pain_points(experiments, store):
    pains = PainPoints(store)
    pain = pains.create(WS, PainPoint(title="Credit notes missing", journey=DEMO_JOURNEY, steps=["credit-issued"],
                                      metric="reopen_rate", status="planned"), "ana")
    key = experiments.create(WS, draft(pain_points=[pain], shipped=None), "ana")

    with pytest.raises(JourneysError, match="cannot become analysed"):
        experiments.transition(WS, key, Status.analysed, "ana", expected_version=1)
    with pytest.raises(JourneysError, match="set the day the change ships"):
        experiments.transition(WS, key, Status.running, "ana", expected_version=1)
    ready = experiments.load(WS, key).experiment.model_copy(update={"shipped": date(2026, 7, 1)})
    version = experiments.save(WS, key, ready, "ana", expected_version=1)
    with pytest.raises(JourneysError, match="with a transition"):
        experiments.save(WS, key, ready.model_copy(update={"status": Status.running}), "ana", expected_version=2)

    started = experiments.transition(WS, key, Status.running, "ana", expected_version=version)
    assert started.pain_points == [pain]
    assert pains.load(WS, pain).pain.status == PainStatus.in_experiment
    assert experiments.history(WS, key)[0].message == "draft → running"

    version = experiments.record_result(WS, key, final_result(interim=True), "ana", expected_version=started.version)
    with pytest.raises(JourneysError, match="interim looks cannot close"):
        experiments.transition(WS, key, Status.analysed, "ana", expected_version=version)
    with pytest.raises(StaleWrite):
        experiments.transition(WS, key, Status.analysed, "ana", expected_version=version - 1, result=final_result())
    analysed = experiments.transition(WS, key, Status.analysed, "ana", expected_version=version,
                                      result=final_result())
    assert experiments.load(WS, key).experiment.result.verdict == Verdict.improved

    with pytest.raises(JourneysError, match="Record the decision"):
        experiments.transition(WS, key, Status.decided, "ana", expected_version=analysed.version)
    # someone edits the pain point meanwhile: the status update lands on top of their edit
    current = pains.load(WS, pain)
    pains.save(WS, pain, current.pain.model_copy(update={"owner": "Billing"}), "bo",
               expected_version=current.version)
    decided = experiments.transition(WS, key, Status.decided, "cy", expected_version=analysed.version,
                                     decision=decision("adopt", "Cy (head of support)", "Reopens down 12 points"))
    assert decided.pain_points == [pain]
    after = pains.load(WS, pain).pain
    assert after.status == PainStatus.resolved and after.owner == "Billing"
    stored = experiments.load(WS, key).experiment
    assert stored.status == Status.decided and stored.decision.outcome.value == "adopt"
    with pytest.raises(JourneysError, match="it is closed"):
        experiments.transition(WS, key, Status.running, "cy", expected_version=decided.version)


def test_rolling_back_reopens_the_pain_point_and_loop_entries_are_kept(experiments, store):
    pains = PainPoints(store)
    pain = pains.create(WS, PainPoint(title="Credit notes missing", journey=DEMO_JOURNEY, steps=["credit-issued"]),
                        "ana")
    key = experiments.create(WS, draft(pain_points=[pain]), "ana")
    v = experiments.transition(WS, key, Status.running, "ana", expected_version=1).version
    v = experiments.transition(WS, key, Status.analysed, "ana", expected_version=v,
                               result=final_result(Verdict.worsened)).version
    v = experiments.log(WS, key, LoopEntry(audience="agents", channel="team meeting", on=date(2026, 9, 1),
                                           message="The new template goes back to the old one."), "ana",
                        expected_version=v)
    experiments.transition(WS, key, Status.decided, "ana", expected_version=v,
                           decision=decision("roll back", "Ana", "Reopens went up"))
    assert pains.load(WS, pain).pain.status == PainStatus.investigating
    stored = experiments.load(WS, key).experiment
    assert [e.audience.value for e in stored.loop] == ["agents"]
    assert [e.key for e in experiments.for_pain_point(WS, pain)] == [key]
