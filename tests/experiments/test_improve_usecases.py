"""The Improve use cases on a real SQLite copy of the demo workspace: plan, start, analyse, decide, tell, report.

The pages and the CLI call these functions, so what they record here is what a press of *Analyse*, *Record
the decision* or *Log it* records.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from journeys import open_workspace
from journeys.demo import DEMO_JOURNEY
from journeys.errors import InvalidJourney, JourneysError, StaleWrite
from journeys.experiments import Audience, Status, Verdict
from journeys.experiments import analyse as analyse_table
from journeys.experiments.report import change_amount, change_text, interval_amount, interval_text, p_phrase
from journeys.painpoints import Status as PainStatus
from journeys.usecases import improve
from journeys.workspace import Workspace

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def ws(demo_template: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A private copy of the demo workspace (EX-1 and EX-2 analysed at version 3, PP-4 in experiment)."""
    home = tmp_path / "home"
    shutil.copytree(demo_template, home)
    with open_workspace(home, name="demo") as opened:
        yield opened


def test_analyse_records_what_the_statistics_give_on_the_latest_dataset(ws: Workspace) -> None:
    stored = ws.experiments.load("EX-1")
    fresh = analyse_table(improve.tickets(ws, DEMO_JOURNEY), stored.experiment)
    done = improve.analyse(ws, "EX-1", "Sam")
    assert (done.version, done.status) == (stored.version + 1, Status.analysed)
    assert (done.result.effect, done.result.ci_low, done.result.ci_high) == (fresh.effect, fresh.ci_low,
                                                                             fresh.ci_high)
    dataset = improve.latest_dataset(ws)
    assert (done.result.dataset, done.result.dataset_version) == (dataset.name, dataset.version)
    again = ws.experiments.load("EX-1")
    assert again.experiment.result == done.result and again.updated_by == "Sam"
    assert done.result.verdict == Verdict.improved


def test_analyse_refuses_a_stale_version_and_a_draft(ws: Workspace) -> None:
    with pytest.raises(StaleWrite):
        improve.analyse(ws, "EX-1", "Sam", expected_version=1)
    assert ws.experiments.load("EX-1").version == 3  # nothing written
    key = improve.create(ws, {"title": "Shorter reset links", "journey": DEMO_JOURNEY, "steps": ["reset-password"],
                              "metric": "reopen_rate", "design": "before_after"}, "Sam")
    with pytest.raises(JourneysError, match="is a draft"):
        improve.analyse(ws, key, "Sam")


def test_plan_then_start_marks_the_pain_point_in_experiment(ws: Workspace) -> None:
    fields = {"title": "Reset links last a day", "journey": DEMO_JOURNEY, "steps": ["reset-password"],
              "metric": "reopen_rate", "design": "before_after", "shipped": "2026-08-03", "pain_points": ["PP-2"],
              "smallest_effect": 0.05}
    plan = improve.plan(ws, fields)
    assert plan.mde is not None and plan.mde > 0 and plan.weekly_tickets > 0
    key = improve.create(ws, fields, "Sam")
    assert ws.experiments.load(key).experiment.status == Status.draft
    started = improve.start(ws, key, "Sam", expected_version=1)
    assert started.pain_points == ["PP-2"]
    assert ws.experiments.load(key).experiment.status == Status.running
    assert ws.painpoints.load("PP-2").pain.status == PainStatus.in_experiment


def test_edit_changes_only_the_fields_given(ws: Workspace) -> None:
    before = ws.experiments.load("EX-2")
    version = improve.edit(ws, "EX-2", {"owner": "Forum team"}, "Sam", expected_version=before.version,
                           message="changed owner")
    after = ws.experiments.load("EX-2")
    assert version == after.version == before.version + 1
    assert after.experiment == before.experiment.model_copy(update={"owner": "Forum team"})
    assert ws.experiments.history("EX-2")[0].message == "changed owner"  # newest first


def test_decide_adopt_resolves_the_pain_point_and_opens_the_loop(ws: Workspace) -> None:
    assert ws.painpoints.load("PP-4").pain.status == PainStatus.in_experiment
    decided = improve.decide(ws, "EX-2", "adopt", "  Forum posters get answers.  ", "Sam", expected_version=3,
                             by="Priya")
    assert decided.pain_points == ["PP-4"]
    stored = ws.experiments.load("EX-2")
    assert stored.experiment.status == Status.decided and stored.version == decided.version
    d = stored.experiment.decision
    assert (d.outcome.value, d.by, d.why) == ("adopt", "Priya", "Forum posters get answers.")
    assert ws.painpoints.load("PP-4").pain.status == PainStatus.resolved
    assert [s.key for s in improve.loop_still_open(ws)] == ["EX-2"]


def test_decide_refuses_a_blank_reason_in_words_and_a_stale_version(ws: Workspace) -> None:
    with pytest.raises(InvalidJourney) as refused:
        improve.decide(ws, "EX-2", "roll back", "   ", "Sam", expected_version=3)
    assert [p.where for p in refused.value.problems] == ["why"]
    with pytest.raises(StaleWrite):
        improve.decide(ws, "EX-2", "roll back", "No change", "Sam", expected_version=2)
    assert ws.experiments.load("EX-2").experiment.status == Status.analysed


def test_log_told_closes_the_loop_and_names_missing_fields(ws: Workspace) -> None:
    decided = improve.decide(ws, "EX-2", "adopt", "It worked", "Sam", expected_version=3)
    with pytest.raises(InvalidJourney) as refused:
        improve.log_told(ws, "EX-2", {"audience": "customers", "channel": "", "message": "", "on": date.today()},
                         "Sam", expected_version=decided.version)
    assert {p.where for p in refused.value.problems} == {"channel", "message"}
    entry = {"audience": "customers", "channel": "forum post", "message": "We now answer every day.",
             "on": date.today().isoformat(), "evidence_link": "https://community.example.com/t/1"}
    version = improve.log_told(ws, "EX-2", entry, "Sam", expected_version=decided.version)
    loop = ws.experiments.load("EX-2").experiment.loop
    assert version == decided.version + 1
    assert [(t.audience, t.channel, t.on) for t in loop] == [(Audience.customers, "forum post", date.today())]
    assert improve.loop_still_open(ws) == []
    with pytest.raises(StaleWrite):
        improve.log_told(ws, "EX-2", entry, "Sam", expected_version=decided.version)


def test_reports_and_a_period_of_you_said_we_did(ws: Workspace) -> None:
    improve.decide(ws, "EX-2", "adopt", "It worked", "Sam", expected_version=3)
    today = date.today()
    period = improve.decided_in(ws, today, today)
    assert [s.key for s in period.decided] == ["EX-2"] and period.note.startswith("1 experiment")
    text = improve.period_report(ws, period, "markdown")
    assert text.startswith(f"# {period.title}") and "EX\\-2" not in text and "EX-2 · " in text
    assert "<h1>" in improve.you_said_we_did(ws, ["EX-2"], "html")
    report = improve.report(ws, "EX-1", "html")
    assert "<svg" in report  # the trend chart, drawn from the latest dataset
    assert improve.report(ws, "EX-1", "markdown").startswith("# EX-1 · ")
    with pytest.raises(JourneysError):
        improve.decided_in(ws, today, date(2000, 1, 1))


def test_customers_are_read_after_the_change(ws: Workspace) -> None:
    frame = improve.customers(ws, "EX-1")
    shipped = ws.experiments.load("EX-1").experiment.shipped
    assert len(frame) > 0 and frame["first_ticket"].min().date() >= shipped


def test_an_amount_keeps_the_number_and_its_unit_apart() -> None:
    """Pages put the unit in a label and the number in the value without splitting a sentence."""
    amount = change_amount("reopen_rate", -0.116)
    assert (amount.number, amount.unit, str(amount)) == ("−11.6", "points", change_text("reopen_rate", -0.116))
    assert change_amount("frt_p50", 118).unit == "min" and str(change_amount("csat", None)) == "—"

    class _R:
        metric, ci_low, ci_high = "reopen_rate", -0.164, -0.069

    interval = interval_amount(_R())  # type: ignore[arg-type]
    assert (interval.number, interval.unit) == ("−16.4 to −6.9", "points")
    assert interval_text(_R()) == "−16.4 to −6.9 points"  # type: ignore[arg-type]
    assert (p_phrase(0.0004), p_phrase(0.034), p_phrase(None)) == ("p < 0.001", "p = 0.034", "p —")
