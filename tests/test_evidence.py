"""Frozen evidence, drafts from friction findings, and the ranked exports."""

from __future__ import annotations

import pytest

from journeys.demo import DEMO_JOURNEY, current_state_journey
from journeys.evidence import draft, ranked_csv, ranked_frame, ranked_markdown
from journeys.painpoints import PainPoint, StoredPainPoint
from journeys.priorities import ScoringWeights, score_painpoints
from tests.test_friction import duck
from tests.test_priorities import DAYS, T0, tickets

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def table():
    rows = tickets("reset-password", 20, 0.30) + tickets("login", 50, 0.10)
    return duck(rows)


def test_a_draft_freezes_the_numbers_the_team_saw(table):
    pain = draft(current_state_journey(), "reset-password", "reopen_rate", table, start=None, end=None,
                 dataset="Zendesk", dataset_version=3)
    assert pain.journey == DEMO_JOURNEY and pain.steps == ["reset-password"] and pain.source == "friction"
    reopen = next(e for e in pain.evidence if e.metric == "reopen_rate")
    assert reopen.value == pytest.approx(0.30) and reopen.n == 20 * DAYS
    assert reopen.baseline == pytest.approx((0.3 * 20 + 0.1 * 50) / 70)
    assert reopen.dataset_version == 3 and reopen.start is not None
    assert {e.metric for e in pain.evidence} >= {"reopen_rate", "volume", "csat"}
    assert len(pain.example_tickets) == 5 and all(t.startswith("reset-password-") for t in pain.example_tickets)
    assert "30% against 16% for the journey" in pain.description


def test_exports_rank_and_neutralise(table):
    pains = {k: StoredPainPoint(key=k, version=1, updated_by="t", updated_at=T0, pain=PainPoint(
        title=title, journey="J", steps=[step], metric="reopen_rate", owner=owner))
        for k, title, step, owner in [("PP-1", "=HYPERLINK(\"x\")", "login", "@bo"),
                                      ("PP-2", "Reset | links <b>expire</b>", "reset-password", "Ana")]}
    scores = score_painpoints(pains.values(), {"J": table}, ScoringWeights(window_days=DAYS))
    frame = ranked_frame(scores, pains, {"PP-2": "▲ 1"})
    assert list(frame["key"]) == ["PP-2", "PP-1"] and list(frame["rank"]) == [1, 2]
    csv = ranked_csv(frame)
    assert "'=HYPERLINK" in csv and ",'@bo," in csv
    markdown = ranked_markdown(scores, pains, workspace="demo", formula=ScoringWeights().formula(),
                               changes={"PP-2": "▲ 1"})
    first_row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert "PP-2 Reset / links ‹b›expire‹/b›" in first_row and "▲ 1" in first_row
    assert "score = reach × impact × confidence ÷ effort" in markdown
