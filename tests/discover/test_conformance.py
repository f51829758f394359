"""Conformance on a log with planted undesigned routes: every count, share and the headline exact.

Designed journey: a → b (0.7), a → c (0.3), b → d (0.8), b → e (0.2), c → d (1.0); d and e outcomes.
The log names steps its own way ("Step A" …) plus "Xtra", an activity on no step:

    case 1  a b d          case 5  a c c d      (c → c: an undesigned self-loop)
    case 2  a b d          case 6  a Xtra b d   (a → Xtra, Xtra → b: unmapped)
    case 3  a c d          case 7  a b a b d    (b → a: undesigned, a back-edge: a leads to b)
    case 4  a b c d        (b → c: undesigned)

19 transitions: a→b 5 (4 cases), a→c 2, b→d 4, c→d 3, b→c 1, c→c 1, b→a 1, a→Xtra 1, Xtra→b 1.
Designed: 5 + 2 + 4 + 3 = 14 → headline 14/19; b → e designed, never taken.
Observed shares: leaving a 8 (a→b 5/8, a→c 2/8, a→Xtra 1/8); leaving b 6 (b→d 4/6); leaving c 4 (c→d 3/4).
"""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from journeys.discover import add_route, conformance, import_log, propose_activity_map, reach
from journeys.discover.mapping import match_scores, similarity, words
from journeys.errors import InvalidJourney
from journeys.metrics import compute
from journeys.model import integrity_problems
from tests.discover.helpers import PLANTED_NAMES, planted_csv, tiny_journey

NAMES = PLANTED_NAMES
_journey = tiny_journey


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    import_log(planted_csv(folder / "planted.csv"), folder / "planted.parquet")
    return folder / "planted.parquet"


@pytest.fixture(scope="module")
def mapping():
    proposed = propose_activity_map(NAMES.values(), _journey())
    assert proposed == {"Step A": "a", "Step B": "b", "Step C": "c", "Step D": "d", "Xtra": None}
    return proposed


def test_counts_shares_and_headline(planted, mapping):
    result = conformance(planted, _journey(), mapping)
    assert (result.transitions, result.designed_events, result.mapped_events, result.cases) == (19, 14, 17, 7)
    assert result.designed_share == pytest.approx(14 / 19)
    designed = {(r.source, r.target): r for r in result.designed.itertuples(index=False)}
    assert {k: (r.events, r.cases) for k, r in designed.items()} == {
        ("a", "b"): (5, 4), ("a", "c"): (2, 2), ("b", "d"): (4, 4), ("b", "e"): (0, 0), ("c", "d"): (3, 3)}
    assert designed[("a", "b")].observed_share == pytest.approx(5 / 8)
    assert designed[("a", "b")].share_gap == pytest.approx(5 / 8 - 0.7)
    assert designed[("a", "c")].observed_share == pytest.approx(2 / 8)
    assert designed[("b", "d")].observed_share == pytest.approx(4 / 6)
    assert designed[("c", "d")].observed_share == pytest.approx(3 / 4)
    assert designed[("b", "e")].observed_share == 0 and designed[("b", "e")].expected_share == 0.2
    assert designed[("a", "b")].median_seconds == 600


def test_undesigned_unused_loops_and_unmapped(planted, mapping):
    result = conformance(planted, _journey(), mapping)
    assert result.undesigned[["source", "target", "events", "cases", "loop"]].values.tolist() == [
        ["b", "a", 1, 1, True], ["b", "c", 1, 1, False], ["c", "c", 1, 1, True]]
    assert result.undesigned.set_index(["source", "target"]).loc[("b", "c"), "observed_share"] == pytest.approx(1 / 6)
    assert result.unused[["source", "target"]].values.tolist() == [["b", "e"]]
    assert result.loops[["source", "target", "loop", "designed"]].values.tolist() == [
        ["b", "a", "back-edge", False], ["c", "c", "self-loop", False]]
    assert result.unmapped[["source", "target", "source_is_step", "target_is_step", "events"]].values.tolist() == [
        ["Xtra", "b", False, True, 1], ["a", "Xtra", True, False, 1]]
    assert result.unmapped_activities.values.tolist() == [["Xtra", 1]]
    assert "73.7% of 19 observed transitions" in result.summary()


def test_a_designed_loop_is_reported_as_designed(planted, mapping):
    journey = add_route(_journey(), "b", "a")
    result = conformance(planted, journey, mapping)
    assert result.designed_events == 15 and result.designed_share == pytest.approx(15 / 19)
    assert result.loops.set_index(["source", "target"]).loc[("b", "a"), "designed"]
    assert ("b", "a") not in set(zip(result.undesigned["source"], result.undesigned["target"], strict=True))


def test_filters_apply_before_comparing(planted, mapping):
    from journeys.discover import LogFilter

    pro = conformance(planted, _journey(), mapping, LogFilter(segment="x_plan", segment_values=("Pro",)))
    assert (pro.transitions, pro.designed_events, pro.cases) == (6, 6, 3) and pro.undesigned.empty


def test_a_map_naming_an_unknown_step_is_refused(planted):
    with pytest.raises(InvalidJourney) as info:
        conformance(planted, _journey(), {"Step A": "zz"})
    assert "step 'zz' is not a step of 'Tiny'" in str(info.value)


def test_unmapped_activities_default_to_no_step(planted):
    result = conformance(planted, _journey(), {"Step A": "a"})
    assert result.mapped_events == 0 and result.designed_events == 0 and result.designed_share == 0


def test_add_route_returns_a_valid_journey():
    journey = _journey()
    updated = add_route(journey, "b", "c", label="customers skip ahead")
    added = updated.transitions[-1]
    assert (added.source, added.target, added.kind.value, added.share, added.label) == (
        "b", "c", "normal", None, "customers skip ahead")
    assert integrity_problems(updated) == [] and len(journey.transitions) == 5  # the original is untouched
    with pytest.raises(InvalidJourney, match="already designed"):
        add_route(updated, "b", "c")
    with pytest.raises(InvalidJourney) as info:
        add_route(journey, "b", "nowhere")
    assert "step 'nowhere'" in str(info.value)


def test_reach_feeds_contact_rate(planted, mapping):
    steps = reach(planted, mapping)
    assert steps == {"a": 7, "b": 5, "c": 3, "d": 7}
    weekly = reach(planted, mapping, period="week")
    assert sum(v for (s, _), v in weekly.items() if s == "a") >= 7
    tickets = pd.DataFrame({"ticket_id": [f"t{i}" for i in range(6)], "journey_step": ["a", "a", "b", "c", "c", "c"],
                            "created_at": pd.Timestamp("2024-03-05", tz="UTC")})
    frame = compute(ibis.memtable(tickets), metrics=["volume", "contact_rate"], reach=steps, min_sample=1)
    rates = dict(zip(frame["journey_step"], frame["contact_rate"], strict=True))
    assert rates == {"a": pytest.approx(1000 * 2 / 7), "b": pytest.approx(1000 / 5), "c": pytest.approx(1000.0)}


def test_names_are_normalised_and_scored():
    assert words("resetPassword") == ("reset", "password")
    assert words("Searches the Help-Centre") == ("search", "help", "centre")
    assert similarity("Password reset", "reset-password") == 1.0
    assert similarity("ticket_created", "Ticket created") == 1.0
    assert similarity("", "x") == 0.0
    journey = _journey()
    assert match_scores("step b", journey, limit=2)[0] == ("b", 1.0)
    assert propose_activity_map(["completely unrelated words"], journey) == {"completely unrelated words": None}
