"""The emotion curve draws a dashed line per persona who feels differently on the path."""

from journeys.charts import emotion_curve
from journeys.demo import current_state_journey
from journeys.graph import most_likely_path


def _persona_rows(spec: dict) -> list[dict]:
    return [row for rows in spec["datasets"].values() for row in rows if "persona" in row]


def test_personas_with_their_own_emotion_get_a_line():
    journey = current_state_journey()
    path = most_likely_path(journey)
    rows = _persona_rows(emotion_curve(journey).to_dict())
    finance = {r["position"]: r["emotion"] for r in rows if r["persona"] == "Finance admin"}
    assert len(finance) == len(path)
    for position, step_id in enumerate(path):
        assert finance[position] == journey.emotion_of(step_id, "Finance admin")
    assert finance[path.index("login")] == -2 != journey.step("login").emotion


def test_no_persona_line_when_nobody_differs():
    journey = current_state_journey()
    for step in journey.steps:
        step.persona_emotions = {}
    assert _persona_rows(emotion_curve(journey).to_dict()) == []
