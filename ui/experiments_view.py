"""The Experiments page's list, plan and panels, and what the Review page shares with them.

Why it is built this way:

- **Same use cases as the command line**: reading, planning, analysing and reporting go through
  :mod:`journeys.usecases.improve`; sentences come from :mod:`journeys.experiments.report`. Changes are
  intents saved against the version shown (:mod:`ui.experiment_changes`); the form is :mod:`ui.experiment_form`.
- **Cached by content**: the plan, the weekly series and the affected customers are keyed by the dataset,
  journey and rules versions (:func:`ui.tickets_view.key`) and the experiment's version, so nothing needs
  clearing after a save.
- Text typed by people is shown in tables, widgets, or escaped with :func:`ui.text.plain`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError, NotFound
from journeys.experiments import Design, Experiment, Plan, Status, StoredExperiment, Verdict
from journeys.experiments.closing import told_after_decision
from journeys.experiments.report import (
    DESIGN_WORDS,
    change_text,
    day,
    interval_text,
    value_text,
)
from journeys.metrics import METRICS
from journeys.painpoints import StoredPainPoint
from journeys.store import Revision
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import improve
from ui import tickets_view
from ui.experiment_changes import shown
from ui.frame import ws
from ui.text import plain

SELECTED = "ex_selected"  # the experiment open under the list on the Experiments page
VERDICT_FILTER = [v.value for v in Verdict] + ["not analysed"]


# --- reading ------------------------------------------------------------------------------------------------


def listing() -> list[StoredExperiment]:
    return list(ws().experiments.list())


def load(key: str) -> StoredExperiment | None:
    """The experiment's latest version, remembered as the one the page's changes are saved against."""
    try:
        return shown(ws().experiments.load(key))
    except NotFound:
        return None


def history(key: str) -> list[Revision]:
    """The experiment's saved versions (who, when, what changed), newest first."""
    return list(ws().experiments.history(key))


def pains() -> dict[str, StoredPainPoint]:
    return {p.key: p for p in ws().painpoints.list()}


def journey_names() -> list[str]:
    return ws().journeys.names()


def labels(journey: str) -> dict[str, str]:
    """Step id → label of a journey ({} when it no longer exists)."""
    try:
        return {s.id: s.label for s in ws().journeys.get(journey).steps}
    except NotFound:
        return {}


def has_journey(name: str) -> bool:
    return name in journey_names()


def pick_dataset(available: Sequence[DatasetVersion]) -> DatasetVersion | None:
    """The ticket dataset to measure on: the latest import unless the team picks another."""
    return tickets_view.pick_dataset(
        available, "Measure on the ticket dataset", key="ex_dataset",
        help="Plans, charts, analyses and the customer list read this dataset's tickets.")


def metric_label(metric: str) -> str:
    return METRICS[metric].label if metric in METRICS else metric


# --- cached numbers (keyed by content) -----------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner="Working out what the tickets can detect…")
def _plan(key: tuple, _dataset: DatasetVersion, experiment_json: str) -> Plan:
    return improve.plan(ws(), json.loads(experiment_json), _dataset)


def plan_for(dataset: DatasetVersion, experiment: Experiment) -> Plan:
    """:func:`journeys.usecases.improve.plan` on the dataset, cached by content and the draft's fields."""
    return _plan(tickets_view.key(dataset, experiment.journey), dataset,
                 experiment.model_dump_json(exclude={"result", "loop", "decision"}))


@st.cache_data(max_entries=32, show_spinner=False)
def _series(key: tuple, _dataset: DatasetVersion, experiment_key: str, version: int,
            _stored: StoredExperiment) -> pd.DataFrame:
    return improve.weekly(ws(), _stored, _dataset)


def series_for(dataset: DatasetVersion, stored: StoredExperiment) -> pd.DataFrame:
    """The weekly cells the analysis reads (for the chart), cached by content and version."""
    return _series(tickets_view.key(dataset, stored.experiment.journey), dataset, stored.key, stored.version, stored)


@st.cache_data(max_entries=32, show_spinner=False)
def _customers(key: tuple, _dataset: DatasetVersion, experiment_key: str, version: int,
               _stored: StoredExperiment) -> pd.DataFrame:
    return improve.customers(ws(), _stored, _dataset)


def customers_for(dataset: DatasetVersion, stored: StoredExperiment) -> pd.DataFrame:
    """Customers with tickets on the changed steps after the change (who to tell), cached."""
    return _customers(tickets_view.key(dataset, stored.experiment.journey), dataset, stored.key, stored.version,
                      stored)


# --- the list ----------------------------------------------------------------------------------------------


def verdict_of(stored: StoredExperiment) -> str:
    r = stored.experiment.result
    return "not analysed" if r is None else r.verdict.value + (" (interim)" if r.interim else "")


def list_frame(items: Sequence[StoredExperiment], statuses: Sequence[str], verdicts: Sequence[str]) -> pd.DataFrame:
    """One row per experiment passing the filters; "Review" links to its Review page."""
    rows = []
    for s in items:
        e, r = s.experiment, s.experiment.result
        verdict = "not analysed" if r is None else r.verdict.value
        if (statuses and e.status.value not in statuses) or (verdicts and verdict not in verdicts):
            continue
        told = len(told_after_decision(e))
        loop = (f"{len(e.loop)} entr{'y' if len(e.loop) == 1 else 'ies'}" if e.status != Status.decided
                else f"told ×{told}" if told else "still open")
        rows.append({"Key": s.key, "Experiment": e.title, "Status": e.status.value, "Verdict": verdict_of(s),
                     "Effect": change_text(e.metric, r.effect) if r else "",
                     "Interval": interval_text(r) if r else "", "Metric": metric_label(e.metric),
                     "Decision": e.decision.outcome.value if e.decision else "",
                     "Loop": loop, "Pain points": ", ".join(e.pain_points), "Owner": e.owner,
                     "Review": f"review?experiment={s.key}"})
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


LIST_COLUMNS = ["Key", "Experiment", "Status", "Verdict", "Effect", "Interval", "Metric", "Decision", "Loop", "Review"]
SHOWN_COLUMNS = ["Key", "Experiment", "Review", "Status", "Verdict", "Effect", "Metric", "Decision", "Loop"]


def filters() -> tuple[list[str], list[str]]:
    left, right, _ = st.columns([1, 1, 1.2])
    statuses = left.multiselect("Status", [s.value for s in Status], key="ex_f_status", placeholder="Any status")
    verdicts = right.multiselect("Verdict", VERDICT_FILTER, key="ex_f_verdict", placeholder="Any verdict")
    return statuses, verdicts


def list_table(frame: pd.DataFrame) -> str | None:
    """The list; selecting a row opens that experiment below. Returns the selected key."""
    key = "ex_table_" + hashlib.sha1("|".join(frame["Key"]).encode()).hexdigest()[:10]
    # Sized to fit the 820 px a 1280-wide window leaves beside the sidebar: the link to Review sits next to
    # the name so it is never the column scrolled away; the interval is in the experiment's view below.
    event = st.dataframe(frame, hide_index=True, width="stretch", key=key, on_select="rerun",
                         selection_mode="single-row", column_order=SHOWN_COLUMNS, row_height=66,  # > 4 rem: wraps
                         column_config={
                             "Key": st.column_config.TextColumn(width=48),
                             "Experiment": st.column_config.TextColumn(width=185),
                             "Review": st.column_config.LinkColumn("Review", display_text="Open", width=58),
                             "Status": st.column_config.TextColumn(width=72),
                             "Verdict": st.column_config.TextColumn(width=92),
                             "Effect": st.column_config.TextColumn(width=88, help="After − before, in the metric's "
                                                                   "units (rates in percentage points); the 95 % "
                                                                   "interval is in the experiment's view below."),
                             "Metric": st.column_config.TextColumn(width=95),
                             "Decision": st.column_config.TextColumn(width=66),
                             "Loop": st.column_config.TextColumn(width=70, help="Close-the-loop log: entries, and "
                                                                 "for decided experiments whether anyone was told "
                                                                 "since the decision.")})
    rows = event["selection"]["rows"] if event and "selection" in event else []
    if rows:
        st.session_state[SELECTED] = frame.iloc[rows[0]]["Key"]
    return st.session_state.get(SELECTED)


def selected_key(items: Sequence[StoredExperiment]) -> str | None:
    """The experiment to open: ``?experiment=`` on arrival, then the row picked; None when none exists."""
    keys = [s.key for s in items]
    wanted = st.query_params.get("experiment")
    if wanted in keys and st.session_state.get("ex_link") != wanted:
        st.session_state[SELECTED] = wanted
        st.session_state["ex_link"] = wanted
    if st.session_state.get(SELECTED) not in keys:
        st.session_state.pop(SELECTED, None)
    return st.session_state.get(SELECTED)


def period_exports(items: Sequence[StoredExperiment]) -> None:
    """"You said, we did" for every experiment decided in a date range (Markdown and HTML)."""
    decided = [s.experiment.decision.at.date() for s in items if s.experiment.decision]
    today = datetime.now(UTC).date()
    first = min(decided, default=today - timedelta(days=90))
    with st.container(border=True):
        text, when, left, right = st.columns([1.4, 1.3, 0.9, 0.9], vertical_alignment="bottom")
        text.markdown("**You said, we did — for a period**")
        text.caption("What customers told us, what we changed, what came of it: every experiment decided in the "
                     "range.")
        chosen = when.date_input("Decided between", value=(first, today), key="ex_period", format="YYYY-MM-DD",
                                 help="Both days included.")
        if not isinstance(chosen, tuple | list) or len(chosen) != 2:
            when.caption("Pick the last day too.")
            return
        period = improve.decided_in(ws(), chosen[0], chosen[1], items)
        found = len(period.decided)
        stem = f"you-said-we-did-{ws().name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}".replace(" ", "-")
        left.download_button(f"Markdown ({found})", key="ex_period_md", icon=":material/description:",
                             on_click="ignore", file_name=f"{stem}.md", mime="text/markdown", width="stretch",
                             data=lambda: improve.period_report(ws(), period, "markdown"))
        right.download_button(f"HTML ({found})", key="ex_period_html", on_click="ignore", icon=":material/html:",
                              file_name=f"{stem}.html", mime="text/html", width="stretch",
                              data=lambda: improve.period_report(ws(), period, "html"))


def empty_state() -> None:
    st.info("No experiments yet. An experiment tests a fix for a pain point: which steps change, which metric should "
            "move and by how much, and when it ships. Start one below from a pain point; before it starts, the plan "
            "says what effect the tickets can detect.", icon=":material/science:")


# --- the plan --------------------------------------------------------------------------------------------------


def plan_words(p: Plan) -> tuple[str, list[str]]:
    """The plan in plain words: what it can detect and how long to run (and notes)."""
    unit = lambda v: change_text(p.metric, v, signed=False)  # noqa: E731
    if p.mde is None:
        return "The plan needs more ticket history on these steps.", list(p.notes)
    weekly = f"{p.weekly_tickets:,.0f} tickets a week" if METRICS[p.metric].kind != "count" else "its weekly counts"
    text = (f"With {weekly} on the changed steps"
            + (f" ({p.weekly_tickets_comparison:,.0f} a week on the comparison steps)"
               if p.weekly_tickets_comparison else "")
            + f", {p.pre_weeks} weeks before the change and a {p.post_weeks}-week after-window, this design can "
            f"detect a change of **{unit(p.mde)}**"
            + (f" ({p.mde_relative:.0%} of today's {value_text(p.metric, p.baseline)})" if p.mde_relative else "")
            + f" with {p.power:.0%} power at {p.alpha:.0%} significance. Smaller true changes will most likely "
            "read as inconclusive.")
    notes = []
    if p.smallest_effect and p.weeks_needed is not None:
        fits = "fits in" if p.weeks_needed <= p.post_weeks else "needs longer than"
        notes.append(f"Your smallest change worth acting on, {unit(p.smallest_effect)}, needs "
                     f"{p.weeks_needed} weeks after the change ({fits} the {p.post_weeks}-week window).")
    elif p.smallest_effect:
        notes.append(f"Your smallest change worth acting on, {unit(p.smallest_effect)}, is not detectable within two "
                     "years: start the before-window earlier, add comparison steps, or aim for a larger change.")
    if p.design_effect and p.mde_two_sample:
        notes.append(f"A naive before-versus-after comparison of tickets would promise {unit(p.mde_two_sample)}; "
                     f"allowing for trends and week-to-week noise honestly costs {p.design_effect:.1f}× the tickets.")
    return text, notes + [n[0].upper() + n[1:] for n in p.notes]


def plan_box(dataset: DatasetVersion | None, draft: Experiment | None, problems: Sequence[str]) -> None:
    """What the experiment can detect, before it starts (:func:`journeys.experiments.plan`)."""
    with st.container(border=True):
        st.markdown("**The plan: what can these tickets detect?**")
        if draft is None:
            st.caption("Fill in the form to see the plan: " + "; ".join(plain(p) for p in problems))
            return
        if dataset is None:
            st.caption("No ticket data yet: import tickets to see what effect the steps' volume can detect.")
            return
        if not draft.steps:
            st.caption("Pick the changed steps to see what their tickets can detect.")
            return
        if draft.design == Design.did and not draft.comparison_steps:
            st.caption("Pick at least one untouched comparison step (difference-in-differences needs one).")
            return
        p = plan_for(dataset, draft)
        text, notes = plan_words(p)
        cols = st.columns(4)
        cols[0].metric("Detectable change", change_text(p.metric, p.mde, signed=False) if p.mde else "—",
                       help="The minimum detectable effect (80 % power, 5 % significance) for this design and window.")
        cols[1].metric("Weeks needed", "—" if not p.smallest_effect else
                       (f"{p.weeks_needed}" if p.weeks_needed is not None else "> 104"),
                       help="After-weeks needed to detect the smallest change worth acting on.")
        cols[2].metric("Tickets a week", f"{p.weekly_tickets:,.0f}", help="On the changed steps, before the change.")
        cols[3].metric("Today's value", value_text(p.metric, p.baseline),
                       help="The changed steps' value in the before-weeks.")
        st.markdown(text)
        for note in notes:
            st.caption(plain(note))
        window = ("the before-window up to the day the change ships" if draft.shipped else
                  f"the last {p.pre_weeks:d} weeks of tickets (no ship date yet)")
        st.caption(f"Measured on '{plain(dataset.name)}' v{dataset.version}: {window}.")


# --- the detail panel on the Experiments page --------------------------------------------------------------------


def header(stored: StoredExperiment) -> None:
    """Key, title and the facts a reader needs first."""
    e = stored.experiment
    step_labels = labels(e.journey)
    st.subheader(f"{stored.key} · {plain(e.title)}", anchor="experiment")
    steps = ", ".join(step_labels.get(s, s) for s in e.steps) or "no step yet"
    versus = (f" vs {', '.join(step_labels.get(s, s) for s in e.comparison_steps)}"
              if e.design == Design.did and e.comparison_steps else "")
    st.caption(plain(f"{e.status.value} · {DESIGN_WORDS[e.design]} · {metric_label(e.metric)} should "
                     f"{'go down' if e.direction == 'decrease' else 'go up'} · {e.journey}: {steps}{versus} · "
                     f"owner {e.owner or 'not set'} · pain points {', '.join(e.pain_points) or 'none'} · version "
                     f"{stored.version} saved by {stored.updated_by} on {stored.updated_at:%d %b %Y %H:%M} UTC"))


# --- the home page ---------------------------------------------------------------------------------------------


def loop_open_summary() -> None:
    """Home overview: decided experiments nobody has been told about since the decision ("loop still open").

    Draws nothing when every decided experiment has a close-the-loop entry dated on or after its decision.
    """
    try:
        found = improve.loop_still_open(ws())
    except JourneysError:
        return
    if not found:
        return
    st.subheader("Loop still open", anchor="loop-still-open")
    st.caption("Decided experiments nobody has been told about since the decision. Tell the customers affected, "
               "the agents or leadership, and log it on Review.")
    st.dataframe(pd.DataFrame([{
        "Key": s.key, "Experiment": s.experiment.title, "Decision": s.experiment.decision.outcome.value,
        "Decided": day(s.experiment.decision.at), "By": s.experiment.decision.by,
        "Review": f"review?experiment={s.key}"} for s in found]),
        hide_index=True, width="stretch", key="home_loop_open", column_config={
            "Review": st.column_config.LinkColumn("Close the loop", display_text="Open on Review")})
