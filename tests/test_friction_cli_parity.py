"""The Friction page and `journeys metrics` show the same numbers for the same tickets."""

from __future__ import annotations

import json

import pytest

from journeys.demo import DEMO_JOURNEY
from journeys.store import Store
from tests.pagetest import open_page
from tests.test_cli import run
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
