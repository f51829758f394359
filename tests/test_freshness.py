"""Freshness: reviews as versioned documents, drift of the watched metrics since a review, overdue reviews."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import ibis
import pyarrow as pa
import pytest

import journeys.freshness as fresh
from journeys.errors import JourneysError, StaleWrite
from journeys.freshness import (
    REVIEW_KIND,
    WATCHED,
    drift,
    freshness,
    last_review,
    mark_reviewed,
    review_history,
    snapshot_metrics,
    stale_steps,
)
from journeys.metrics import metric_words
from journeys.model import Journey, Step
from journeys.store.documents import DocumentStore
from journeys.tickets.canonical import arrow_schema

WS, JOURNEY = "cx", "Support"
REVIEWED = datetime(2026, 10, 3, tzinfo=UTC)  # the review; the data before it is period 1, after it period 2
P1, P2 = REVIEWED - timedelta(days=90), REVIEWED
LABELS = {"reset": "Resets password", "pay": "Pays invoice", "login": "Logs in", "rare": "Closes account",
          "bot": "Asks the bot"}


def tickets(step: str, start: datetime, n: int, *, days: float = 90, reopened: int = 0,
            escalated: int = 0) -> list[dict]:
    """n tickets spread evenly over [start, start + days); the first ``reopened``/``escalated`` of them so."""
    return [{
        "ticket_id": f"{step}-{start:%Y%m%d}-{i}", "created_at": start + timedelta(days=days) * i / n,
        "journey_step": step, "customer_id": f"{step}-{start:%Y%m%d}-c{i}",
        "reopens": int(i < reopened), "escalated": i < escalated,
    } for i in range(n)]


def clock(at: datetime) -> list[dict]:
    """One ticket on a step outside the journey, so the data ends exactly at ``at`` (latest ticket + 1 s)."""
    return [{"ticket_id": f"clock-{at:%Y%m%d}", "created_at": at - timedelta(seconds=1), "journey_step": "other"}]


def duck(rows: list[dict]) -> ibis.Table:
    full = [{name: None for name in arrow_schema().names} | row for row in rows]
    return ibis.duckdb.connect().create_table("tickets", pa.Table.from_pylist(full, schema=arrow_schema()))


def period(start: datetime, *, reset: int, pay: int, bot: int, rare: int) -> list[dict]:
    """One 90-day period: 100 tickets each on reset/pay/login/bot, 10 on rare (reopens/escalations given)."""
    return (tickets("reset", start, 100, reopened=reset) + tickets("pay", start, 100, escalated=pay)
            + tickets("login", start, 100, reopened=20, escalated=15) + tickets("bot", start, 100, escalated=bot)
            + tickets("rare", start, 10, reopened=rare))


THEN = period(P1, reset=10, pay=40, bot=0, rare=1)
NOW = period(P2, reset=30, pay=20, bot=5, rare=6)
TABLE_THEN = THEN + clock(P2)  # the export the review looked at: it ends at the review
TABLE_NOW = THEN + NOW + clock(P2 + timedelta(days=90))  # the export 90 days later


def review(store, table=None, *, author: str = "Ana", now: datetime = REVIEWED + timedelta(hours=5), **kwargs):
    return mark_reviewed(store, WS, JOURNEY, duck(TABLE_THEN if table is None else table), LABELS, author,
                         dataset="zendesk", dataset_version=1, now=now, **kwargs)


def test_snapshot_over_the_window_before_its_end():
    snap = snapshot_metrics(duck(TABLE_NOW), LABELS, end=P2)
    assert set(snap) == set(LABELS) and all(set(v) == set(WATCHED) for v in snap.values())
    assert snap["reset"]["reopen_rate"] == pytest.approx(0.10)
    assert snap["pay"]["escalation_rate"] == pytest.approx(0.40)
    assert snap["reset"]["volume"] == pytest.approx(100 * 30 / 90)  # tickets per 30 days
    assert snap["rare"]["reopen_rate"] is None  # 10 tickets: too few for a rate
    assert snap["rare"]["volume"] == pytest.approx(10 * 30 / 90)  # a count always has a value
    assert snap["reset"]["csat"] is None and snap["reset"]["resolution_p90"] is None  # nobody rated: too few
    later = snapshot_metrics(duck(TABLE_NOW), LABELS, end=P2 + timedelta(days=90))
    assert later["reset"]["reopen_rate"] == pytest.approx(0.30)


def test_mark_reviewed_records_who_when_and_what_they_saw(store):
    first = review(store, note="Quarterly workshop")
    assert (first.version, first.reviewed_by, first.reviewed_at) == (1, "Ana", REVIEWED + timedelta(hours=5))
    assert (first.cadence_days, first.window_days, first.dataset, first.dataset_version) == (90, 90, "zendesk", 1)
    assert first.window_end == P2  # the data's end, not the clock's: the export stops at the review
    assert first.snapshot["reset"]["reopen_rate"] == pytest.approx(0.10)
    assert first.samples["reset"]["reopen_rate"] == 100 and first.samples["rare"]["volume"] == 10
    assert last_review(store, WS, JOURNEY) == first

    second = review(store, author="Bo", now=REVIEWED + timedelta(days=10), cadence_days=30)
    assert second.version == 2 and second.reviewed_by == "Bo" and second.cadence_days == 30
    third = review(store, author="Cy", now=REVIEWED + timedelta(days=20))
    assert third.cadence_days == 30  # kept from the previous review
    history = review_history(store, WS, JOURNEY)
    assert [(r.version, r.reviewed_by) for r in history] == [(3, "Cy"), (2, "Bo"), (1, "Ana")]
    assert history[2] == first and history[2].note == "Quarterly workshop"
    assert DocumentStore(store).history(WS, REVIEW_KIND, JOURNEY)[2].message == "Quarterly workshop"
    assert last_review(store, WS, "Other journey") is None and review_history(store, WS, "Other journey") == []


def test_the_snapshot_ends_at_now_when_the_data_goes_on(store):
    at = review(store, TABLE_NOW, now=P2)  # the full export, reviewed "back then"
    assert at.window_end == P2 and at.snapshot["reset"]["reopen_rate"] == pytest.approx(0.10)


def test_a_review_saved_in_between_is_not_overwritten(store):
    seen = review(store)
    DocumentStore(store).save(WS, REVIEW_KIND, JOURNEY, {"cadence_days": 60}, "Bo", expected_version=1)
    with pytest.raises(StaleWrite, match="Bo"):
        review(store, author="Ana", expected_version=seen.version)  # the version the page showed
    assert last_review(store, WS, JOURNEY).reviewed_by == "Bo"


def test_a_review_saved_while_the_snapshot_is_computed_is_refused(store, monkeypatch):
    review(store)
    measure = fresh._measure

    def slow_measure(*args, **kwargs):
        DocumentStore(store).save(WS, REVIEW_KIND, JOURNEY, {"cadence_days": 60}, "Bo", expected_version=1)
        return measure(*args, **kwargs)

    monkeypatch.setattr(fresh, "_measure", slow_measure)
    with pytest.raises(StaleWrite):
        review(store, author="Cy")
    assert [r.reviewed_by for r in review_history(store, WS, JOURNEY)] == ["Bo", "Ana"]


def test_drift_flags_moves_in_either_direction_and_skips_steady_and_too_few(store):
    reviewed = review(store)
    moved = drift(reviewed, duck(TABLE_NOW), LABELS, now=P2 + timedelta(days=120))
    found = {(d.step, d.metric): d for d in moved}
    assert set(found) == {("bot", "escalation_rate"), ("reset", "reopen_rate"), ("pay", "escalation_rate")}
    worse = found["reset", "reopen_rate"]
    assert (worse.then, worse.now) == (pytest.approx(0.10), pytest.approx(0.30))
    assert worse.change == pytest.approx(2.0) and worse.n_now == 100
    better = found["pay", "escalation_rate"]
    assert better.change == pytest.approx(-0.5)  # better by half: the map is stale too
    assert found["bot", "escalation_rate"].change == math.inf  # from 0 any change counts
    assert [d.step for d in moved] == ["bot", "reset", "pay"]  # largest |change| first
    assert "login" not in stale_steps(moved) and "rare" not in stale_steps(moved)  # steady; too few (1 → 6 of 10)
    # a higher threshold keeps only the big moves
    assert [d.step for d in drift(reviewed, duck(TABLE_NOW), LABELS, threshold=1.0)] == ["bot", "reset"]


def test_same_data_since_the_review_shows_no_drift_whatever_the_clock(store):
    reviewed = review(store)
    assert drift(reviewed, duck(TABLE_THEN), LABELS, now=REVIEWED + timedelta(days=400)) == []


def test_volume_compares_tickets_per_30_days():
    # The review saw an export of 45 days (10 a day); a check 90 days on sees a full 90-day window.
    start = P2 - timedelta(days=45)
    then = tickets("steady", start, 450, days=45) + tickets("busier", start, 450, days=45) + clock(P2)
    now = (tickets("steady", start, 1350, days=135) + tickets("busier", start, 450, days=45)
           + tickets("busier", P2, 1800) + clock(P2 + timedelta(days=90)))
    steps = ["steady", "busier"]
    reviewed = fresh.Review(journey=JOURNEY, reviewed_by="Ana", reviewed_at=P2, window_end=P2,
                            snapshot=snapshot_metrics(duck(then), steps, end=P2))
    assert reviewed.snapshot["steady"]["volume"] == pytest.approx(300)  # 450 over the 45 days the data covers
    moved = drift(reviewed, duck(now), steps)
    assert [(d.step, d.metric) for d in moved] == [("busier", "volume")]  # 10 a day both times: not flagged
    assert moved[0].change == pytest.approx(1.0) and moved[0].now == pytest.approx(600) and moved[0].n_now == 1800


def test_a_quiet_step_that_became_busy_is_flagged_but_noise_on_a_quiet_one_is_not():
    then = tickets("quiet", P1, 8) + tickets("noisy", P1, 8) + clock(P2)
    now = then + tickets("quiet", P2, 400) + tickets("noisy", P2, 16) + clock(P2 + timedelta(days=90))
    steps = ["quiet", "noisy", "new"]
    base = snapshot_metrics(duck(then), ["quiet", "noisy"], end=P2)
    reviewed = fresh.Review(journey=JOURNEY, reviewed_by="Ana", reviewed_at=P2, window_end=P2, snapshot=base,
                            samples={"quiet": {"volume": 8}, "noisy": {"volume": 8}})
    moved = drift(reviewed, duck(now), steps)
    assert [(d.step, d.metric) for d in moved] == [("quiet", "volume")]  # "new" was not on the map then


def test_freshness_overdue_due_on_and_message(store):
    never = freshness(store, WS, JOURNEY, duck(TABLE_NOW), LABELS, now=REVIEWED)
    assert never.review is None and never.overdue and never.due_on is None and never.drifts == []
    assert never.message() == "Never reviewed."

    review(store, now=REVIEWED)
    on_time = freshness(store, WS, JOURNEY, duck(TABLE_THEN), LABELS, now=REVIEWED + timedelta(days=89))
    assert not on_time.overdue and on_time.due_on == date(2027, 1, 1) and on_time.stale == {}
    assert on_time.message() == ("Last reviewed by Ana on 3 Oct 2026 (cadence 90 days, due 1 Jan 2027). "
                                 "No watched metric has moved by 20% or more since then.")

    late = freshness(store, WS, JOURNEY, duck(TABLE_NOW), LABELS, now=REVIEWED + timedelta(days=91))
    assert late.overdue and late.due_on == date(2027, 1, 1)
    assert list(late.stale) == ["bot", "reset", "pay"] and late.window_end == P2 + timedelta(days=90)
    assert late.message() == (
        "Last reviewed by Ana on 3 Oct 2026 (cadence 90 days, overdue since 1 Jan 2027). Since then 3 steps moved: "
        "Asks the bot (escalation rate 0% → 5%); Resets password (reopen rate 10% → 30%); "
        "Pays invoice (escalation rate 40% → 20%).")
    assert late.message(max_steps=1).endswith("Asks the bot (escalation rate 0% → 5%); and 2 more.")
    empty = freshness(store, WS, JOURNEY, None, LABELS, now=REVIEWED + timedelta(days=1))
    assert empty.message().endswith("There are no tickets to compare with.") and not empty.overdue


def test_steps_can_be_a_journey_and_labels_come_from_it(store):
    journey = Journey(name=JOURNEY, steps=[Step(id=s, label=label, stage="Get help") for s, label in LABELS.items()])
    review(store, now=REVIEWED)
    state = freshness(store, WS, JOURNEY, duck(TABLE_NOW), journey, now=REVIEWED + timedelta(days=90))
    assert "Resets password (reopen rate 10% → 30%)" in state.message()
    assert not state.overdue  # due on the day, not yet overdue
    early = freshness(store, WS, JOURNEY, duck(TABLE_NOW), journey, now=REVIEWED + timedelta(days=1))
    assert early.window_end == REVIEWED + timedelta(days=1)  # tickets after "now" are not looked at


def test_bad_cadence_and_threshold_are_refused(store):
    with pytest.raises(JourneysError, match="cadence"):
        review(store, cadence_days=0)
    reviewed = review(store)
    with pytest.raises(JourneysError, match="threshold"):
        drift(reviewed, duck(TABLE_NOW), LABELS, threshold=-1)


def test_words():
    assert fresh.show("resolution_p90", 90) == "90 min" and fresh.show("resolution_p90", 1560) == "1.1 days"
    assert fresh.show("resolution_p90", 300) == "5.0 hours"  # the catalogue's one way, as on every page
    assert fresh.show("volume", 1234.4) == "1,234 per 30 days" and fresh.show("csat", 0.8) == "80%"
    assert metric_words("csat") == "CSAT" and metric_words("reopen_rate") == "reopen rate"
    assert fresh.day(datetime(2026, 10, 3, 23, tzinfo=UTC)) == "3 Oct 2026"


def test_a_journey_never_reviewed_is_due_one_cadence_after_it_was_created(store):
    store.create(WS, Journey(name="New map", steps=[Step(id="a", label="Ask", stage="Get help")]), "Ana")
    created = fresh.created_on(store, WS, "New map")
    assert created is not None
    today = freshness(store, WS, "New map", None, LABELS, now=created)
    assert not today.overdue and today.review is None
    assert today.due_on == (created + timedelta(days=fresh.DEFAULT_CADENCE_DAYS)).date()
    assert today.due_words() == f"never reviewed; first review due {fresh.day(today.due_on)}"
    assert today.message() == (f"Never reviewed since the map was created on {fresh.day(created)}: the first review "
                               f"is due {fresh.day(today.due_on)} (90 days after).")
    assert not freshness(store, WS, "New map", None, LABELS, now=created + timedelta(days=90)).overdue
    late = freshness(store, WS, "New map", None, LABELS, now=created + timedelta(days=90, seconds=1))
    assert late.overdue and late.due_words().startswith("never reviewed; first review overdue since")
    assert "the first review is overdue since" in late.message()
    assert fresh.created_on(store, WS, "No such map") is None
