"""`journeys tickets …` and `journeys metrics` as a user runs them (in-process: tests.cli.runner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from journeys.demo import DEMO_JOURNEY, current_state_journey
from journeys.demo.loader import load_demo
from journeys.metrics import METRICS
from journeys.store import Store
from journeys.tickets.datasets import Datasets
from journeys.tickets.synthetic import generate
from tests.cli.runner import run

DEMO_TICKETS = 20_000  # the demo the other CLI tests share (tests/conftest.py cli_demo_template)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("ws")
    with Store.for_folder(home) as store:
        load_demo(store, "demo")
        datasets = Datasets(store, home)
        staged = datasets.staging_path("demo", "synthetic")
        pq.write_table(generate(5_000, steps=current_state_journey().step_ids()[:4], seed=2), staged)
        datasets.commit("demo", "synthetic", staged, {}, "fixture")
    return home


def test_metrics_per_step_uses_catalogue_names(home):
    out = run(home, "metrics", "--dataset", "synthetic", "--format", "json", check_ok=True)
    rows = json.loads(out.stdout)["rows"]
    assert {r["journey_step"] for r in rows} == set(current_state_journey().step_ids()[:4])
    assert set(METRICS) <= set(rows[0])
    assert sum(r["volume"] for r in rows) == 5_000


def test_metrics_by_step_and_week_as_csv(home):
    out = run(home, "metrics", "--dataset", "synthetic", "--by", "step,week", "--format", "csv", check_ok=True)
    header, *lines = out.stdout.splitlines()
    assert header.startswith("journey_step,period,n,volume,contact_rate,csat")
    assert len(lines) > 4


def test_metrics_bad_input_is_one_clear_line(home):
    out = run(home, "metrics", "--dataset", "missing")
    assert out.returncode == 2 and "no dataset 'missing'" in out.stderr
    out = run(home, "metrics", "--dataset", "synthetic", "--by", "week,month")
    assert out.returncode == 2 and "at most one period" in out.stderr


def test_rules_add_show_and_refuse_bad_regex(home):
    out = run(home, "tickets", "rules", "add", DEMO_JOURNEY, "--step", "bot-faq", "--field", "tags",
              "--op", "regex", "--value", "(a)\\1")
    assert out.returncode == 2 and "RE2" in out.stderr
    run(home, "tickets", "rules", "add", DEMO_JOURNEY, "--step", "bot-faq", "--field", "tags", "--value", "bot_faq",
        check_ok=True)
    shown = json.loads(run(home, "tickets", "rules", "show", DEMO_JOURNEY, "--format", "json", check_ok=True).stdout)
    assert [(r["step"], r["field"], r["op"], r["value"]) for r in shown] == [("bot-faq", "tags", "equals", "bot_faq")]
    listed = json.loads(run(home, "tickets", "list", "--format", "json", check_ok=True).stdout)
    assert [(d["dataset"], d["rows"]) for d in listed] == [("synthetic", 5_000)]


def test_import_a_zendesk_export_then_bad_files(home, tmp_path):
    from journeys.demo.ticket_export import write_zendesk_csv

    export = write_zendesk_csv(tmp_path / "export.csv", n=2_000, seed=5)
    out = run(home, "tickets", "import", str(export), "--dataset", "zendesk", "--save-profile", "zendesk-csv",
              check_ok=True)
    assert "zendesk layout" in out.stdout and "version 1 (2,000 tickets)" in out.stdout
    again = run(home, "tickets", "import", str(export), "--dataset", "zendesk", "--profile", "zendesk-csv",
                "--format", "json", check_ok=True)
    assert json.loads(again.stdout)["version"] == 2
    for content in (b"", b"\x00\x01\x02garbage", b"a,b\n1,2\n"):
        bad = tmp_path / "bad.csv"
        bad.write_bytes(content)
        out = run(home, "tickets", "import", str(bad), "--dataset", "zendesk")
        assert out.returncode == 2 and out.stderr.startswith("journeys: ")
    listed = json.loads(run(home, "tickets", "list", "--format", "json", check_ok=True).stdout)
    assert {d["dataset"]: d["version"] for d in listed}["zendesk"] == 2  # bad files changed nothing


def test_demo_metrics_show_the_planted_friction(demo_template, tmp_path):
    # the session's demo: `init --demo --tickets 30000` (load_demo with 30,000 tickets), built once and copied
    shutil.copytree(demo_template, tmp_path, dirs_exist_ok=True)
    rows = json.loads(run(tmp_path, "metrics", "--dataset", "Zendesk tickets (demo)", "--format", "json",
                          check_ok=True).stdout)["rows"]
    by_step = {r["journey_step"]: r for r in rows}
    assert max(by_step, key=lambda s: by_step[s]["escalation_rate"]) == "bot-invoice-status"
    assert max(by_step, key=lambda s: by_step[s]["reopen_rate"]) == "reset-password"
    assert max(by_step, key=lambda s: by_step[s]["repeat_contact_rate"]) == "reset-password"
    assert max(by_step, key=lambda s: by_step[s]["resolution_p50"]) == "billing-team"
    assert None not in by_step  # every demo ticket is mapped by the demo rules


def test_rules_test_move_remove_and_history(cli_demo_copy):
    """Rule upkeep from the shell: try a draft rule, reorder, remove; every change is a new version."""
    # a copy of the session's `init --demo --tickets 20000` (loading a demo costs ~10 s whatever its size;
    # the checks below hold for any number of tickets: each is counted against the dataset's own size)
    home = cli_demo_copy(DEMO_TICKETS)
    journey, dataset = DEMO_JOURNEY, "Zendesk tickets (demo)"
    before = json.loads(run(home, "tickets", "rules", "test", journey, "--dataset", dataset, "--format", "json",
                            check_ok=True).stdout)
    placed = sum(r["placed"] for r in before["rules"])
    assert placed + before["unmapped"]["unmapped"] == before["unmapped"]["tickets"] == DEMO_TICKETS

    # A draft that repeats rule 1 lands nothing: every ticket it matches is shadowed by the original.
    first = before["rules"][0]
    shown = json.loads(run(home, "tickets", "rules", "show", journey, "--format", "json", check_ok=True).stdout)
    draft = json.loads(run(home, "tickets", "rules", "test", journey, "--dataset", dataset, "--step", "login",
                           "--field", shown[0]["field"], "--value", shown[0]["value"], "--format", "json",
                           check_ok=True).stdout)
    assert draft["rules"][-1]["placed"] == 0 and draft["rules"][-1]["shadowed"] == first["placed"] > 0
    table = run(home, "tickets", "rules", "test", journey, "--dataset", dataset, "--step", "login",
                "--field", shown[0]["field"], "--value", shown[0]["value"], check_ok=True)
    assert f"rule(s) {len(shown) + 1} never fire" in table.stderr
    bad = run(home, "tickets", "rules", "test", journey, "--dataset", dataset, "--step", "login", "--field",
              "subject", "--op", "regex", "--value", "pass(?=word)")
    assert bad.returncode == 2 and "RE2" in bad.stderr and "Traceback" not in bad.stderr

    run(home, "tickets", "rules", "move", journey, str(len(shown)), "--to", "1", check_ok=True)
    moved = json.loads(run(home, "tickets", "rules", "show", journey, "--format", "json", check_ok=True).stdout)
    assert moved[0]["value"] == shown[-1]["value"] and [r["value"] for r in moved[1:]] == [
        r["value"] for r in shown[:-1]]
    run(home, "tickets", "rules", "remove", journey, "1", check_ok=True)
    after = json.loads(run(home, "tickets", "rules", "test", journey, "--dataset", dataset, "--format", "json",
                           check_ok=True).stdout)
    assert after["unmapped"]["unmapped"] == before["unmapped"]["unmapped"] + before["rules"][-1]["placed"]
    out = run(home, "tickets", "rules", "remove", journey, "99")
    assert out.returncode == 2 and "there is no rule 99" in out.stderr
    history = json.loads(run(home, "tickets", "rules", "history", journey, "--format", "json",
                             check_ok=True).stdout)
    assert [h["version"] for h in history] == [3, 2, 1] and history[0]["message"].startswith("Removed rule")
