"""Reviewing a map as a use case: its checks, its freshness, a review recorded against the version seen."""

from __future__ import annotations

from pathlib import Path

import pytest

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.errors import JourneysError, StaleWrite
from journeys.model import Journey, Step, Transition
from journeys.usecases import map_review


def test_checks_count_by_severity_and_highlight_the_focused_finding() -> None:
    journey = Journey(name="Reset", steps=[Step(id="a", label="Asks", stage="Help"),
                                           Step(id="b", label="Waits", stage="Help"),
                                           Step(id="c", label="Gives up", stage="Help")],
                      transitions=[Transition(source="a", target="b")])
    checks = map_review.check_map(journey)
    assert checks.findings and checks.errors + checks.warnings == len(checks.findings)
    first = checks.findings[0]
    assert map_review.finding_key(first) == first.code + ":" + ",".join(first.steps)
    assert checks.highlighted(map_review.finding_key(first)) == set(first.steps)
    assert checks.highlighted() == {s for f in checks.findings for s in f.steps}
    assert checks.highlighted("no-such-finding") == set()


def test_a_review_is_recorded_against_the_version_seen(demo_home: Path) -> None:
    with journeys.open_workspace(demo_home) as ws:
        steps = ws.journeys.get(DEMO_JOURNEY)
        dataset = map_review.latest_dataset(ws)
        assert dataset is not None
        before = map_review.review_version(ws, DEMO_JOURNEY)
        review = map_review.mark_reviewed(ws, DEMO_JOURNEY, steps, dataset, "Bea", expected_version=before)
        assert review.version == before + 1 == map_review.review_version(ws, DEMO_JOURNEY)
        with pytest.raises(StaleWrite):  # a second tab still showing the old review
            map_review.mark_reviewed(ws, DEMO_JOURNEY, steps, dataset, "Cy", expected_version=before)
        with pytest.raises(JourneysError):
            map_review.mark_reviewed(ws, DEMO_JOURNEY, steps, dataset, "", expected_version=review.version)
        fresh = map_review.map_freshness(ws, DEMO_JOURNEY, steps, dataset)
        assert fresh.review is not None and fresh.review.version == review.version and not fresh.stale
        created, today = map_review.due_from(ws, DEMO_JOURNEY)
        assert created is not None and created.date() <= today
