"""The one CSV writer: whatever people typed, a spreadsheet opening the file finds no live formula."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from journeys.csv_export import FORMULA_STARTS, csv_text, neutralise
from tests.strategies import examples

EXAMPLES = 400
# Text rich in what breaks CSVs and spreadsheets: formula characters, line breaks, quotes, delimiters.
hostile = st.text(alphabet=st.one_of(st.sampled_from("=+-@\t\r\n\",;' |aZ1é€😀\u2028"), st.characters()),
                  max_size=30)
cells = st.one_of(hostile, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                  st.none(), st.lists(hostile, max_size=3))


def _parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _lines(value: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", value)


def _safe(value: str) -> bool:
    return not value.startswith(FORMULA_STARTS) and not any(line.startswith(FORMULA_STARTS) for line in _lines(value))


@examples(EXAMPLES, deadline=None)
@given(st.lists(st.tuples(hostile, cells, cells), min_size=0, max_size=8), hostile)
def test_no_parsed_cell_or_line_in_a_cell_starts_a_formula(rows, header):
    columns = [header or "h", "b", "c"]
    text = csv_text([dict(zip(["a", "b", "c"], r, strict=True)) for r in rows], ["a", "b", "c"])
    text = csv_text(pd.DataFrame(rows, columns=["a", "b", "c"], dtype=object)) if rows else text
    parsed = _parsed(text)
    assert len(parsed) == len(rows) + 1  # a CR or LF inside a cell never begins a new row
    assert all(_safe(value) for value in parsed[0])
    for written, original in zip(parsed[1:], rows, strict=True):
        assert len(written) == 3
        for value, given_value in zip(written, original, strict=True):
            if isinstance(given_value, int | float):  # numbers stay numbers (a negative one is not "neutralised")
                assert float(value) == given_value
            else:
                assert _safe(value)
        assert written[0] == neutralise(original[0])  # text comes back as written, apart from the apostrophes
    assert _safe(_parsed(csv_text([{"x": 1}], [columns[0]]))[0][0])


@examples(EXAMPLES, deadline=None)
@given(hostile)
def test_neutralising_only_adds_apostrophes_and_is_idempotent(text):
    safe = neutralise(text)
    assert _safe(safe) and neutralise(safe) == safe  # safe, and neutralising twice adds nothing
    assert safe.replace("'", "") == text.replace("'", "")  # only apostrophes were added


def test_a_carriage_return_cannot_start_a_row_with_a_live_formula():
    text = csv_text([{"step": "ok\r@SUM(1)", "n": 3}, {"step": "a\n=1+1\r\n-2", "n": -4}])
    assert _parsed(text) == [["step", "n"], ["ok\r'@SUM(1)", "3"], ["a\n'=1+1\r\n'-2", "-4"]]
    assert text.splitlines()[0] == "step,n" and text.endswith("-4\n")


def test_numbers_stay_numbers_lists_are_joined_and_missing_is_empty():
    frame = pd.DataFrame({"n": [-1, 2], "rate": [-0.5, float("nan")], "steps": [["=a", "b"], []],
                          "when": pd.to_datetime(["2026-01-02", None], utc=True)})
    assert _parsed(csv_text(frame)) == [["n", "rate", "steps", "when"],
                                        ["-1", "-0.5", "'=a, b", "2026-01-02T00:00:00+00:00"], ["2", "", "", ""]]


def test_columns_choose_and_order_dict_rows():
    assert csv_text([{"b": 1, "a": "+x", "z": "dropped"}], ["a", "b"]) == "a,b\n'+x,1\n"
    assert csv_text([], ["a"]) == "a\n"


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "@SUM(1)", "ok\r@SUM(1)", "+1-2", "-3", "\tx",
            "a\n=1+1"]


def test_metrics_as_csv_writes_no_live_formula_from_ticket_fields(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from journeys.demo import current_state_journey
    from journeys.demo.loader import load_demo
    from journeys.store import Store
    from journeys.tickets.datasets import Datasets
    from journeys.tickets.synthetic import generate
    from tests.cli.runner import run

    table = generate(700, steps=current_state_journey().step_ids()[:3], seed=5)
    picks = [FORMULAS[i % len(FORMULAS)] for i in range(table.num_rows)]
    for column in ("channel", "group"):
        table = table.set_column(table.schema.get_field_index(column), column, pa.array(picks, pa.string()))
    table = table.append_column("x_plan", pa.array(picks[3:] + picks[:3], pa.string()))
    with Store.for_folder(tmp_path) as store:
        load_demo(store, "demo", tickets=0)
        datasets = Datasets(store, tmp_path)
        staged = datasets.staging_path("demo", "hostile")
        pq.write_table(table, staged)
        datasets.commit("demo", "hostile", staged, {}, "fixture")
    out = run(tmp_path, "metrics", "--dataset", "hostile", "--by", "step,channel,group,x_plan", "--min-sample", "1",
              "--format", "csv", check_ok=True).stdout
    rows = _parsed(out)
    assert rows[0][:4] == ["journey_step", "channel", "group", "x_plan"]
    assert len(rows) > len(FORMULAS)
    # the command runs in-process: its output is read exactly as written, a CR inside a quoted cell included
    assert {r[1] for r in rows[1:]} == {neutralise(f) for f in FORMULAS}
    for row in rows[1:]:
        assert all(_safe(value) for value in row[:4])
        assert float(row[4]) > 0  # n: a number, left as one
