"""The fast tier's way to test a use case: on the in-memory workspace, no database, same refusals.

A sample of the experiment lifecycle use cases (:mod:`journeys.usecases.improve`) run on
:func:`journeys.fakes.open_fake_workspace`; their behaviour on the real store is covered by the
contract (``test_contract.py``) that both stores pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.demo import DEMO_JOURNEY, demo_journeys
from journeys.errors import StaleWrite
from journeys.fakes import open_fake_workspace
from journeys.painpoints import PainPoint, Status
from journeys.usecases import improve


def test_an_experiment_runs_its_lifecycle_and_moves_its_pain_point_without_a_database(tmp_path: Path) -> None:
    with open_fake_workspace("demo", home=tmp_path) as ws:
        for journey in demo_journeys(7):
            ws.journeys.create(journey, "tester")
        pain = ws.painpoints.create(PainPoint(title="Reopened refunds", journey=DEMO_JOURNEY,
                                              steps=["credit-issued"]), "ana")
        key = improve.create(ws, {"title": "Credit note with the refund", "journey": DEMO_JOURNEY,
                                  "steps": ["credit-issued"], "comparison_steps": ["agent-reply"],
                                  "metric": "reopen_rate", "design": "did", "shipped": "2026-07-01",
                                  "smallest_effect": 0.03, "pain_points": [pain]}, "ana")
        assert improve.edit(ws, key, {"hypothesis": "Fewer reopens"}, "bo", expected_version=1) == 2
        with pytest.raises(StaleWrite, match=f"Experiment {key}"):
            improve.edit(ws, key, {"owner": "Cy"}, "cy", expected_version=1)
        started = improve.start(ws, key, "bo", expected_version=2)
        assert started.pain_points == [pain] and ws.painpoints.load(pain).pain.status == Status.in_experiment
        assert [r.message for r in ws.experiments.history(key)][:2] == ["draft → running", "Edited"]
    assert not any(tmp_path.iterdir())
