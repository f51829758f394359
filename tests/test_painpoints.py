"""Pain points as versioned documents: validation in plain words, stale edits refused, journeys checked."""

from __future__ import annotations

import pytest

from journeys.demo import DEMO_JOURNEY, demo_journeys
from journeys.errors import InvalidJourney, JourneysError, StaleWrite
from journeys.painpoints import Evidence, PainPoint, PainPoints, Status, parse_painpoint

WS = "demo"


@pytest.fixture
def pains(store) -> PainPoints:
    for journey in demo_journeys(7):
        store.create(WS, journey, "tester")
    return PainPoints(store)


def test_create_edit_history_and_stale_edit(pains):
    evidence = Evidence(step="reset-password", metric="reopen_rate", value=0.3, baseline=0.12, n=4_800,
                        dataset="Zendesk", dataset_version=1)
    key = pains.create(WS, PainPoint(title="Reset links expire", journey=DEMO_JOURNEY, steps=["reset-password"],
                                     metric="reopen_rate", evidence=[evidence], source="friction"), "ana")
    assert key == "PP-1"
    stored = pains.load(WS, key)
    assert stored.version == 1 and stored.pain.evidence[0].value == 0.3 and stored.updated_by == "ana"
    edited = stored.pain.model_copy(update={"status": Status.investigating, "owner": "Bo", "effort": 3})
    assert pains.save(WS, key, edited, "bo", expected_version=1, message="Bo takes it") == 2
    with pytest.raises(StaleWrite, match="Pain point PP-1"):
        pains.save(WS, key, stored.pain.model_copy(update={"effort": 9}), "cy", expected_version=1)
    assert pains.load(WS, key).pain.effort == 3
    assert [r.version for r in pains.history(WS, key)] == [2, 1]
    assert pains.revision(WS, key, 1).status == Status.new
    assert [p.key for p in pains.list(WS)] == ["PP-1"]


def test_unknown_steps_and_journeys_are_refused_with_what_exists(pains):
    with pytest.raises(JourneysError, match="no step\\(s\\) nowhere"):
        pains.create(WS, PainPoint(title="x", journey=DEMO_JOURNEY, steps=["nowhere"]), "ana")
    with pytest.raises(JourneysError, match="Nope"):
        pains.create(WS, PainPoint(title="x", journey="Nope"), "ana")
    assert pains.list(WS) == []


def test_bad_input_is_listed_in_plain_words():
    with pytest.raises(InvalidJourney) as bad:
        parse_painpoint({"title": "", "journey": "J", "metric": "happiness", "delivery_link": "javascript:alert(1)",
                         "effort": -2, "status": "done", "colour": "red"})
    text = " ".join(str(p) for p in bad.value.problems)
    for expected in ("title", "happiness", "https://", "effort", "status", "colour"):
        assert expected in text
    assert parse_painpoint({"title": "t", "journey": "J", "tags": [" a ", "a", "", "b"]}).tags == ["a", "b"]
