"""The Overview shows the loop at a glance on the demo workspace (AppTest): top pain points as ranked on
Priorities, experiments in flight, decisions nobody has been told about, maps to review — each with an
empty state in words and user text escaped. The selection itself is tested with explicit clocks in
tests/test_glance.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from journeys.demo import DEMO_JOURNEY
from journeys.experiments.experiment import Decision, Outcome, Status
from journeys.experiments.repository import Experiments
from journeys.store import Store
from tests.pagetest import open_page, section


def test_the_overview_shows_the_loop_on_the_demo(home):
    at = open_page(None)
    assert any(h.value == "The loop at a glance" for h in at.subheader)
    pains = section(at, "Top pain points")
    ranked = pains[1].splitlines()
    assert ranked[0].startswith("1. Password reset links expire") and ":gray[· Billing support · score" in ranked[0]
    assert ranked[1].startswith("2. Invoice-status bot hands almost half")  # the planted problem, as on Priorities
    assert [line.split(".")[0] for line in ranked] == ["1", "2", "3", "4", "5"]
    running = section(at, "Experiments in flight")
    assert running[1].startswith("- [EX-1](review?experiment=EX-1) Send the credit note")
    assert "days since the change shipped" in running[1]
    assert any("Every decided experiment has been told" in t for t in section(at, "Loops still open"))
    assert any("Every map is up to date" in t for t in section(at, "Maps to review"))  # created today: not due
    link = next(x for x in at.page_link if x.value == "Rank them on Priorities")
    assert link.proto.page == "priorities", link.proto


def test_a_decision_nobody_was_told_about_and_an_old_map_show_up(home):
    with Store.for_folder(home) as store:
        experiments = Experiments(store)
        stored = experiments.load("demo", "EX-2")
        hostile = "![x](http://evil.example/x.png) :red[boom] <b>hi</b>"
        experiments.save("demo", "EX-2", stored.experiment.model_copy(update={"title": hostile}), "Bo",
                         expected_version=stored.version)
        stored = experiments.load("demo", "EX-2")
        assert stored.experiment.status == Status.analysed
        experiments.transition("demo", "EX-2", Status.decided, "Bo", expected_version=stored.version,
                               decision=Decision(outcome=Outcome.adopt, by="Bo", why="Forum posters get answers.",
                                                 at=datetime.now(UTC) - timedelta(days=3)))
        with store._engine.begin() as conn:  # the demo journey was mapped 100 days ago
            conn.execute(text("UPDATE journey_revisions SET created_at = :at WHERE version = 1"),
                         {"at": datetime.now(UTC) - timedelta(days=100)})
    at = open_page(None)
    loops = section(at, "Loops still open")
    line = next(t for t in loops if "EX-2" in t)
    assert line.startswith("- [EX-2](review?experiment=EX-2) !\\[x\\](http:")  # shown as text, no image fetched
    assert "\\:red\\[boom\\] \\<b\\>hi\\</b\\>" in line
    assert "adopt, decided" in line and "nobody told for 3 days" in line
    assert not any("EX-2" in t for t in section(at, "Experiments in flight"))
    maps = section(at, "Maps to review")
    line = next(t for t in maps if DEMO_JOURNEY in t)
    assert "review overdue" in line and "never reviewed; first review overdue since" in line
    assert f"map?journey={DEMO_JOURNEY.replace(' ', '%20')}" in line
