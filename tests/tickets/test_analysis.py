"""Dataset version + rules + catalogue: the tickets on a journey, computed once, shared by every page."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.demo import current_state_journey
from journeys.metrics import compute
from journeys.store import Store
from journeys.tickets.canonical import arrow_schema
from journeys.tickets.datasets import Datasets
from journeys.tickets.engine import TicketEngine
from journeys.tickets.rules import Rule, RuleSet
from tests.concurrency import at_once


@pytest.fixture
def dataset(tmp_path):
    store = Store.for_folder(tmp_path)
    datasets = Datasets(store, tmp_path)
    rows = {
        "ticket_id": [f"t{i}" for i in range(8)],
        "created_at": pa.array([1_700_000_000_000_000 + i for i in range(8)], pa.timestamp("us", tz="UTC")),
        "tags": [["password_reset"], ["password_reset"], ["bot_faq"], ["bot_faq"], ["other"], ["password_reset"],
                 ["bot_faq"], []],
        "reopens": [1, 0, 0, 0, 0, 1, 0, 0],
        "journey_step": [None, None, None, None, None, None, None, "triage"],
    }
    schema = arrow_schema()
    table = pa.table({f.name: rows.get(f.name, pa.nulls(8, f.type)) for f in schema}, schema=schema)
    staged = datasets.staging_path("demo", "tickets")
    pq.write_table(table, staged)
    yield datasets.commit("demo", "tickets", staged, {"rows": 8}, "tester")
    store.close()


def test_mapped_tickets_feed_the_catalogue(dataset):
    journey = current_state_journey()
    rules = RuleSet(journey.name, [Rule("reset-password", "tags", "equals", "password_reset"),
                                   Rule("bot-faq", "tags", "equals", "bot_faq")], version=3)
    engine = TicketEngine()
    mapped = engine.mapped(dataset, rules, journey)
    frame = compute(mapped.table, min_sample=1).set_index("journey_step")
    assert frame.loc["reset-password", "volume"] == 3
    assert frame.loc["reset-password", "reopen_rate"] == pytest.approx(2 / 3)
    assert frame.loc["bot-faq", "volume"] == 3
    assert frame.loc["triage", "volume"] == 1  # the explicit step column wins
    again = engine.mapped(dataset, rules, journey)
    assert again.relation_name == mapped.relation_name  # materialised once per dataset × rules version
    engine.close()


def test_slices_filter_examples_and_counts_like_compute(tmp_path):
    """A slice (dates, channels, a segment) picks the same tickets for examples and counts as compute()."""
    from datetime import UTC, datetime, timedelta

    from journeys.tickets.engine import TicketSlice, example_tickets, slice_choices, unmapped_share

    store = Store.for_folder(tmp_path)
    datasets = Datasets(store, tmp_path)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    n = 40
    rows = {
        "ticket_id": [f"t{i}" for i in range(n)],
        "created_at": [t0 + timedelta(days=i) for i in range(n)],
        "channel": ["email" if i % 2 else "chat" for i in range(n)],
        "group": ["Tier 1" if i % 4 < 2 else "Billing" for i in range(n)],
        "journey_step": ["triage" if i % 5 else None for i in range(n)],
    }
    schema = arrow_schema()
    table = pa.table({f.name: rows[f.name] if f.name in rows else pa.nulls(n, f.type) for f in schema},
                     schema=schema)
    staged = datasets.staging_path("demo", "sliced")
    pq.write_table(table, staged)
    version = datasets.commit("demo", "sliced", staged, {}, "tester")
    journey = current_state_journey()
    mapped = TicketEngine().mapped(version, RuleSet(journey.name, [], 0), journey)

    choices = slice_choices(mapped)
    assert choices.first == t0 and choices.last == t0 + timedelta(days=n - 1)
    assert sorted(choices.channels) == ["chat", "email"] and sorted(choices.segments["group"]) == ["Billing", "Tier 1"]

    where = TicketSlice(start=datetime(2026, 1, 11), end=datetime(2026, 1, 31), channels=("email",),
                        segment="group", segment_values=("Billing",))
    expected = [i for i in range(10, 30) if i % 2 and i % 4 >= 2]
    assert unmapped_share(mapped, where) == (len(expected), sum(1 for i in expected if i % 5 == 0))
    examples = example_tickets(mapped, "triage", where=where)
    assert sorted(examples["ticket_id"]) == sorted(f"t{i}" for i in expected if i % 5)
    per_step = compute(mapped.table, min_sample=1, **where.kwargs()).set_index("journey_step")
    assert per_step.loc["triage", "volume"] == len(examples)
    assert "channel email" in where.describe() and "group Billing" in where.describe()
    assert TicketSlice().describe() == "all tickets"
    store.close()


def test_mapped_tickets_are_kept_on_disk_and_the_stored_repeat_flag_gives_the_same_metrics(tmp_path):
    from journeys.metrics import REPEAT_FLAG
    from journeys.tickets.synthetic import generate

    store = Store.for_folder(tmp_path)
    datasets = Datasets(store, tmp_path)
    journey = current_state_journey()
    staged = datasets.staging_path("demo", "many")
    pq.write_table(generate(3_000, steps=journey.step_ids()[:5], seed=4), staged)
    version = datasets.commit("demo", "many", staged, {}, "tester")
    rules = RuleSet(journey.name, [Rule("login", "subject", "contains", "log in")], version=1)

    first = TicketEngine().mapped(version, rules, journey)
    files = list((version.path.parent / "mapped").glob("*.parquet"))
    assert len(files) == 1 and REPEAT_FLAG in first.table.columns
    # A new process (engine) reuses the file instead of mapping again.
    stamp = files[0].stat().st_mtime_ns
    again = TicketEngine().mapped(version, rules, journey)
    assert list((version.path.parent / "mapped").glob("*.parquet")) == files
    assert files[0].stat().st_mtime_ns >= stamp
    # Other rules: another file.
    TicketEngine().mapped(version, RuleSet(journey.name, [], 0), journey)
    assert len(list((version.path.parent / "mapped").glob("*.parquet"))) == 2

    stored = compute(again.table, min_sample=1)
    windowed = compute(again.table.drop(REPEAT_FLAG), min_sample=1)
    assert stored["repeat_contact_rate"].sum() > 0
    pd.testing.assert_frame_equal(stored, windowed)
    store.close()


def test_one_engine_keeps_two_workspaces_with_the_same_rules_apart(tmp_path):
    """Same dataset version, same rules, different folders: each gets its own tickets."""
    from journeys.tickets.synthetic import generate

    journey = current_state_journey()
    engine = TicketEngine()
    counts = []
    for n, folder in ((500, tmp_path / "a"), (800, tmp_path / "b")):
        store = Store.for_folder(folder)
        datasets = Datasets(store, folder)
        staged = datasets.staging_path("demo", "same")
        pq.write_table(generate(n, steps=journey.step_ids()[:3], seed=1), staged)
        version = datasets.commit("demo", "same", staged, {}, "tester")
        counts.append(engine.mapped(version, RuleSet(journey.name, [], 0), journey).table.count().execute())
        store.close()
    assert counts == [500, 800]


def test_threads_query_one_engine_at_once(dataset):
    """Streamlit runs a callback while an older script run may still be querying: a DuckDB connection that is
    busy refuses a second caller ("connection is busy with another call"), so each thread needs its own."""
    journey = current_state_journey()
    rules = RuleSet(journey.name, [Rule("reset-password", "tags", "equals", "password_reset")], version=1)
    engine = TicketEngine()

    def work() -> list[int]:
        return [int(compute(engine.mapped(dataset, rules, journey).table, min_sample=1)
                    .set_index("journey_step").loc["reset-password", "volume"]) for _ in range(20)]

    volumes, errors = at_once(work, 6)
    engine.close()
    assert errors == [] and [v for run in volumes for v in run] == [3] * 120
