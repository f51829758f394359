"""Closing the loop: recording an analysis, who to tell, whether anyone was told, promoting a future state.

The page and the command line call these same functions, so "analyse" does the same thing in both:

- :func:`analyse_and_record` runs :func:`~journeys.experiments.effects.analyse` and keeps the result.
  A running experiment whose after-window the data covers becomes *analysed*; while the window is
  still open the result is kept as an *interim* look and the experiment keeps running (an interim
  look can never close an experiment). Re-analysing an analysed experiment replaces its result.
  A decided experiment is closed: its result is what the decision rested on, so it is never replaced.
- :func:`affected_customers` lists the customers whose tickets landed on the changed steps after the
  change: the people a "you said, we did" message is for.
- :func:`loop_open` finds decided experiments nobody has been told about. Only entries dated on or
  after the decision count: a note to agents before the change shipped ("from 1 July the
  confirmation carries the credit note") announces the change, it does not close the loop on its
  outcome.
- :func:`promote_future_state` saves a derived future-state journey's content as a new version of
  the current one, once a change it describes has been adopted (stale-safe, like every journey save).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import ibis
import pandas as pd

from journeys.diff import diff_journeys
from journeys.errors import JourneysError
from journeys.experiments.effects import analyse
from journeys.experiments.experiment import Experiment, LoopEntry, Result, Status, utc_start
from journeys.experiments.repository import Experiments, StoredExperiment
from journeys.experiments.series import look_window
from journeys.model import Journey, JourneyState
from journeys.store import Store

AFFECTED_COLUMNS = ["customer_id", "tickets", "first_ticket", "last_ticket"]


@dataclass(frozen=True)
class Recorded:
    """What :func:`analyse_and_record` did: the result, the experiment's new version and status."""

    result: Result
    version: int
    status: Status
    pain_points: list[str]  # pain points whose status changed with it (none today: analysis changes none)

    @property
    def what(self) -> str:
        """One line for a toast or the terminal."""
        look = "interim look" if self.result.interim else "analysis"
        return f"{look} recorded: {self.result.verdict.value} (status {self.status.value}, version {self.version})"


def analyse_and_record(experiments: Experiments, workspace: str, key: str, table: ibis.Table, author: str, *,
                       expected_version: int, dataset: str = "", dataset_version: int | None = None) -> Recorded:
    """Analyse ``key`` on ``table`` and keep the result (see the module docstring for what happens when).

    Refuses a draft (nothing changed yet), a decided experiment (closed), and — with
    :class:`~journeys.errors.StaleWrite` — an experiment saved by someone else since ``expected_version``.
    """
    stored = experiments.load(workspace, key)
    status = stored.experiment.status
    if status == Status.draft:
        raise JourneysError(f"{key} is a draft: start it (draft → running) before analysing; before it starts, "
                            "the plan says what it can detect")
    if status == Status.decided:
        outcome = stored.experiment.decision.outcome.value if stored.experiment.decision else "closed"
        raise JourneysError(f"{key} is decided ({outcome}); its result is the one "
                            "the decision rested on and is kept as it is")
    result = analyse(table, stored.experiment).model_copy(update={"dataset": dataset,
                                                                  "dataset_version": dataset_version})
    if status == Status.running and not result.interim:
        done = experiments.transition(workspace, key, Status.analysed, author, expected_version=expected_version,
                                      result=result, message=f"Analysed: {result.verdict.value}")
        return Recorded(result, done.version, Status.analysed, done.pain_points)
    if status == Status.analysed and result.interim:
        raise JourneysError(f"{key} was analysed on a complete after-window, but these tickets end before it "
                            f"({result.post_end:%d %b %Y}); analyse it on the dataset that covers the window")
    version = experiments.record_result(workspace, key, result, author, expected_version=expected_version)
    return Recorded(result, version, status, [])


def affected_customers(table: ibis.Table, experiment: Experiment) -> pd.DataFrame:
    """Customers with tickets on the changed steps in the after-window: who to tell.

    One row per customer id (``customer_id``, ``tickets``, ``first_ticket``, ``last_ticket``), most
    tickets first. ``frame.attrs["without_id"]`` counts the tickets in the window without a customer id,
    ``attrs["start"]``/``attrs["end"]`` the window read ([shipped, post_end), capped at the data).
    """
    if "customer_id" not in table.columns:
        raise JourneysError("These tickets carry no customer ids (customer_id), so there is nobody to list")
    window = look_window(table, experiment)
    start, end = utc_start(experiment.window()[1]), window.look_end
    t = table.filter(table.journey_step.isin(list(experiment.steps)), table.created_at >= start,
                     table.created_at < end)
    known = t.filter(t.customer_id.notnull() & (t.customer_id.cast("string").strip() != ""))
    grouped = known.group_by(customer_id=known.customer_id.cast("string")).aggregate(
        tickets=known.count(), first_ticket=known.created_at.min(), last_ticket=known.created_at.max())
    frame = grouped.order_by([ibis.desc("tickets"), "customer_id"]).execute()
    frame = frame.reindex(columns=AFFECTED_COLUMNS)
    frame.attrs.update(without_id=int(t.count().execute()) - int(frame["tickets"].sum() if len(frame) else 0),
                       start=start, end=end)
    return frame


def affected_customers_csv(frame: pd.DataFrame) -> str:
    """The list as CSV for a mail-merge; ids that a spreadsheet would run as a formula are neutralised."""
    from journeys.csv_export import csv_text

    out = frame.copy()
    for column in ("first_ticket", "last_ticket"):
        if column in out:
            out[column] = pd.to_datetime(out[column], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return csv_text(out)


def told_after_decision(experiment: Experiment) -> list[LoopEntry]:
    """Close-the-loop entries dated on or after the decision day (what closes the loop on the outcome)."""
    if experiment.decision is None:
        return []
    decided_on = experiment.decision.at.date()
    return [e for e in experiment.loop if e.on >= decided_on]


def loop_open(experiments: list[StoredExperiment]) -> list[StoredExperiment]:
    """Decided experiments nobody has been told about since the decision, oldest decision first."""
    open_ = [e for e in experiments if e.experiment.status == Status.decided and not told_after_decision(e.experiment)]
    return sorted(open_, key=_decided_at)


def decided_between(experiments: list[StoredExperiment], start: date, end: date) -> list[StoredExperiment]:
    """Experiments decided from ``start`` to ``end`` (both days included), in decision order."""
    found = [e for e in experiments if e.experiment.decision is not None
             and start <= e.experiment.decision.at.date() <= end]
    return sorted(found, key=_decided_at)


def _decided_at(stored: StoredExperiment) -> datetime:
    """When it was decided (the order of the lists above; only decided experiments reach it)."""
    decided = stored.experiment.decision
    if decided is None:
        raise ValueError(f"{stored.key} has no decision")
    return decided.at


# --- promoting a future state --------------------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    """What promoting ``future`` onto ``current`` would change (for the confirmation)."""

    current: str
    current_version: int
    future: str
    future_version: int
    summary: str  # diff_journeys(...).summary()
    removed_steps: list[str]  # step ids the current journey has and the future one does not


def future_states(store: Store, workspace: str, journey: str) -> list[str]:
    """Future-state journeys derived from ``journey`` (what an adopted experiment could promote)."""
    return [s.name for s in store.list_journeys(workspace)
            if s.state == JourneyState.future.value and s.derived_from == journey]


def promotion(store: Store, workspace: str, current: str, future: str) -> Promotion:
    """What promoting ``future`` would change in ``current``, read now (versions are the concurrency tokens)."""
    if future not in future_states(store, workspace, current):
        raise JourneysError(f"'{future}' is not a future state derived from '{current}'")
    now, then = store.load(workspace, current), store.load(workspace, future)
    diff = diff_journeys(now.journey, _promoted(now.journey, then.journey))
    return Promotion(current, now.version, future, then.version, diff.summary(), [s.id for s in diff.removed_steps])


def _promoted(base: Journey, content: Journey) -> Journey:
    """``content`` under ``base``'s name, state and lineage: what the current journey becomes."""
    return content.model_copy(update={"name": base.name, "state": JourneyState.current,
                                      "derived_from": base.derived_from})


def promote_future_state(store: Store, workspace: str, current: str, future: str, author: str, *,
                         expected_version: int, reason: str = "") -> int:
    """Save ``future``'s content as the next version of ``current`` (name, state and lineage kept).

    ``expected_version`` is the current journey's version the person confirmed; a save since is refused
    (:class:`~journeys.errors.StaleWrite`). Returns the current journey's new version.
    """
    if future not in future_states(store, workspace, current):
        raise JourneysError(f"'{future}' is not a future state derived from '{current}'")
    promoted = _promoted(store.load(workspace, current).journey, store.load(workspace, future).journey)
    message = f"Promoted the future state '{future}'" + (f" ({reason})" if reason else "")
    return store.save(workspace, promoted, expected_version, author, message=message[:500])
