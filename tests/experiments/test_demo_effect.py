"""On the demo tickets, the planted month-9 improvement is found, and an untouched step shows nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from journeys.demo import DEMO_JOURNEY
from journeys.demo.experiment_story import demo_experiments, planted_effect
from journeys.demo.loader import DEMO_DATASET, load_demo
from journeys.demo.ticket_export import COMPARISON_STEP, IMPROVED_STEP
from journeys.experiments import Experiment, Experiments, Status, Verdict, analyse
from journeys.painpoints import PainPoints
from journeys.painpoints import Status as PainStatus
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import Datasets
from journeys.tickets.engine import TicketEngine

WS = "demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[tuple[Store, object]]:
    """The demo workspace with 60,000 tickets and its mapped ticket table."""
    home = tmp_path_factory.mktemp("demo")
    engine = TicketEngine()
    with Store.for_folder(home) as store:
        load_demo(store, WS, home=home, tickets=60_000)
        version = Datasets(store, home).latest(WS, DEMO_DATASET)
        journey = store.load(WS, DEMO_JOURNEY).journey
        table = engine.mapped(version, TicketStore(store).load_rules(WS, DEMO_JOURNEY), journey).table
        yield store, table
    engine.close()


def did(steps: list[str], comparison: list[str]) -> Experiment:
    return Experiment(title="t", journey=DEMO_JOURNEY, steps=steps, comparison_steps=comparison,
                      metric="reopen_rate", design="did", shipped=date(2026, 7, 1), pre_start=date(2026, 1, 5),
                      post_end=date(2026, 10, 26))


def test_the_planted_improvement_is_found_by_difference_in_differences(demo):
    _, table = demo
    step, shipped, planted = planted_effect()
    assert (step, shipped, planted) == (IMPROVED_STEP, date(2026, 7, 1), pytest.approx(-0.12))
    result = analyse(table, did([IMPROVED_STEP], [COMPARISON_STEP]))
    assert result.verdict == Verdict.improved and not result.interim
    assert result.ci_low <= planted <= result.ci_high  # the planted size, within the interval
    assert result.effect == pytest.approx(planted, abs=0.04)
    assert result.baseline == pytest.approx(0.22, abs=0.03) and result.relative_change < -0.35
    assert result.pretrend_p > 0.05 and result.weeks_pre == 25 and result.weeks_post == 16


def test_an_untouched_step_shows_no_effect(demo):
    _, table = demo
    result = analyse(table, did([COMPARISON_STEP], ["billing-team"]))
    assert result.verdict == Verdict.inconclusive
    assert result.ci_low < 0 < result.ci_high
    assert any("includes no change" in r for r in result.reasons)


def test_demo_experiments_are_recorded_once(demo):
    store, table = demo
    demo_experiments(store, WS, table)  # load_demo may have recorded them already: either way, once
    assert demo_experiments(store, WS, table) == []
    recorded = {e.experiment.title: e for e in Experiments(store).list(WS)}
    assert len(recorded) == 2
    credit = recorded["Send the credit note with the refund confirmation"].experiment
    forum = recorded["Answer billing questions in the community forum every day"].experiment
    assert credit.status == forum.status == Status.analysed
    assert credit.result.verdict == Verdict.improved and credit.loop[0].audience.value == "agents"
    assert forum.result.verdict == Verdict.inconclusive and forum.result.reasons
    on_forum = [p for p in PainPoints(store).list(WS) if "community-post" in p.pain.steps]
    assert forum.pain_points == [p.key for p in on_forum]
    assert all(p.pain.status == PainStatus.in_experiment for p in on_forum)
