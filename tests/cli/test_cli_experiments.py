"""`journeys experiments …` as a user runs it on the demo: list, show, analyse, report, customers, bad input.

In process (``tests.cli.runner.run``: the same command line and messages, without interpreter start-up per
call). The group is registered here when ``journeys/cli.py`` does not import it yet.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from journeys.cli import cli
from journeys.cli.experiments import LIST_COLUMNS
from journeys.cli.experiments import experiments as experiments_group
from journeys.demo import DEMO_JOURNEY
from journeys.experiments import Experiment, Experiments, Status, analyse
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import Datasets
from journeys.tickets.engine import TicketEngine
from tests.cli.runner import run as run_cli

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
TICKETS = 20_000

if "experiments" not in cli.commands:  # until journeys/cli.py imports the group itself
    cli.add_command(experiments_group)


@pytest.fixture(scope="module")
def demo(cli_demo_copy) -> Path:
    """The demo with 20,000 tickets (a copy of the session's `init --demo --tickets 20000`), only read."""
    return cli_demo_copy(TICKETS)


@pytest.fixture
def edited(demo, tmp_path) -> Path:
    """A copy of the demo for the tests that write."""
    copy = tmp_path / "home"
    shutil.copytree(demo, copy)
    return copy


def run(home: Path, *args: str, code: int = 0):
    result = run_cli(home, *args)
    assert result.returncode == code, result.stdout + result.stderr
    return result


def test_list_shows_the_demo_verdicts(demo):
    rows = json.loads(run(demo, "experiments", "list", "--format", "json").stdout)
    assert [r["key"] for r in rows] == ["EX-1", "EX-2"]
    assert list(rows[0]) == LIST_COLUMNS
    ex1, ex2 = rows
    assert (ex1["verdict"], ex2["verdict"]) == ("improved", "inconclusive")
    assert ex1["design"] == "did" and ex1["metric"] == "reopen_rate" and ex1["decision"] is None
    assert ex1["ci_low"] < ex1["effect"] < ex1["ci_high"] < 0  # the planted drop, interval clear of zero
    assert ex2["ci_low"] < 0 < ex2["ci_high"]
    table = run(demo, "experiments", "list").stdout
    assert table.splitlines()[0].split()[:6] == ["key", "title", "status", "design", "metric", "verdict"]
    assert [r["key"] for r in json.loads(run(demo, "experiments", "list", "--verdict", "inconclusive",
                                             "--format", "json").stdout)] == ["EX-2"]
    text = run(demo, "experiments", "list", "--format", "csv").stdout
    assert [r["verdict"] for r in csv.DictReader(io.StringIO(text))] == ["improved", "inconclusive"]


def test_show_has_result_loop_and_history(demo):
    shown = json.loads(run(demo, "experiments", "show", "ex-1", "--format", "json").stdout)
    assert shown["key"] == "EX-1" and shown["status"] == "analysed"
    assert shown["result"]["verdict"] == "improved" and shown["result"]["guardrails"]
    assert shown["verdict_words"].startswith("Improved: the reopen rate fell by")
    assert shown["loop"][0]["audience"] == "agents" and shown["loop_open"] is False
    assert [h["message"] for h in shown["history"]][-1].startswith("Demo experiment")
    text = run(demo, "experiments", "show", "EX-2").stdout
    assert "Inconclusive" in text and "includes no change" in text and "Posts in the community forum" in text
    assert "PP-4" in text


def test_analyse_records_the_result_analyse_gives(edited):
    out = json.loads(run(edited, "experiments", "analyse", "EX-1", "--format", "json").stdout)
    with Store.for_folder(edited) as store:
        dataset = Datasets(store, edited).list("demo")[0]
        engine = TicketEngine()
        table = engine.mapped(dataset, TicketStore(store).load_rules("demo", DEMO_JOURNEY),
                              store.load("demo", DEMO_JOURNEY).journey).table
        stored = Experiments(store).load("demo", "EX-1")
        expected = analyse(table, stored.experiment)
        engine.close()
    assert (out["status"], out["version"], out["interim"]) == ("analysed", 4, False)
    assert (out["effect"], out["ci_low"], out["ci_high"]) == (expected.effect, expected.ci_low, expected.ci_high)
    assert stored.version == 4 and stored.experiment.result.dataset == dataset.name
    table_out = run(edited, "experiments", "analyse", "EX-2")
    assert "Inconclusive" in table_out.stdout and "EX-2: analysis recorded: inconclusive" in table_out.stderr


def test_analyse_a_running_experiment_records_an_interim_look(edited):
    with Store.for_folder(edited) as store:
        experiments = Experiments(store)
        key = experiments.create("demo", Experiment(title="Shorter reset links", journey=DEMO_JOURNEY,
                                                    steps=["reset-password"], comparison_steps=["login"],
                                                    metric="reopen_rate", shipped="2026-09-07",
                                                    post_end="2026-12-28"), "Sam")
    bad = run(edited, "experiments", "analyse", key, code=2)
    assert "is a draft" in bad.stderr and bad.stderr.startswith("journeys: ")
    with Store.for_folder(edited) as store:
        Experiments(store).transition("demo", key, Status.running, "Sam", expected_version=1)
    out = json.loads(run(edited, "experiments", "analyse", key, "--format", "json").stdout)
    assert out["interim"] is True and out["status"] == "running"
    assert "anytime-valid" in out["method"]


def test_report_html_markdown_and_a_period(edited, tmp_path):
    target = tmp_path / "ex1.html"
    done = run(edited, "experiments", "report", "EX-1", "-o", str(target))
    assert f"Wrote {target}" in done.stderr
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2 and "<script" not in page
    markdown = run(edited, "experiments", "report", "EX-2", "--format", "markdown").stdout
    assert markdown.startswith("# EX-2 · ") and "Inconclusive" in markdown
    told = run(edited, "experiments", "report", "EX-2", "--you-said-we-did", "--format", "markdown").stdout
    assert "**You said:** Billing questions in the community forum go unanswered" in told
    with Store.for_folder(edited) as store:
        from journeys.experiments import decision

        stored = Experiments(store).load("demo", "EX-1")
        Experiments(store).transition("demo", "EX-1", Status.decided, "Sam", expected_version=stored.version,
                                      decision=decision("adopt", "Sam", "Halved", at=stored.updated_at))
        day = stored.updated_at.date().isoformat()
    period = run(edited, "experiments", "report", "--from", day, "--to", day, "--format", "markdown").stdout
    assert "EX-1 · Send the credit note" in period and "EX-2" not in period and "We kept the change" in period
    html = run(edited, "experiments", "report", "--from", "2020-01-01", "--to", "2020-12-31").stdout
    assert "No experiment was decided in this period." in html


def test_customers_lists_who_to_tell(demo):
    text = run(demo, "experiments", "customers", "EX-1").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and set(rows[0]) == {"customer_id", "tickets", "first_ticket", "last_ticket"}
    assert all(r["first_ticket"] >= "2026-07-01" for r in rows)


@pytest.mark.parametrize(("args", "message"), [
    (("show", "EX-99"), "there is no experiment 'EX-99' in workspace 'demo' (known: EX-1, EX-2)"),
    (("analyse", "nope"), "there is no experiment 'nope'"),
    (("report", "EX-7"), "there is no experiment 'EX-7'"),
    (("report",), "give an experiment KEY, or --from and --to"),
    (("report", "EX-1", "--from", "2026-01-01"), "--from/--to are for a period"),
    (("report", "--from", "2026-02-01", "--to", "2026-01-01"), "--from must not be after --to"),
    (("analyse", "EX-1", "--dataset", "missing"), "--dataset: there is no ticket dataset 'missing'"),
])
def test_bad_input_exits_2_with_one_clear_line(demo, args, message):
    result = run(demo, "experiments", *args, code=2)
    assert result.stderr.startswith("journeys: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
