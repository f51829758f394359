"""Ticket search on the Friction page's step drill-down, through AppTest: results are the step's own tickets,
"Tickets like this one" leaves the picked ticket out, and a typed query reaches the page escaped."""

from __future__ import annotations

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.usecases.measure import mapped
from tests.pagetest import open_page


def _search_box(at):
    return next(w for w in at.text_input if w.key and w.key.startswith("friction_search_"))


def test_search_and_tickets_like_this_one_on_a_step(demo_home):
    at = open_page("friction", journey=DEMO_JOURNEY)
    step = at.selectbox(key="friction_step").value
    box = _search_box(at)
    box.set_value("![x](http://example.com/x.png) refund").run()
    assert not at.exception, at.exception
    shown = [c.value for c in at.caption if c.value.startswith("Closest to")]
    assert len(shown) == 1 and "![x](http" not in shown[0] and "!\\[x\\](http:\u200b//" in shown[0]
    results = at.dataframe[-1].value
    assert 0 < len(results) <= 20 and results["score"].is_monotonic_decreasing
    with journeys.open_workspace(demo_home) as ws:
        version = ws.datasets.list()[0]
        table = mapped(ws, version, DEMO_JOURNEY).table
        on_step = set(table.filter(table.journey_step == step).select("ticket_id").execute()["ticket_id"].astype(str))
    assert set(results["ticket_id"]) <= on_step  # the search stays within the step's tickets

    like = next(w for w in at.selectbox if w.key and w.key.endswith("_like"))
    chosen = like.options[0]
    like.set_value(chosen).run()
    assert not at.exception, at.exception
    similar = at.dataframe[-1].value
    assert len(similar) > 0 and chosen not in set(similar["ticket_id"])
    assert set(similar["ticket_id"]) <= on_step
    assert any(c.value.startswith(f"Most like ticket {chosen}") for c in at.caption)
