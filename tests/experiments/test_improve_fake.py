"""Deciding and closing the loop through :mod:`journeys.usecases.improve` on the in-memory workspace (fast tier).

The statistics need tickets (see ``test_improve_usecases.py`` on the demo); deciding and telling people
do not, so they are tested here without a database: the same refusals, the same pain point moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from journeys.demo import DEMO_JOURNEY, demo_journeys
from journeys.errors import InvalidJourney, JourneysError, StaleWrite
from journeys.experiments import Result, Status, Verdict
from journeys.fakes import open_fake_workspace
from journeys.painpoints import PainPoint
from journeys.painpoints import Status as PainStatus
from journeys.usecases import improve
from journeys.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with open_fake_workspace("demo", home=tmp_path) as opened:
        for journey in demo_journeys(7):
            opened.journeys.create(journey, "tester")
        yield opened


def _analysed(ws: Workspace) -> tuple[str, str, int]:
    """(experiment key, pain point key, version) of an experiment analysed on a final window."""
    pain = ws.painpoints.create(PainPoint(title="Reopened refunds", journey=DEMO_JOURNEY, steps=["credit-issued"]),
                                "ana")
    key = improve.create(ws, {"title": "Credit note with the refund", "journey": DEMO_JOURNEY,
                              "steps": ["credit-issued"], "comparison_steps": ["agent-reply"], "metric": "reopen_rate",
                              "shipped": "2026-07-01", "pain_points": [pain]}, "ana")
    running = improve.start(ws, key, "ana", expected_version=1)
    result = Result(design="did", metric="reopen_rate", interim=False, analysed_at=datetime.now(UTC), effect=-0.1,
                    ci_low=-0.15, ci_high=-0.05, verdict=Verdict.improved)
    done = ws.experiments.transition(key, Status.analysed, "ana", expected_version=running.version, result=result)
    return key, pain, done.version


def test_roll_back_sends_the_pain_point_back_to_investigating(ws: Workspace) -> None:
    key, pain, version = _analysed(ws)
    decided = improve.decide(ws, key, "roll back", "The credit note confused people", "ana",
                             expected_version=version)
    assert decided.pain_points == [pain] and ws.painpoints.load(pain).pain.status == PainStatus.investigating
    d = ws.experiments.load(key).experiment.decision
    assert (d.outcome.value, d.by, d.why) == ("roll back", "ana", "The credit note confused people")
    with pytest.raises(JourneysError, match="cannot become decided"):  # closed: no second decision
        improve.decide(ws, key, "adopt", "Changed our minds", "ana", expected_version=decided.version)


def test_a_decision_needs_a_reason_and_the_version_shown(ws: Workspace) -> None:
    key, _, version = _analysed(ws)
    with pytest.raises(InvalidJourney) as refused:
        improve.decide(ws, key, "adopt", "", "ana", expected_version=version)
    assert [p.where for p in refused.value.problems] == ["why"]
    with pytest.raises(StaleWrite):
        improve.decide(ws, key, "adopt", "It worked", "ana", expected_version=version - 1)
    with pytest.raises(InvalidJourney):
        improve.decide(ws, key, "keep it", "It worked", "ana", expected_version=version)  # not an outcome
    assert ws.experiments.load(key).experiment.status == Status.analysed


def test_telling_people_after_the_decision_closes_the_loop(ws: Workspace) -> None:
    key, _, version = _analysed(ws)
    before = improve.log_told(ws, key, {"audience": "agents", "channel": "stand-up", "message": "Credit notes ship",
                                        "on": date(2026, 6, 30)}, "ana", expected_version=version)
    decided = improve.decide(ws, key, "adopt", "It worked", "ana", expected_version=before)
    assert [s.key for s in improve.loop_still_open(ws)] == [key]  # told before the decision: still open
    with pytest.raises(InvalidJourney) as refused:
        improve.log_told(ws, key, {"audience": "a segment", "channel": "email", "message": "Fixed",
                                   "on": date.today()}, "ana", expected_version=decided.version)
    assert "segment" in str(refused.value.problems[0])
    improve.log_told(ws, key, {"audience": "a segment", "segment": "refund customers", "channel": "email",
                               "message": "Fixed", "on": date.today()}, "ana", expected_version=decided.version)
    assert improve.loop_still_open(ws) == []
    assert [t.channel for t in ws.experiments.load(key).experiment.loop] == ["stand-up", "email"]
