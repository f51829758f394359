"""`journeys painpoints …` as a user runs it: the demo's ranked pain points, write-ups, edits and exports."""

from __future__ import annotations

import csv
import io
import json
from functools import partial
from pathlib import Path

import pytest

from journeys.cli.painpoint_commands import PAIN_COLUMNS
from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY
from journeys.demo.loader import DEMO_DATASET, DEMO_PAINS
from journeys.evidence import CONTEXT_METRICS, RANKED_COLUMNS
from tests.cli.runner import run

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")  # ibis on DuckDB 1.4

PLANTED = {"bot-invoice-status", "reset-password", "billing-team"}
TICKETS = 20_000


@pytest.fixture(scope="module")
def demo(cli_demo_template, cli_demo_copy) -> Path:
    """A demo workspace that the tests only read (a copy of the session's `init --demo --tickets 20000`)."""
    _, stdout = cli_demo_template(TICKETS)
    assert "loaded demo pain points PP-1" in stdout
    return cli_demo_copy(TICKETS)


@pytest.fixture(scope="module")
def edited(cli_demo_copy) -> Path:
    """A demo workspace for the tests that write (kept apart so the read-only tests see the demo as shipped)."""
    return cli_demo_copy(TICKETS)


def listed(home: Path, *args: str) -> list[dict]:
    return json.loads(run(home, "painpoints", "list", "--format", "json", *args, check_ok=True).stdout)


def bad(home: Path, *args: str) -> str:
    """Run a command that must fail on bad input: exit 2, one line `journeys: …`, no traceback."""
    out = run(home, *args)
    code, stdout, stderr = out.returncode, out.stdout, out.stderr
    assert code == 2, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("journeys: ") and "Traceback" not in stderr, stderr
    return lines[0]


# --- the demo ------------------------------------------------------------------------------------


def test_demo_ranks_the_planted_friction_on_top(demo):
    rows = listed(demo)
    assert len(rows) == len(DEMO_PAINS) >= 5
    assert all(list(r) == PAIN_COLUMNS for r in rows)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    top = rows[:len(PLANTED)]
    assert {r["steps"][0] for r in top} == PLANTED
    assert {r["metric"] for r in top} == {"escalation_rate", "reopen_rate", "resolution_p50"}
    assert min(r["score"] for r in top) > 10 * max(r["score"] for r in rows[len(PLANTED):])  # a clear gap
    assert {r["status"] for r in rows} >= {"investigating", "planned", "new"}
    for r in rows:  # plain JSON numbers, not strings
        assert all(isinstance(r[k], int | float) for k in ("score", "reach", "impact", "confidence", "effort"))
        assert isinstance(r["tickets"], int) and isinstance(r["effort_estimated"], bool) and r["journey"]


def test_init_again_writes_no_pain_point_twice(edited):
    run(edited, "painpoints", "set", "PP-1", "--title", "Bot escalations (renamed by the team)", check_ok=True)
    before = listed(edited)
    out = run(edited, "init", "--demo", "--tickets", str(TICKETS), check_ok=True)
    assert "pain points" not in out.stdout
    assert sorted(r["key"] for r in listed(edited)) == sorted(r["key"] for r in before)


def test_list_as_csv_and_table_and_filtered(demo):
    rows = listed(demo)
    text = run(demo, "painpoints", "list", "--format", "csv", check_ok=True).stdout
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0]) == PAIN_COLUMNS
    assert [(r["key"], r["steps"]) for r in parsed] == [(r["key"], ", ".join(r["steps"])) for r in rows]
    assert float(parsed[0]["score"]) == pytest.approx(rows[0]["score"])
    table = run(demo, "painpoints", "list", check_ok=True)
    header, _rule, *lines = table.stdout.splitlines()
    assert header.split() == PAIN_COLUMNS and len(lines) == len(rows)
    assert lines[0].split()[:2] == ["1", rows[0]["key"]]
    assert "score = reach × impact × confidence ÷ effort" in table.stderr and DEMO_DATASET in table.stderr

    planned = listed(demo, "--status", "planned")
    assert [r["status"] for r in planned] == ["planned"]
    assert planned[0]["rank"] == next(r["rank"] for r in rows if r["key"] == planned[0]["key"])  # rank kept
    two = listed(demo, "--status", "planned", "--status", "Investigating")
    assert {r["status"] for r in two} == {"planned", "investigating"}
    assert listed(demo, "--journey", DEMO_FUTURE) == []
    assert len(listed(demo, "--journey", DEMO_JOURNEY)) == len(rows)


def test_show_gives_the_write_up_its_score_and_history(demo):
    rows = {r["key"]: r for r in listed(demo)}
    bot = next(k for k, r in rows.items() if r["steps"] == ["bot-invoice-status"])
    shown = json.loads(run(demo, "painpoints", "show", bot, "--format", "json", check_ok=True).stdout)
    assert shown["key"] == bot and shown["version"] == 1 and shown["status"] == "investigating"
    assert shown["title"] == rows[bot]["title"] and shown["owner"] and shown["quotes"] and shown["tags"]
    assert shown["source"] == "friction" and len(shown["example_tickets"]) == 5
    frozen = {e["metric"]: e for e in shown["evidence"]}
    assert set(frozen) == {"escalation_rate", *CONTEXT_METRICS}
    assert frozen["escalation_rate"]["value"] > 3 * frozen["escalation_rate"]["baseline"]
    assert {e["dataset"] for e in shown["evidence"]} == {DEMO_DATASET}
    score = shown["score"]
    for k in ("rank", "score", "reach", "impact", "confidence", "effort"):
        assert score[k] == rows[bot][k]
    assert score["metric"] == "escalation_rate" and score["live"]["bot-invoice-status"] > score["baseline"]
    assert score["start"] == frozen["escalation_rate"]["start"].replace("Z", "+00:00")  # evidence = scoring window
    assert score["formula"].startswith("score = ") and score["dataset"] == DEMO_DATASET
    assert [(h["version"], h["author"]) for h in shown["history"]] == [(1, "journeys demo")]
    assert shown["history"][0]["saved_at"] and shown["history"][0]["message"]

    planned = next(k for k, r in rows.items() if r["status"] == "planned")
    table = run(demo, "painpoints", "show", planned.lower(), check_ok=True).stdout  # pp-2 works as well
    assert table.startswith(f"{planned}  {rows[planned]['title']}")
    for part in ("status: planned", "delivery: https://", "Evidence frozen", "Example tickets:", "Quotes:",
                 "History:", f"rank {rows[planned]['rank']} of {len(rows)}"):
        assert part in table


# --- writing up and editing ----------------------------------------------------------------------


def test_create_freezes_the_same_numbers_as_journeys_metrics(edited):
    window = ("--from", "2026-05-01", "--to", "2026-08-01")
    made = json.loads(run(edited, "painpoints", "create", "--journey", DEMO_JOURNEY, "--step", "login",
                          "--metric", "frt_p90", "--owner", "Ana", "--effort", "1.5", "--quote", "Code never came",
                          *window, "--format", "json", check_ok=True).stdout)
    assert made["key"].startswith("PP-") and made["version"] == 1 and made["updated_by"] == "tester"
    assert made["title"] == "Logs in to the account: first response (p90)" and made["source"] == "friction"
    assert made["steps"] == ["login"] and made["owner"] == "Ana" and made["effort"] == 1.5
    metrics = json.loads(run(edited, "metrics", "--dataset", DEMO_DATASET, *window, "--format", "json",
                             check_ok=True).stdout)["rows"]
    login = next(r for r in metrics if r["journey_step"] == "login")
    frozen = {e["metric"]: e for e in made["evidence"]}
    assert set(frozen) == {"frt_p90", *CONTEXT_METRICS}
    for metric, e in frozen.items():
        assert e["value"] == pytest.approx(login[metric], abs=1e-6), metric
        assert e["start"].startswith("2026-05-01") and e["end"].startswith("2026-08-01")
    assert frozen["volume"]["n"] == login["n"] == login["volume"]
    assert all(t for t in made["example_tickets"])
    assert made["key"] in {r["key"] for r in listed(edited)}


def test_create_defaults_to_the_scoring_window_and_prints_the_key(edited):
    out = run(edited, "painpoints", "create", "--journey", DEMO_JOURNEY, "--step", "phone-support",
              "--step", "handoff", "--metric", "csat", "--title", "Callbacks feel slow", check_ok=True)
    key = out.stdout.strip()
    assert key.startswith("PP-") and "evidence frozen from dataset" in out.stderr
    shown = json.loads(run(edited, "painpoints", "show", key, "--format", "json", check_ok=True).stdout)
    assert shown["title"] == "Callbacks feel slow" and shown["steps"] == ["phone-support", "handoff"]
    assert {e["step"] for e in shown["evidence"]} == {"phone-support", "handoff"}
    assert {e["start"].replace("Z", "+00:00") for e in shown["evidence"]} == {shown["score"]["start"]}

    plain = json.loads(run(edited, "painpoints", "create", "--journey", DEMO_JOURNEY, "--step", "renews",
                           "--title", "Renewal reminder is easy to miss", "--source", "note", "--tag", "workshop",
                           "--format", "json", check_ok=True).stdout)
    assert plain["evidence"] == [] and plain["metric"] is None and plain["source"] == "note"
    assert plain["tags"] == ["workshop"]


def test_create_with_a_metric_but_no_tickets_keeps_the_write_up(cli_demo_copy):
    home = cli_demo_copy(0)  # `init --demo --tickets 0`
    assert listed(home) == []  # no tickets: the demo writes no pain points (no evidence to freeze)
    out = run(home, "painpoints", "create", "--journey", DEMO_JOURNEY, "--step", "login", "--metric", "csat",
              check_ok=True)
    assert out.stdout.strip() == "PP-1" and "no evidence was frozen" in out.stderr
    [row] = listed(home)
    assert row["score"] == 0 and row["rank"] == 1 and row["metric"] == "csat"


def test_set_edits_as_new_versions_and_moves_the_rank(edited):
    third = next(r for r in listed(edited) if r["steps"] == ["billing-team"])
    assert third["rank"] > 1 and third["effort_estimated"] and third["effort"] == 5
    out = run(edited, "painpoints", "set", third["key"], "--effort", str(third["effort"] / 10), "--status",
              "in-experiment", "--owner", "Kim", check_ok=True)
    assert f"Saved {third['key']} version 2" in out.stdout and "status new → in experiment" in out.stdout
    after = {r["key"]: r for r in listed(edited)}[third["key"]]
    assert after["score"] == pytest.approx(third["score"] * 10, rel=1e-4)
    assert after["rank"] == 1 and after["status"] == "in experiment" and after["owner"] == "Kim"

    run(edited, "painpoints", "set", third["key"], "--effort", "none", "--link",
        "https://linear.app/example/issue/CX-7", "-m", "Re-estimate after the spike", check_ok=True)
    again = {r["key"]: r for r in listed(edited)}[third["key"]]
    assert not again["effort_estimated"] and again["effort"] == 2  # the default until someone estimates it
    assert again["score"] == pytest.approx(third["score"] * 5 / 2, rel=1e-4)
    shown = json.loads(run(edited, "painpoints", "show", third["key"], "--format", "json", check_ok=True).stdout)
    assert shown["delivery_link"] == "https://linear.app/example/issue/CX-7" and shown["effort"] is None
    assert [(h["version"], h["author"]) for h in shown["history"]] == [(3, "tester"), (2, "tester"),
                                                                        (1, "journeys demo")]
    assert shown["history"][0]["message"] == "Re-estimate after the spike"
    assert "effort 5 → 0.5" in shown["history"][1]["message"]

    same = run(edited, "painpoints", "set", third["key"], "--owner", "Kim", check_ok=True)
    assert "nothing saved" in same.stderr
    stale = bad(edited, "painpoints", "set", third["key"], "--status", "resolved", "--if-version", "1")
    assert "was changed by tester" in stale and "version 3" in stale


def test_export_csv_neutralises_formulas_and_markdown_writes_a_file(edited, tmp_path):
    key = listed(edited)[-1]["key"]
    run(edited, "painpoints", "set", key, "--title", '=HYPERLINK("http://evil.example","click")', "--owner",
        "@ops", check_ok=True)
    target = tmp_path / "ranked.csv"
    out = run(edited, "painpoints", "export", "--format", "csv", "-o", str(target), check_ok=True)
    assert out.stdout == "" and f"Wrote {target}" in out.stderr
    ranked = listed(edited)
    exported = list(csv.DictReader(target.open(encoding="utf-8")))
    assert list(exported[0]) == RANKED_COLUMNS
    assert [r["key"] for r in exported] == [r["key"] for r in ranked]
    row = next(r for r in exported if r["key"] == key)
    assert row["title"].startswith("'=HYPERLINK") and row["owner"] == "'@ops"
    assert run(edited, "painpoints", "export", check_ok=True).stdout == target.read_text(encoding="utf-8")
    listed_csv = run(edited, "painpoints", "list", "--format", "csv", check_ok=True).stdout
    assert "'=HYPERLINK" in listed_csv and ",=HYPERLINK" not in listed_csv

    report = tmp_path / "update.md"
    run(edited, "painpoints", "export", "--format", "markdown", "-o", str(report), "--top", "3", check_ok=True)
    text = report.read_text(encoding="utf-8")
    top = ranked[:3]
    assert text.startswith("# Top pain points — demo") and "score = reach × impact × confidence ÷ effort" in text
    assert [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ") and
            line.split("|")[1].strip().isdigit()] == ["1", "2", "3"]
    assert all(f"{r['key']} " in text for r in top) and "## Why each ranks where it does" in text


# --- bad input -----------------------------------------------------------------------------------


def test_bad_input_is_one_clear_line(demo, tmp_path):
    # Unknown key, step, metric, and a link that is not a web address.
    create = ("painpoints", "create", "--journey", DEMO_JOURNEY)
    assert "there is no pain point 'PP-99'" in bad(demo, "painpoints", "show", "PP-99")
    message = bad(demo, *create, "--step", "reset-pasword")
    assert "has no step 'reset-pasword'; did you mean 'reset-password'?" in message and "its steps: " in message
    message = bad(demo, *create, "--step", "login", "--metric", "reopen")
    assert "unknown metric 'reopen'" in message and "reopen_rate" in message
    assert "--link: must be a web address" in bad(demo, "painpoints", "set", "PP-1", "--link", "ftp://x")

    fails = partial(bad, demo)
    assert "known: PP-1" in fails("painpoints", "set", "nope", "--status", "planned")
    message = fails("painpoints", "create", "--journey", "Nope", "--step", "login")
    assert "no journey 'Nope'" in message and DEMO_JOURNEY in message
    assert "contact_rate needs" in fails(*create, "--step", "login", "--metric", "contact_rate")
    assert "no ticket dataset 'x'" in fails(*create, "--step", "login", "--dataset", "x")
    assert "--from must be before --to" in fails(*create, "--step", "login", "--from", "2026-09-01",
                                                 "--to", "2026-08-01")
    assert "--effort" in fails(*create, "--step", "login", "--effort", "-1")
    assert "--effort: 'lots'" in fails("painpoints", "set", "PP-1", "--effort", "lots")
    assert "--link: must be a web address" in fails(*create, "--step", "login", "--link", "javascript:alert(1)")
    assert "unknown status 'done'" in fails("painpoints", "set", "PP-1", "--status", "done")
    assert "unknown status" in fails("painpoints", "list", "--status", "open")
    assert "nothing to change" in fails("painpoints", "set", "PP-1")
    assert "no journey 'Nope'" in fails("painpoints", "list", "--journey", "Nope")
    assert "no ticket dataset 'x'" in fails("painpoints", "list", "--dataset", "x")
    assert "cannot write" in fails("painpoints", "export", "-o", str(tmp_path / "missing" / "x.csv"))
    shown = json.loads(run(demo, "painpoints", "show", "PP-1", "--format", "json", check_ok=True).stdout)
    assert [h["version"] for h in shown["history"]] == [1]  # nothing was saved
    assert len(listed(demo)) == len(DEMO_PAINS)
