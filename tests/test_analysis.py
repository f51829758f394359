"""Dataset version + rules + catalogue: the tickets on a journey, computed once, shared by every page."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.demo import current_state_journey
from journeys.metrics import compute
from journeys.store import Store
from journeys.tickets.analysis import TicketEngine
from journeys.tickets.datasets import Datasets
from journeys.tickets.rules import Rule, RuleSet
from journeys.tickets.schema import arrow_schema


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
