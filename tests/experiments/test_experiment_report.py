"""Closing the loop without a page: reports, "you said, we did", affected customers, loop-open, promotion, analyse.

The HTML report must open anywhere, years later: self-contained (inline CSS, charts as inline SVG, no script,
nothing fetched) and safe with whatever people typed (a title with ``<script>`` is text).
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pandas as pd
import pytest

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY
from journeys.errors import JourneysError, StaleWrite
from journeys.experiments import Audience, Experiment, Experiments, LoopEntry, Status, analyse, decision
from journeys.experiments.closing import (
    affected_customers,
    affected_customers_csv,
    analyse_and_record,
    decided_between,
    loop_open,
    promote_future_state,
    promotion,
)
from journeys.experiments.report import (
    experiment_report_html,
    experiment_report_markdown,
    md,
    report_context,
    stories_for,
    verdict_headline,
    verdict_reasons,
    you_said_we_did_html,
    you_said_we_did_markdown,
)
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import Datasets
from journeys.tickets.engine import TicketEngine

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture
def store(demo_template, tmp_path):
    """A private copy of the session's demo workspace (30,000 tickets; tests/conftest.py builds it once)."""
    copy = tmp_path / "home"
    shutil.copytree(demo_template, copy)
    opened = Store.for_folder(copy)
    opened.home = copy
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def engine():
    return TicketEngine()


def _table(store: Store, engine: TicketEngine):
    dataset = Datasets(store, store.home).list("demo")[0]
    return engine.mapped(dataset, TicketStore(store).load_rules("demo", DEMO_JOURNEY),
                         store.load("demo", DEMO_JOURNEY).journey).table


def _tags(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every element of the page with its attributes (as a browser's parser reads them)."""
    found: list[tuple[str, list[tuple[str, str]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [(a, v or "") for a, v in attrs]))

    Collect().feed(page)
    return found


def _hostile(store: Store) -> str:
    """EX-1 with hostile text everywhere people type, decided and told."""
    experiments = Experiments(store)
    stored = experiments.load("demo", "EX-1")
    edited = stored.experiment.model_copy(update={"title": f"Credit notes {HOSTILE}", "hypothesis": HOSTILE,
                                                  "owner": "<b>ops</b>"})
    version = experiments.save("demo", "EX-1", edited, "Sam", expected_version=stored.version)
    version = experiments.transition("demo", "EX-1", Status.decided, "Sam", expected_version=version,
                                     decision=decision("adopt", "Sam <i>", f"Because {HOSTILE}")).version
    experiments.log("demo", "EX-1", LoopEntry(audience=Audience.customers, channel="email <u>", message=HOSTILE,
                                              on=date.today(), evidence_link="https://example.com/a?b=<c>"),
                    "Sam", expected_version=version)
    return "EX-1"


def test_html_report_is_self_contained_with_charts_and_escapes_typed_text(store, engine):
    key = _hostile(store)
    page = experiment_report_html(report_context(store, "demo", key, _table(store, engine)))
    assert page.count("<svg") == 2  # the weekly trend and the effect with its interval
    tags = _tags(page)
    names = {name for name, _ in tags}
    assert not names & {"script", "img", "link", "iframe", "object", "embed", "image", "use", "foreignobject"}
    assert not [a for _, attrs in tags for a, _ in attrs if a == "src" or a.startswith("on")]
    assert not re.search(r"url\(|@import", page, re.I)
    # The only addresses are SVG namespaces and the evidence link people gave (a plain <a>, nothing loaded).
    links = {(name, a, v) for name, attrs in tags for a, v in attrs if a in ("href", "xlink:href")}
    assert links == {("a", "href", "https://example.com/a?b=<c>")}
    assert {v for _, attrs in tags for a, v in attrs if a.startswith("xmlns")} <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # shown as text
    assert "&lt;b&gt;ops&lt;/b&gt;" in page and "Sam &lt;i&gt;" in page and "email &lt;u&gt;" in page
    assert "Improved: the reopen rate fell by 11.6 points" in page
    assert "guardrail resolution (median) got worse" in page  # the flag next to the verdict


def test_markdown_report_and_you_said_we_did_escape_markup(store):
    key = _hostile(store)
    ctx = report_context(store, "demo", key)
    text = experiment_report_markdown(ctx)
    assert "<script>" not in text and "\\<script\\>" in text
    told = you_said_we_did_markdown(stories_for(store, "demo", [ctx.stored]), title="You said, we did")
    assert "<script>" not in told and "**We did:** Credit notes \\<script\\>" in told
    assert "We kept the change" in told and "Who we told" in told
    assert md("# not a heading") == "\\# not a heading" and md("1. not a list") == "1\\. not a list"
    assert md("see https://x.org") == "see https:\u200b//x.org"  # no autolink


def test_you_said_we_did_for_a_period_lists_the_experiments_decided_in_it(store):
    experiments = Experiments(store)
    for key, day, outcome in (("EX-1", datetime(2026, 11, 2, 10, tzinfo=UTC), "adopt"),
                              ("EX-2", datetime(2026, 12, 15, 9, tzinfo=UTC), "roll back")):
        stored = experiments.load("demo", key)
        experiments.transition("demo", key, Status.decided, "Sam", expected_version=stored.version,
                               decision=decision(outcome, "Sam", "Read the numbers", at=day))
    found = decided_between(experiments.list("demo"), date(2026, 11, 1), date(2026, 11, 30))
    assert [s.key for s in found] == ["EX-1"]
    text = you_said_we_did_markdown(stories_for(store, "demo", found), title="You said, we did — November")
    assert "## EX-1 · Send the credit note with the refund confirmation" in text and "EX-2" not in text
    assert "**Decision:** We kept the change (decided 2 Nov 2026 by Sam)." in text
    both = decided_between(experiments.list("demo"), date(2026, 11, 1), date(2026, 12, 31))
    page = you_said_we_did_html(stories_for(store, "demo", both), title="You said, we did — Q4")
    assert "EX-1 · Send the credit note" in page and "EX-2 · Answer billing questions" in page
    assert "We rolled the change back" in page and "<script" not in page
    assert "Billing questions in the community forum go unanswered" in page  # EX-2's pain point: what they said
    empty = you_said_we_did_markdown([], title="Nothing")
    assert "No experiment was decided in this period." in empty


def test_loop_open_counts_only_entries_since_the_decision(store):
    experiments = Experiments(store)
    stored = experiments.load("demo", "EX-1")  # its demo loop entry (29 Jun) announced the change to agents
    assert stored.experiment.loop and loop_open(experiments.list("demo")) == []
    version = experiments.transition("demo", "EX-1", Status.decided, "Sam", expected_version=stored.version,
                                     decision=decision("adopt", "Sam", "Halved reopens")).version
    assert [s.key for s in loop_open(experiments.list("demo"))] == ["EX-1"]
    experiments.log("demo", "EX-1", LoopEntry(audience=Audience.leadership, channel="monthly review",
                                              message="Reopens on credit notes halved", on=date.today()),
                    "Sam", expected_version=version)
    assert loop_open(experiments.list("demo")) == []


def test_affected_customers_are_those_with_tickets_on_the_changed_steps_after_the_change(store, engine):
    table = _table(store, engine)
    experiment = Experiments(store).load("demo", "EX-1").experiment
    frame = affected_customers(table, experiment)
    tickets = table.execute()
    after = tickets[(tickets["journey_step"] == "credit-issued")
                    & (tickets["created_at"] >= pd.Timestamp("2026-07-01", tz="UTC"))
                    & (tickets["created_at"] < pd.Timestamp("2026-10-26", tz="UTC"))]
    expected = after.groupby("customer_id").size()
    assert len(frame) == len(expected) > 100
    assert dict(zip(frame["customer_id"], frame["tickets"], strict=True)) == expected.to_dict()
    assert list(frame["tickets"]) == sorted(frame["tickets"], reverse=True)
    text = affected_customers_csv(frame.assign(customer_id=["=HYPERLINK(1)", *frame["customer_id"][1:]]))
    assert text.splitlines()[0] == "customer_id,tickets,first_ticket,last_ticket"
    assert text.splitlines()[1].startswith("'=HYPERLINK(1)")  # a spreadsheet formula is neutralised


def test_analyse_and_record_interim_then_refuses_drafts_and_decided(store, engine):
    table = _table(store, engine)
    experiments = Experiments(store)
    draft = Experiment(title="Shorter reset links", journey=DEMO_JOURNEY, steps=["reset-password"],
                       comparison_steps=["login"], metric="reopen_rate", shipped=date(2026, 9, 7),
                       post_end=date(2026, 12, 28))
    key = experiments.create("demo", draft, "Sam")
    with pytest.raises(JourneysError, match="is a draft"):
        analyse_and_record(experiments, "demo", key, table, "Sam", expected_version=1)
    running = experiments.transition("demo", key, Status.running, "Sam", expected_version=1).version
    done = analyse_and_record(experiments, "demo", key, table, "Sam", expected_version=running, dataset="d",
                              dataset_version=1)
    assert done.result.interim and done.status == Status.running and done.version == running + 1
    assert "interim look" in verdict_headline(draft, done.result).lower()
    assert any("anytime-valid" in r for r in verdict_reasons(done.result))
    with pytest.raises(StaleWrite):
        analyse_and_record(experiments, "demo", key, table, "Sam", expected_version=running)
    # A complete window: running → analysed, with the same numbers analyse() gives.
    ex1 = experiments.load("demo", "EX-1")
    assert ex1.experiment.status == Status.analysed
    again = analyse_and_record(experiments, "demo", "EX-1", table, "Sam", expected_version=ex1.version)
    assert again.status == Status.analysed and again.result.effect == analyse(table, ex1.experiment).effect
    decided = experiments.transition("demo", "EX-1", Status.decided, "Sam", expected_version=again.version,
                                     decision=decision("adopt", "Sam", "Halved")).version
    with pytest.raises(JourneysError, match="is decided"):
        analyse_and_record(experiments, "demo", "EX-1", table, "Sam", expected_version=decided)


def test_promoting_the_future_state_saves_its_content_as_the_current_journey(store):
    before = store.load("demo", DEMO_JOURNEY)
    future = store.load("demo", DEMO_FUTURE).journey
    shown = promotion(store, "demo", DEMO_JOURNEY, DEMO_FUTURE)
    assert shown.current_version == before.version and "name" not in shown.summary
    with pytest.raises(StaleWrite):
        promote_future_state(store, "demo", DEMO_JOURNEY, DEMO_FUTURE, "Sam", expected_version=before.version - 1
                             if before.version > 1 else before.version + 5)
    new = promote_future_state(store, "demo", DEMO_JOURNEY, DEMO_FUTURE, "Sam", expected_version=before.version,
                               reason="EX-1 adopted")
    after = store.load("demo", DEMO_JOURNEY)
    assert new == after.version == before.version + 1
    assert (after.journey.name, after.journey.state, after.journey.derived_from) == (DEMO_JOURNEY, "current", None)
    assert after.journey.step_ids() == future.step_ids()
    assert store.history("demo", DEMO_JOURNEY)[0].message == f"Promoted the future state '{DEMO_FUTURE}' (EX-1 adopted)"
    assert promotion(store, "demo", DEMO_JOURNEY, DEMO_FUTURE).summary == "no changes"
    with pytest.raises(JourneysError, match="not a future state"):
        promotion(store, "demo", DEMO_FUTURE, DEMO_JOURNEY)


def test_report_of_a_draft_has_no_chart_and_says_not_analysed(store, engine):
    key = Experiments(store).create("demo", Experiment(title="Draft", journey=DEMO_JOURNEY, steps=["login"],
                                                       metric="volume", design="before_after"), "Sam")
    page = experiment_report_html(report_context(store, "demo", key, _table(store, engine)))
    assert "<svg" not in page and "Not analysed yet." in page and "Nobody has been told yet." in page
