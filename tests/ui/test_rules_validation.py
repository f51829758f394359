"""Rules on columns that do not exist: refused when added (CLI and page), skipped with a warning when mapping.

The CLI runs in-process (tests.cli.runner) on a workspace with the demo journeys and one imported CSV that has an
extra column (kept as ``x_Region``). A broken rule is put into the store the way an old save would
have left it (no column check then, or a pattern edited in the database), and the tickets the other
rules place are counted independently with pandas on the source CSV.
"""

from __future__ import annotations

import csv
import json
import random
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from journeys.demo import DEMO_JOURNEY, current_state_journey
from journeys.demo.loader import load_demo
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import Datasets
from journeys.tickets.rules import COLUMNS_SHOWN, Rule, RuleSet, mapped_table, mapping_warnings, validate_rules
from tests.cli.runner import run
from tests.ui.test_rules_page import fill_form, rerun, rules_page, saved_rules
from ui import rules_view

STEPS = {"billing": "bot-invoice-status", "login": "reset-password", "chat": "search-help"}


def _write_csv(path: Path, n: int = 400) -> pd.DataFrame:
    rng = random.Random(3)
    rows = [{"ticket_id": f"T{i}", "created_at": f"2026-{1 + i % 9:02d}-{10 + i % 18} 10:00:00",
             "subject": rng.choice(["Refund please", "Password reset", "Invoice wrong", "Hello"]),
             "tags": rng.choice(["billing", "login", "other"]), "channel": rng.choice(["chat", "email", "phone"]),
             "Region": rng.choice(["EU", "US"])} for i in range(n)]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    home = tmp_path_factory.mktemp("rules-ws")
    with Store.for_folder(home) as store:
        load_demo(store, "demo")  # the demo journeys, no tickets and no rules
    source = _write_csv(home / "tickets.csv")
    out = run(home, "tickets", "import", str(home / "tickets.csv"), "--dataset", "D", check_ok=True)
    assert "x_ extras: Region" in out.stdout
    return home, source


def _shown_rules(home: Path) -> list[dict]:
    return json.loads(run(home, "tickets", "rules", "show", DEMO_JOURNEY, "--format", "json", check_ok=True).stdout)


def test_a_rule_on_a_column_no_dataset_has_is_refused_with_the_columns_there(workspace):
    home, _ = workspace
    before = _shown_rules(home)
    out = run(home, "tickets", "rules", "add", DEMO_JOURNEY, "--step", "bot-faq", "--field", "no_such_column",
              "--value", "x")
    assert out.returncode == 2
    assert "column 'no_such_column' is not in any dataset of this workspace" in out.stderr
    assert "'tags'" in out.stderr and "'x_Region'" in out.stderr and "'subject'" in out.stderr
    assert _shown_rules(home) == before


def test_a_rule_on_an_imported_extra_column_is_accepted(workspace):
    home, _ = workspace
    run(home, "tickets", "rules", "add", DEMO_JOURNEY, "--step", "bot-faq", "--field", "x_Region", "--value", "EU",
        check_ok=True)
    assert _shown_rules(home)[-1]["field"] == "x_Region"
    out = run(home, "tickets", "rules", "add", DEMO_JOURNEY, "--step", "bot-faq", "--field", "x_Regio",
              "--value", "EU")
    assert out.returncode == 2 and "x_Region" in out.stderr


def test_without_a_dataset_canonical_columns_are_accepted_and_others_refused(tmp_path):
    with Store.for_folder(tmp_path) as store:
        load_demo(store, "demo")
    run(tmp_path, "tickets", "rules", "add", DEMO_JOURNEY, "--step", "bot-faq", "--field", "tags", "--value", "faq",
        check_ok=True)
    out = run(tmp_path, "tickets", "rules", "add", DEMO_JOURNEY, "--step", "bot-faq", "--field", "x_region",
              "--value", "EU")
    assert out.returncode == 2
    assert "no dataset is imported yet" in out.stderr and "'subject'" in out.stderr


def test_the_column_list_in_a_refusal_is_bounded():
    many = [f"x_col{i}" for i in range(5_000)]
    problems = validate_rules([Rule("bot-faq", "nope" * 100, "equals", "x")], current_state_journey(), many)
    assert len(problems) == 1
    reason = problems[0].reason
    assert f"… and {5_000 - COLUMNS_SHOWN:,} more" in reason and len(reason) < 1_500
    assert "nope" * 30 not in reason  # the user's text is echoed clipped


def _broken_rule_set(home: Path) -> None:
    """Good rules around two broken ones, stored as an old version would have left them."""
    rules = [
        Rule(STEPS["billing"], "tags", "equals", "billing", name="billing tag"),
        Rule("reset-password", "no_such_column", "equals", "x", name="gone column"),
        Rule("renews", "subject", "regex", "placeholder", name="bad pattern"),
        Rule(STEPS["login"], "tags", "equals", "login", name="login tag"),
        Rule(STEPS["chat"], "channel", "equals", "chat", name="chat channel"),
    ]
    with Store.for_folder(home) as store:
        tickets = TicketStore(store)
        current = tickets.load_rules("demo", DEMO_JOURNEY)
        version = tickets.save_rules("demo", DEMO_JOURNEY, rules, "old", "before column checks",
                                     expected_version=current.version)
    with sqlite3.connect(home / "journeys.db") as db:  # a pattern RE2 cannot compile, edited in the database
        (text,) = db.execute("SELECT rules FROM rule_sets WHERE journey = ? AND version = ?",
                             (DEMO_JOURNEY, version)).fetchone()
        db.execute("UPDATE rule_sets SET rules = ? WHERE journey = ? AND version = ?",
                   (text.replace('"placeholder"', '"(a)\\\\1"'), DEMO_JOURNEY, version))


def test_one_broken_rule_is_skipped_and_named_while_the_others_map_tickets(workspace):
    home, source = workspace
    _broken_rule_set(home)
    stored = _shown_rules(home)
    assert stored[2]["value"] == "(a)\\1"  # really broken in the store
    out = run(home, "metrics", "--dataset", "D", "--journey", DEMO_JOURNEY, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert "warning: rule 2 'gone column' is skipped: column 'no_such_column' is not in the dataset" in out.stderr
    assert "warning: rule 3 'bad pattern' is skipped" in out.stderr and "RE2" in out.stderr
    volumes = {r["journey_step"]: r["volume"] for r in json.loads(out.stdout)["rows"]}
    # Independently: the first matching good rule wins (billing tag, then login tag, then chat channel).
    step = source["tags"].map({"billing": STEPS["billing"], "login": STEPS["login"]})
    step = step.fillna(source["channel"].map({"chat": STEPS["chat"]}))
    expected = step.value_counts().to_dict()
    assert {k: v for k, v in volumes.items() if k is not None} == expected


def test_mapping_in_the_engine_skips_broken_rules(tmp_path):
    frame = pd.DataFrame({"tags": ["a", "b", "c"]})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    rules = RuleSet(DEMO_JOURNEY, [Rule("bot-faq", "missing", "equals", "a"), Rule("renews", "tags", "equals", "b"),
                                   Rule("no-such-step", "tags", "equals", "c")])
    journey = current_state_journey()
    con = duckdb.connect()
    placed = mapped_table(con, path, rules, journey).project("tags, journey_step, rule_index").order("tags")
    assert placed.fetchall() == [("a", None, None), ("b", "renews", 1), ("c", None, None)]
    warnings = mapping_warnings(con, path, rules, journey)
    assert [w.split(" is skipped")[0] for w in warnings] == ["rule 1", "rule 3"]


def test_the_rules_page_never_adds_a_rule_on_a_column_the_dataset_lacks(demo_home):
    """The form offers only the dataset's columns; a column forced into the form state does not stick,
    and the check the page runs before saving refuses it with the columns there are."""
    before = saved_rules(demo_home)
    at = rerun(rules_page(journey=DEMO_JOURNEY))
    column = at.selectbox(key="rule_field")
    with Store.for_folder(demo_home) as store:
        dataset = Datasets(store, demo_home).list("demo")[0]
    assert len(column.options) == len(rules_view.rule_columns(dataset)) and "tags" in column.options
    fill_form(at, "tags", "equals", "", "bot-faq")  # empty value: the add is refused, so nothing would be saved
    at.session_state["rule_field"] = "no_such_column"
    at.button(key="rules_add").click()
    at = rerun(at)
    assert at.selectbox(key="rule_field").value in rules_view.rule_columns(dataset)
    assert saved_rules(demo_home).rules == before.rules and saved_rules(demo_home).version == before.version
    words = rules_view.draft_problems(Rule("bot-faq", "no_such_column", "equals", "x"), current_state_journey(),
                                      rules_view.rule_columns(dataset))
    assert len(words) == 1 and words[0].startswith("Column 'no_such_column' is not in the dataset")
    assert "'tags'" in words[0] and "'subject'" in words[0]


def test_the_rules_page_shows_a_skipped_rule_and_still_counts_the_others(demo_home):
    with Store.for_folder(demo_home) as store:
        tickets = TicketStore(store)
        current = tickets.load_rules("demo", DEMO_JOURNEY)
        broken = Rule("bot-faq", "no_such_column", "equals", "x", name="gone column")
        tickets.save_rules("demo", DEMO_JOURNEY, [*current.rules, broken], "old", "old save",
                           expected_version=current.version)
    at = rerun(rules_page(journey=DEMO_JOURNEY))
    warned = " ".join(w.value for w in at.warning)
    assert "gone column" in warned and "skipped" in warned
    assert not at.error  # nothing refused: the other rules are counted
    assert int(at.metric[1].value.replace(",", "")) > 0  # placed by rules
