"""The loop at a glance, with explicit clocks: what the Overview lists and in which order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from journeys.experiments.experiment import Audience, Decision, Experiment, LoopEntry, Outcome, Status
from journeys.experiments.repository import StoredExperiment
from journeys.freshness import Drift, Freshness, stale_steps
from journeys.glance import glance, in_flight, maps_to_review, open_loops, top_pains
from journeys.priorities import Score

TODAY = date(2026, 12, 7)


def _score(key: str, score: float, reach: float = 10.0) -> Score:
    return Score(key=key, title=f"Pain {key}", journey="Billing", reach=reach, impact=1.0, confidence=1.0,
                 effort=1.0, effort_estimated=True, value=score, score=score, metric="csat", tickets=10, sample=10,
                 steady_weeks=1, weeks=1)


def _experiment(key: str, status: Status, shipped: date | None = None, decided: date | None = None,
                told: date | None = None) -> StoredExperiment:
    experiment = Experiment(
        title=f"Try {key}", journey="Billing", metric="reopen_rate", steps=["a"], shipped=shipped, status=status,
        decision=Decision(outcome=Outcome.adopt, by="Bo", at=datetime.combine(decided, datetime.min.time(), UTC),
                          why="It worked.") if decided else None,
        loop=[LoopEntry(audience=Audience.customers, channel="email", message="Fixed.", on=told)] if told else [])
    return StoredExperiment(key=key, version=1, experiment=experiment, updated_by="Bo",
                            updated_at=datetime(2026, 12, 1, tzinfo=UTC))


def test_top_pains_are_ranked_as_on_priorities_and_cut_at_top() -> None:
    scores = [_score("PP-1", 5.0), _score("PP-2", 9.0), _score("PP-3", 9.0, reach=20.0), _score("PP-4", 1.0)]
    assert [(p.rank, p.key) for p in top_pains(scores, top=3)] == [(1, "PP-3"), (2, "PP-2"), (3, "PP-1")]
    assert top_pains([]) == []


def test_in_flight_counts_days_since_the_change_shipped_longest_first() -> None:
    experiments = [_experiment("EX-1", Status.running, shipped=date(2026, 12, 1)),
                   _experiment("EX-2", Status.analysed, shipped=date(2026, 11, 1)),
                   _experiment("EX-3", Status.running),  # not shipped yet
                   _experiment("EX-4", Status.draft), _experiment("EX-5", Status.decided, decided=TODAY)]
    lines = in_flight(experiments, TODAY)
    assert [(e.key, e.status, e.days_running) for e in lines] == [
        ("EX-2", "analysed", 36), ("EX-1", "running", 6), ("EX-3", "running", None)]
    assert lines[0].link == "review?experiment=EX-2"


def test_a_loop_is_open_until_someone_is_told_on_or_after_the_decision() -> None:
    experiments = [_experiment("EX-1", Status.decided, decided=date(2026, 12, 4)),
                   _experiment("EX-2", Status.decided, decided=date(2026, 11, 20), told=date(2026, 11, 1)),  # before
                   _experiment("EX-3", Status.decided, decided=date(2026, 11, 20), told=date(2026, 11, 21))]
    assert [(o.key, o.days_waiting, o.decision) for o in open_loops(experiments, TODAY)] == [
        ("EX-2", 17, "adopt"), ("EX-1", 3, "adopt")]


def test_maps_to_review_lists_stale_maps_first_then_overdue_reviews() -> None:
    moved = [Drift(step, "csat", 0.8, 0.5, 0.4, 40) for step in ("a", "b", "c", "d")]
    stale = Freshness("Zeta", None, False, None, moved, stale_steps(moved), {"a": "Ask", "b": "Book"})
    overdue = Freshness("Alpha & co", None, True, date(2026, 11, 1), [], {},
                        created_at=datetime(2026, 8, 3, tzinfo=UTC))
    fresh = Freshness("Fresh", None, False, date(2027, 3, 1), [], {}, created_at=datetime(2026, 12, 1, tzinfo=UTC))
    lines = maps_to_review([overdue, fresh, stale])
    assert [(m.journey, m.state) for m in lines] == [("Zeta", "stale"), ("Alpha & co", "review overdue")]
    assert lines[0].detail == "4 steps moved: Ask, Book, c and 1 more"
    assert lines[1].detail == "never reviewed; first review overdue since 1 Nov 2026"
    assert lines[1].link == "map?journey=Alpha%20%26%20co"


def test_glance_puts_it_together_and_says_what_it_scored_against() -> None:
    seen = glance([_score("PP-1", 1.0)], [_experiment("EX-1", Status.running, shipped=TODAY)], [], TODAY, "Zendesk")
    assert [p.key for p in seen.pains] == ["PP-1"] and seen.experiments[0].days_running == 0
    assert seen.open_loops == [] and seen.maps == [] and seen.scored_against == "Zendesk"
