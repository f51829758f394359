"""`journeys discover LOG` as a user runs it (registered here the way cli.py will register it)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from journeys.cli import cli
from journeys.cli.discover import discover
from journeys.demo import DEMO_JOURNEY
from journeys.demo.event_log import UNDESIGNED, write_demo_log
from tests.cli.runner import run as run_cli
from tests.discover.helpers import hand_csv, hand_xes_style_csv

cli.add_command(discover)


def run(home: Path, *args: str, ok: bool = True):
    return run_cli(home, *args, check_ok=ok)


@pytest.fixture(scope="module")
def home(cli_demo_copy) -> Path:
    home = cli_demo_copy(0)  # `init --demo --tickets 0`: the demo journeys, no tickets
    write_demo_log(home / "demo.csv", cases=1_500, seed=5)
    hand_csv(home / "hand.csv")
    hand_xes_style_csv(home / "hand-xes.csv")
    return home


def test_json_has_edges_starts_ends_variants(home):
    out = json.loads(run(home, "discover", str(home / "hand.csv"), "--format", "json").stdout)
    assert out["log"]["events"] == 18 and out["log"]["cases"] == 6 and out["log"]["report"]["rows_kept"] == 18
    edges = {(e["source"], e["target"]): e for e in out["edges"]}
    assert edges[("A", "B")] == {"source": "A", "target": "B", "frequency": 3, "cases": 3, "mean_seconds": 720.0,
                                 "median_seconds": 300.0, "p90_seconds": 1500.0}
    assert out["starts"] == [{"activity": "A", "cases": 5}, {"activity": "B", "cases": 1}]
    assert out["variants"]["distinct"] == 5 and out["variants"]["top"][0]["activities"] == ["A", "C", "D"]
    assert "conformance" not in out


def test_columns_and_filters_by_option(home):
    out = json.loads(run(home, "discover", str(home / "hand-xes.csv"), "--case", "case:concept:name",
                         "--activity", "concept:name", "--timestamp", "time:timestamp", "--segment", "case:plan=gold",
                         "--min-frequency", "2", "--format", "json").stdout)
    assert {(e["source"], e["target"]): e["frequency"] for e in out["edges"]} == {
        ("C", "D"): 3, ("A", "B"): 2, ("B", "C"): 2}
    assert out["log"]["filters"] == "case:plan gold, edges seen at least 2 times"


def test_conformance_with_a_journey_of_the_workspace(home):
    out = json.loads(run(home, "discover", str(home / "demo.csv"), "--journey", DEMO_JOURNEY, "--format",
                         "json").stdout)
    conf = out["conformance"]
    assert conf["activity_map"]["source"] == "proposed by name" and conf["journey"] == DEMO_JOURNEY
    assert {(u["source"], u["target"]) for u in conf["undesigned"]} == set(UNDESIGNED)
    assert [(u["source"], u["target"]) for u in conf["unused"]] == [("bot-faq", "bot-greeting")]
    assert 0.9 < conf["designed_share"] < 1
    assert conf["designed_events"] + sum(u["events"] for u in conf["undesigned"]) == conf["transitions"]


def test_csv_tables(home):
    text = run(home, "discover", str(home / "hand.csv"), "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {"source": "C", "target": "D", "frequency": "4", "cases": "4", "mean_seconds": "2100.0",
                       "median_seconds": "2100.0", "p90_seconds": "3240.0"}
    variants = list(csv.DictReader(io.StringIO(run(home, "discover", str(home / "hand.csv"), "--format", "csv",
                                                   "--table", "variants").stdout)))
    assert variants[0]["activities"] == "A → C → D" and variants[0]["cases"] == "2"
    conf = list(csv.DictReader(io.StringIO(run(home, "discover", str(home / "demo.csv"), "--journey", DEMO_JOURNEY,
                                               "--format", "csv", "--table", "conformance").stdout)))
    assert {r["status"] for r in conf} == {"designed", "unused", "undesigned"}


def test_dot_output(home):
    text = run(home, "discover", str(home / "hand.csv"), "--format", "dot").stdout
    assert text.startswith("digraph dfg {") and '"A" -> "B" [label="3 · 5m"' in text and '"__start__" -> "A"' in text
    conf = run(home, "discover", str(home / "demo.csv"), "--journey", DEMO_JOURNEY, "--format", "dot").stdout
    assert conf.startswith("digraph conformance {") and "undesigned" in conf and 'style=dotted' in conf


def test_table_output_and_a_saved_log_used_by_name(home):
    result = run(home, "discover", str(home / "demo.csv"), "--save", "Demo events", "--journey", DEMO_JOURNEY,
                 "--variants", "3")
    assert "Imported 1" in result.stderr and "Edges" in result.stdout and "Undesigned transitions" in result.stdout
    again = json.loads(run(home, "discover", "Demo events", "--format", "json").stdout)
    assert again["log"]["name"] == "Demo events" and again["log"]["version"] == 1 and again["log"]["report"] is None


@pytest.mark.parametrize("args, words", [
    (["missing.csv"], "neither a file nor an event log"),
    (["{home}/hand.csv", "--journey", "Nope"], "no journey"),
    (["{home}/hand.csv", "--format", "csv", "--table", "conformance"], "--table conformance needs --journey"),
    (["{home}/hand.csv", "--timestamp", "When"], "no column 'When'"),
    (["{home}/hand.csv", "--segment", "plan"], "COLUMN=VALUE"),
    (["{home}/hand.csv", "--segment", "nope=1"], "no segment column 'x_nope'"),
    (["{home}/empty.csv"], "empty"),
])
def test_bad_input_is_one_clear_line_and_exit_2(home, args, words):
    (home / "empty.csv").write_bytes(b"")
    result = run(home, "discover", *[a.format(home=home) for a in args], ok=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words.lower() in result.stderr.lower()
    assert result.stderr.startswith("journeys: ") or "Error:" in result.stderr


def test_csv_neutralises_formulas(home):
    from tests.discover.helpers import write_csv

    write_csv(home / "hostile.csv", ["case", "activity", "timestamp"],
              [[1, "=HYPERLINK(\"x\")", "2024-03-04 10:00:00"], [1, "B", "2024-03-04 10:01:00"]])
    rows = list(csv.DictReader(io.StringIO(run(home, "discover", str(home / "hostile.csv"), "--format", "csv").stdout)))
    assert rows[0]["source"] == "'=HYPERLINK(\"x\")"
