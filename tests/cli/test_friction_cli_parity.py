"""The Friction page and `journeys metrics` show the same numbers for the same tickets."""

from __future__ import annotations

import json

import pytest

from journeys.demo import DEMO_JOURNEY
from journeys.store import Store
from tests.cli.runner import run
from tests.pagetest import open_page
from ui.friction_view import SHORT_LABELS


def test_page_table_equals_the_cli_per_step(demo_home):
    tmp_path = demo_home
    at = open_page("friction", journey=DEMO_JOURNEY)
    page = at.dataframe[0].value.set_index("Step")

    out = run(tmp_path, "metrics", "--dataset", "Zendesk tickets (demo)", "--journey", DEMO_JOURNEY,
              "--format", "json", check_ok=True)
    cli = {row["journey_step"]: row for row in json.loads(out.stdout)["rows"]}
    with Store.for_folder(tmp_path) as store:
        labels = {s.id: s.label for s in store.load("demo", DEMO_JOURNEY).journey.steps}
    compared = 0
    for step, row in cli.items():
        if step is None or labels.get(step) not in page.index:
            continue
        shown = page.loc[labels[step]]
        assert shown["Tickets"] == row["volume"]
        for metric, label in SHORT_LABELS.items():
            if row[metric] is None or metric in row["few"]:  # the table blanks few; the CLI marks them
                assert pytest.approx(float("nan"), nan_ok=True) == shown[label]
            else:
                assert shown[label] == pytest.approx(row[metric], abs=1e-6)  # CLI: 6 places
        compared += 1
    assert compared == len(page) >= 10


def test_a_chosen_definition_reaches_the_page_as_it_reaches_the_cli(demo_home):
    """Zendesk's one-touch FCR and reopened-after-solved, picked for the workspace: the CLI says it used them
    and its per-step figures change, and so do the Friction page's per-step gaps for those metrics (and no
    other metric's), so the page and `journeys metrics` are computed under the same choice."""
    tmp_path = demo_home
    args = ("metrics", "--dataset", "Zendesk tickets (demo)", "--journey", DEMO_JOURNEY, "--format", "json")
    cli_before = {r["journey_step"]: r for r in json.loads(run(tmp_path, *args, check_ok=True).stdout)["rows"]}
    before = open_page("friction", journey=DEMO_JOURNEY).dataframe[1].value.set_index("Step")
    run(tmp_path, "workspace", "definitions", "set", "fcr_rate", "zendesk_one_touch", check_ok=True)
    run(tmp_path, "workspace", "definitions", "set", "reopen_rate", "after_solved", check_ok=True)
    after = open_page("friction", journey=DEMO_JOURNEY).dataframe[1].value.set_index("Step")
    out = json.loads(run(tmp_path, *args, check_ok=True).stdout)
    assert out["definitions"]["fcr_rate"]["id"] == "fcr_rate.zendesk_one_touch"
    assert out["definitions"]["reopen_rate"]["id"] == "reopen_rate.after_solved"
    cli_after = {r["journey_step"]: r for r in out["rows"]}
    cli_changed = sum(cli_after[s]["fcr_rate"] != cli_before[s]["fcr_rate"] for s in cli_after if s)
    assert cli_changed >= len(cli_after) // 2
    changed = {column: int((after[column] != before[column]).sum()) for column in after.columns}
    assert changed["First-contact resolution"] >= len(after) // 2
    assert changed["Reopen rate"] >= 1
    assert changed["CSAT"] == changed["Escalation rate"] == changed["Resolution (p90)"] == 0
