"""The Experiments page, and what the Review page shares with it: safe changes, cached numbers, the plan.

Why it is built this way:

- **Changes are intents** (:class:`Action`: start, analyse, decide, log, edit) saved against the version the
  page showed. When a colleague saved in the meantime the store refuses (:class:`~journeys.errors.StaleWrite`);
  the page then shows their version, says who saved and when, and offers to drop the change or to apply the
  same intent on top of their version — never a silent overwrite.
- **Same functions as the command line**: analysing is :func:`~journeys.experiments.closing.analyse_and_record`,
  the plan is :func:`~journeys.experiments.plan`, sentences come from :mod:`journeys.experiments.report`.
- **Cached by content**: the plan, the weekly series and the affected customers are keyed by the dataset,
  journey and rules versions (:func:`ui.tickets_view.key`) and the experiment's version, so nothing needs
  clearing after a save.
- **The create form is live** (no ``st.form``): the plan under it answers "can we even see the effect we
  hope for?" while the dates and the smallest effect are still being chosen.
- Text typed by people is shown in tables, widgets, or escaped with :func:`ui.text.plain`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from journeys.errors import InvalidJourney, JourneysError, NotFound, StaleWrite
from journeys.experiments import (
    Design,
    Experiment,
    Experiments,
    LoopEntry,
    Plan,
    Status,
    StoredExperiment,
    Verdict,
    decision,
    parse_experiment,
    plan,
)
from journeys.experiments.closing import analyse_and_record, decided_between, loop_open, told_after_decision
from journeys.experiments.experiment import UNMEASURABLE
from journeys.experiments.report import (
    DESIGN_WORDS,
    change_text,
    day,
    interval_text,
    period_title,
    stories_for,
    value_text,
    verdict_headline,
    you_said_we_did_html,
    you_said_we_did_markdown,
)
from journeys.metrics import METRICS
from journeys.model import _pydantic_problems
from journeys.painpoints import PainPoints, StoredPainPoint
from journeys.tickets.datasets import DatasetVersion
from ui import session, tickets_view
from ui.frame import author, store, workspace
from ui.text import plain

SELECTED = "ex_selected"  # the experiment open under the list on the Experiments page
PENDING = "ex_pending"  # PendingAction refused as stale
PROBLEMS = "ex_problems"  # (headline, [reasons]) from the last attempted change
SAVED = "ex_saved"  # toast text after a change
NEW_PAIN = "ex_new_pain"  # the pain point the create form starts from
NEW_GENERATION = "ex_new_generation"  # bumped after each save: the form's widgets start afresh
NO_PAIN = ""  # "start without a pain point"
MEASURABLE = [m for m in METRICS if m not in UNMEASURABLE]
DESIGNS = {Design.did.value: "Difference-in-differences", Design.before_after.value: "Before/after",
           Design.ab.value: "A/B test"}
DESIGN_HELP = ("Difference-in-differences compares the changed steps with untouched comparison steps (best when "
               "something else moves both); before/after reads the changed steps' weekly series alone (a trend is "
               "extrapolated); A/B needs tickets that carry a variant.")
VERDICT_FILTER = [v.value for v in Verdict] + ["not analysed"]
NEED_NAME = "Tell us your name in the sidebar first: it is recorded on every save."


# --- reading ------------------------------------------------------------------------------------------------


def experiments() -> Experiments:
    return Experiments(store())


def listing() -> list[StoredExperiment]:
    return experiments().list(workspace())


def load(key: str) -> StoredExperiment | None:
    try:
        return experiments().load(workspace(), key)
    except NotFound:
        return None


def pains() -> dict[str, StoredPainPoint]:
    return {p.key: p for p in PainPoints(store()).list(workspace())}


def labels(journey: str) -> dict[str, str]:
    """Step id → label of a journey ({} when it no longer exists)."""
    try:
        return {s.id: s.label for s in store().load(workspace(), journey).journey.steps}
    except NotFound:
        return {}


def has_journey(name: str) -> bool:
    return name in {s.name for s in store().list_journeys(workspace())}


def pick_dataset(available: Sequence[DatasetVersion]) -> DatasetVersion | None:
    """The ticket dataset to measure on: the latest import unless the team picks another."""
    if not available:
        return None
    newest = max(available, key=lambda d: d.created_at)
    if len(available) == 1:
        return newest
    names = [d.name for d in available]
    chosen = st.selectbox("Measure on the ticket dataset", names, index=names.index(newest.name), key="ex_dataset",
                          help="Plans, charts, analyses and the customer list read this dataset's tickets.")
    return next(d for d in available if d.name == chosen)


def metric_label(metric: str) -> str:
    return METRICS[metric].label if metric in METRICS else metric


def unit_scale(metric: str) -> tuple[float, str]:
    """How the form asks for a change in this metric: (factor from model units, unit words)."""
    unit = METRICS[metric].unit
    if unit == "%":
        return 100.0, "percentage points"
    return 1.0, {"tickets": "tickets a week", "minutes": "minutes"}.get(unit, unit)


# --- cached numbers (keyed by content) -----------------------------------------------------------------------


def _table(dataset: DatasetVersion, journey: str) -> Any:
    return tickets_view.mapped(dataset, journey).table


@st.cache_data(max_entries=32, show_spinner="Working out what the tickets can detect…")
def _plan(key: tuple, _dataset: DatasetVersion, journey: str, experiment_json: str) -> Plan:
    return plan(_table(_dataset, journey), parse_experiment(json.loads(experiment_json)))


def plan_for(dataset: DatasetVersion, experiment: Experiment) -> Plan:
    """:func:`journeys.experiments.plan` on the dataset, cached by content and the draft's fields."""
    return _plan(tickets_view.key(dataset, experiment.journey), dataset, experiment.journey,
                 experiment.model_dump_json(exclude={"result", "loop", "decision"}))


@st.cache_data(max_entries=32, show_spinner=False)
def _series(key: tuple, _dataset: DatasetVersion, journey: str, experiment_key: str, version: int,
            _experiment: Experiment) -> pd.DataFrame:
    from journeys.experiments import weekly_series

    return weekly_series(_table(_dataset, journey), _experiment)


def series_for(dataset: DatasetVersion, stored: StoredExperiment) -> pd.DataFrame:
    """The weekly cells the analysis reads (for the chart), cached by content and version."""
    e = stored.experiment
    return _series(tickets_view.key(dataset, e.journey), dataset, e.journey, stored.key, stored.version, e)


@st.cache_data(max_entries=32, show_spinner=False)
def _customers(key: tuple, _dataset: DatasetVersion, journey: str, experiment_key: str, version: int,
               _experiment: Experiment) -> pd.DataFrame:
    from journeys.experiments.closing import affected_customers

    return affected_customers(_table(_dataset, journey), _experiment)


def customers_for(dataset: DatasetVersion, stored: StoredExperiment) -> pd.DataFrame:
    """Customers with tickets on the changed steps after the change (who to tell), cached."""
    e = stored.experiment
    return _customers(tickets_view.key(dataset, e.journey), dataset, e.journey, stored.key, stored.version, e)


# --- changes: intents saved against the version shown ----------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One change to an experiment, kept as intent so it can be re-applied on a newer version."""

    kind: str  # start | analyse | decide | log | edit
    words: str  # what it does, for messages ("record the decision: adopt")
    dataset: str = ""
    outcome: str = ""
    by: str = ""
    why: str = ""
    entry: dict = field(default_factory=dict)
    fields: tuple[tuple[str, Any], ...] = ()


@dataclass
class PendingAction:
    key: str
    action: Action
    refusal: StaleWrite


def _perform(key: str, action: Action, version: int, who: str) -> str:
    """Do ``action`` on ``key`` at ``version``; returns what happened in words."""
    ws, store_ = workspace(), experiments()
    if action.kind == "start":
        done = store_.transition(ws, key, Status.running, who, expected_version=version)
        told = f"; {', '.join(done.pain_points)} now “in experiment”" if done.pain_points else ""
        return f"Started {key} (version {done.version}){told}"
    if action.kind == "analyse":
        dataset = next((d for d in tickets_view.datasets() if d.name == action.dataset), None)
        if dataset is None:
            raise JourneysError(f"The ticket dataset '{action.dataset}' is gone; pick another")
        stored = store_.load(ws, key)
        done = analyse_and_record(store_, ws, key, _table(dataset, stored.experiment.journey), who,
                                  expected_version=version, dataset=dataset.name, dataset_version=dataset.version)
        return f"{key}: {done.what}"
    if action.kind == "decide":
        done = store_.transition(ws, key, Status.decided, who, expected_version=version,
                                 decision=decision(action.outcome, action.by or who, action.why))
        told = f"; {', '.join(done.pain_points)} updated" if done.pain_points else ""
        return f"Decided {key}: {action.outcome}{told}"
    if action.kind == "log":
        entry = LoopEntry.model_validate(action.entry)
        new = store_.log(ws, key, entry, who, expected_version=version)
        return f"Logged on {key} (version {new}): told {entry.audience.value} via {entry.channel}"
    if action.kind == "edit":
        stored = store_.load(ws, key)
        changed = parse_experiment(stored.experiment.model_dump(mode="json") | dict(action.fields))
        new = store_.save(ws, key, changed, who, expected_version=version, message=action.words)
        return f"Saved {key} version {new}: {action.words}"
    raise ValueError(f"unknown action {action.kind!r}")


def commit(key: str, action: Action, version: int) -> bool:
    """Do an action against the version the page showed; a stale refusal waits for the person's choice."""
    who = author()
    if not who:
        st.session_state[PROBLEMS] = (NEED_NAME, [])
        return False
    try:
        st.session_state[SAVED] = _perform(key, action, version, who)
    except StaleWrite as refusal:
        st.session_state[PENDING] = PendingAction(key, action, refusal)
        return False
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not done ({action.words}): {error.message}", problem_words(error))
        return False
    except ValidationError as error:  # a decision or log entry out of bounds (e.g. a reason over 5,000 characters)
        problems = InvalidJourney("not valid", _pydantic_problems(error, {}))
        st.session_state[PROBLEMS] = (f"Not done ({action.words}): it is not valid", problem_words(problems))
        return False
    st.session_state.pop(PENDING, None)
    return True


FIELD_WORDS = {"title": "Title", "steps": "Changed steps", "comparison_steps": "Comparison steps", "metric": "Metric",
               "smallest_effect": "Smallest change worth acting on", "guardrails": "Guardrails",
               "shipped": "Change ships", "pre_start": "Before-window starts", "post_end": "After-window ends",
               "delivery_link": "Delivery link", "hypothesis": "Hypothesis", "owner": "Owner", "variants": "Variants",
               "channel": "Channel", "message": "Message", "segment": "Segment", "evidence_link": "Evidence link",
               "why": "Why", "by": "Decided by"}


def problem_words(error: JourneysError) -> list[str]:
    """The model's problems with this page's field names."""
    return session.problem_words(error, FIELD_WORDS)


def _apply_on_top() -> None:
    pending: PendingAction = st.session_state.pop(PENDING)
    current = load(pending.key)
    if current is not None:
        commit(pending.key, pending.action, current.version)


def _drop_pending() -> None:
    st.session_state.pop(PENDING, None)


def show_status() -> None:
    """The last change's outcome: a toast, the problems, or a stale refusal with the choices."""
    session.show_outcome(SAVED, PROBLEMS)
    pending: PendingAction | None = st.session_state.get(PENDING)
    if pending:
        r = pending.refusal
        with st.container(border=True):
            st.warning(f"**Not saved: {plain(r.saved_by)} saved version {r.current:d} of {pending.key} at "
                       f"{plain(r.saved_at)}** while you were looking at version {r.expected:d}. Your change — "
                       f"*{plain(pending.action.words)}* "
                       "— is kept until you choose. The page now shows their version.", icon=":material/front_hand:")
            left, right = st.columns(2)
            left.button("Drop my change", key="ex_drop", on_click=_drop_pending, width="stretch")
            right.button(f"Apply my change on top of version {r.current:d}", key="ex_apply_on_top", type="primary",
                         on_click=_apply_on_top, width="stretch")


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
        start, end = chosen
        found = decided_between(list(items), start, end)
        title = period_title(workspace(), start, end)
        note = f"{len(found)} experiment(s) decided in this period."
        stem = f"you-said-we-did-{workspace()}-{start:%Y%m%d}-{end:%Y%m%d}".replace(" ", "-")
        left.download_button(f"Markdown ({len(found)})", key="ex_period_md", icon=":material/description:",
                             file_name=f"{stem}.md", mime="text/markdown", width="stretch",
                             data=lambda: you_said_we_did_markdown(stories_for(store(), workspace(), found),
                                                                   title=title, note=note))
        right.download_button(f"HTML ({len(found)})", key="ex_period_html", icon=":material/html:",
                              file_name=f"{stem}.html", mime="text/html", width="stretch",
                              data=lambda: you_said_we_did_html(stories_for(store(), workspace(), found),
                                                                title=title, note=note))


def empty_state() -> None:
    st.info("No experiments yet. An experiment tests a fix for a pain point: which steps change, which metric should "
            "move and by how much, and when it ships. Start one below from a pain point; before it starts, the plan "
            "says what effect the tickets can detect.", icon=":material/science:")


# --- the form (create, and edit a draft) -------------------------------------------------------------------------


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def experiment_fields(prefix: str, initial: dict[str, Any], step_labels: dict[str, str]) -> dict[str, Any]:
    """The experiment's fields as widgets keyed by ``prefix`` (defaults from ``initial``); returns plain data."""
    steps = list(step_labels) + [s for s in initial.get("steps", []) if s not in step_labels]
    name = lambda s: step_labels.get(s, f"{s} (not on the journey)")  # noqa: E731
    a, b = st.columns([2, 1])
    a.text_input("Title", value=initial.get("title", ""), key=prefix + "title", max_chars=200,
                 placeholder="e.g. Send the credit note with the refund confirmation")
    b.text_input("Owner", value=initial.get("owner", ""), key=prefix + "owner", placeholder="e.g. Billing ops")
    a, b, c = st.columns([2, 1.2, 0.8])
    changed = a.multiselect("Changed steps", steps, default=[s for s in initial.get("steps", []) if s in steps],
                            key=prefix + "steps", format_func=name, help="The steps the change touches.")
    metric_default = initial.get("metric") if initial.get("metric") in MEASURABLE else "reopen_rate"
    metric = b.selectbox("Metric it should move", MEASURABLE, index=MEASURABLE.index(metric_default),
                         key=prefix + "metric", format_func=metric_label)
    better = "decrease" if METRICS[metric].direction == "lower" else "increase"
    aims = ["decrease", "increase"]
    c.selectbox("It should", aims, index=aims.index(initial.get("direction") or better), key=prefix + "aim",
                format_func=lambda d: "go down" if d == "decrease" else "go up",
                help=f"The catalogue calls {'lower' if better == 'decrease' else 'higher'} better for "
                     f"{metric_label(metric).lower()}.")
    a, b = st.columns([1, 2])
    design = a.radio("Design", list(DESIGNS), index=list(DESIGNS).index(initial.get("design", Design.did.value)),
                     key=prefix + "design", format_func=DESIGNS.get, help=DESIGN_HELP)
    variants = tuple(initial.get("variants") or ("A", "B"))
    if design == Design.did.value:
        others = [s for s in steps if s not in changed]
        b.multiselect("Comparison steps (untouched)", others,
                      default=[s for s in initial.get("comparison_steps", []) if s in others],
                      key=prefix + "comparison", format_func=name,
                      help="Steps the change does not touch whose tickets share the season, the product and the "
                           "staffing: they show what would have happened anyway.")
    elif design == Design.ab.value:
        left, right = b.columns(2)
        left.text_input("Control variant", value=variants[0], key=prefix + "control")
        right.text_input("Treatment variant", value=variants[1], key=prefix + "treatment")
    else:
        b.caption("Before/after reads the changed steps alone: the before-weeks' trend is extrapolated, so "
                  "anything else that changed at the same time is read as the effect. Prefer a comparison step.")
    factor, unit = unit_scale(metric)
    a, b, c, d = st.columns([1, 1, 1, 1.25])
    a.date_input("Before-window starts", value=_date(initial.get("pre_start")), key=prefix + "pre",
                 help="Empty: 12 weeks before the change.", format="YYYY-MM-DD")
    b.date_input("Change ships", value=_date(initial.get("shipped")), key=prefix + "shipped", format="YYYY-MM-DD",
                 help="The day the change goes live (tickets from then on are 'after'). Needed to start.")
    c.date_input("After-window ends", value=_date(initial.get("post_end")), key=prefix + "post",
                 help="Exclusive. Empty: 8 weeks after the change.", format="YYYY-MM-DD")
    smallest = initial.get("smallest_effect")
    d.number_input(f"Worth acting on from ({plain(unit.replace('percentage ', ''))})", min_value=0.0, step=0.5,
                   format="%.2f", value=None if smallest is None else float(smallest) * factor,
                   key=prefix + "effect", placeholder="not set",
                   help=f"The smallest change worth acting on, in {plain(unit)}. The plan says how long the experiment "
                        "must run to see a change this large.")
    a, b = st.columns([2, 1])
    guard_options = [m for m in MEASURABLE if m != metric]
    a.multiselect("Guardrails (must not get worse)", guard_options,
                  default=[g for g in initial.get("guardrails", []) if g in guard_options],
                  key=prefix + "guardrails", format_func=metric_label)
    b.text_input("Delivery link", value=initial.get("delivery_link", ""), key=prefix + "link",
                 placeholder="https://… (Jira, Linear, GitHub)")
    st.text_area("Hypothesis", value=initial.get("hypothesis", ""), key=prefix + "hypothesis", height=80,
                 placeholder="Customers do X because Y; changing Z should move the metric by …")
    return form_data(prefix, initial)


def form_data(prefix: str, initial: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as experiment data, read from session state.

    Buttons read this in their callback, not from values bound when the page was drawn: a date typed just
    before the click is committed in the same rerun, after the button's arguments were fixed.
    """
    v = {name: st.session_state.get(prefix + name) for name in ("title", "owner", "steps", "metric", "aim", "design",
                                                               "comparison", "control", "treatment", "pre",
                                                               "shipped", "post", "effect", "guardrails", "link",
                                                               "hypothesis")}
    metric = v["metric"] or initial.get("metric") or "reopen_rate"
    factor, _ = unit_scale(metric)
    design = v["design"] or Design.did.value
    variants = list(initial.get("variants") or ("A", "B"))
    if design == Design.ab.value:
        variants = [(v["control"] or "").strip(), (v["treatment"] or "").strip()]
    iso = lambda d: d.isoformat() if isinstance(d, date) else None  # noqa: E731
    return {"title": (v["title"] or "").strip(), "owner": (v["owner"] or "").strip(), "steps": list(v["steps"] or []),
            "metric": metric, "direction": v["aim"] or None, "design": design,
            "comparison_steps": list(v["comparison"] or []) if design == Design.did.value else [],
            "variants": variants, "pre_start": iso(v["pre"]), "shipped": iso(v["shipped"]), "post_end": iso(v["post"]),
            "smallest_effect": round(float(v["effect"]) / factor, 10) if v["effect"] else None,
            "guardrails": [g for g in v["guardrails"] or [] if g != metric], "delivery_link": (v["link"] or "").strip(),
            "hypothesis": v["hypothesis"] or ""}


def _pain_label(stored: StoredPainPoint) -> str:
    return f"{stored.key} · {stored.pain.title} ({stored.pain.status.value})"


def _prefill(pain: StoredPainPoint | None) -> dict[str, Any]:
    """A draft from a pain point: its journey, steps and metric; the title says what is being fixed."""
    if pain is None:
        return {}
    p = pain.pain
    return {"title": f"Fix: {p.title}"[:200], "owner": p.owner, "steps": list(p.steps),
            "metric": p.metric if p.metric in MEASURABLE else None, "pain_points": [pain.key]}


def create_form(dataset: DatasetVersion | None, expanded: bool) -> None:
    """A new experiment from a pain point (journey, steps, metric prefilled), with its plan shown live."""
    known = pains()
    open_pains = [k for k, p in known.items() if p.pain.is_open]
    wanted = st.query_params.get("painpoint")
    if wanted in known and st.session_state.get("ex_new_link") != wanted:
        st.session_state[NEW_PAIN] = wanted
        st.session_state["ex_new_link"] = wanted
    expanded = expanded or wanted in known  # arrived to test a fix for this pain point: keep the form open
    options = [*dict.fromkeys([*open_pains, *([wanted] if wanted in known else [])]), NO_PAIN]
    if st.session_state.get(NEW_PAIN) not in options:
        st.session_state.pop(NEW_PAIN, None)
    with st.expander("New experiment from a pain point", icon=":material/add_circle:", expanded=expanded):
        pick, journey_box = st.columns([2, 1])
        chosen = pick.selectbox("Pain point it tests a fix for", options, key=NEW_PAIN,
                                format_func=lambda k: _pain_label(known[k]) if k else "None: pick the journey",
                                help="Its journey, steps and metric fill the form; starting the experiment marks "
                                     "the pain point “in experiment”.")
        pain = known.get(chosen)
        names = [s.name for s in store().list_journeys(workspace())]
        if pain is not None:
            journey = pain.pain.journey
            journey_box.text_input("Journey", value=journey, disabled=True, key=f"ex_new_{chosen}_journey")
        elif names:
            journey = journey_box.selectbox("Journey", names, key="ex_new_journey")
        else:
            st.caption("Draw a journey on the Journey map first: an experiment changes steps of a journey.")
            return
        if not has_journey(journey):
            st.warning(f"The pain point's journey '{plain(journey)}' no longer exists.")
            return
        prefix = new_prefix(chosen, journey)
        initial = _prefill(pain)
        extra = {"journey": journey, "pain_points": [pain.key] if pain else []}
        draft, problems = _draft(experiment_fields(prefix, initial, labels(journey)) | extra)
        plan_box(dataset, draft, problems)
        st.button("Save draft", key=prefix + "save", type="primary", icon=":material/save:", on_click=_create,
                  args=(prefix, initial, extra), disabled=draft is None)


def new_prefix(pain_key: str | None, journey: str, generation: int | None = None) -> str:
    """Widget keys of the create form: one set per pain point and journey, so each starts from its prefill,
    and a fresh set after every save (new keys, rather than deleting widget state the browser still shows)."""
    generation = st.session_state.get(NEW_GENERATION, 0) if generation is None else generation
    return f"ex_new{generation}_{pain_key or 'none'}_{hashlib.sha1(journey.encode()).hexdigest()[:6]}_"


def _draft(data: dict[str, Any]) -> tuple[Experiment | None, list[str]]:
    try:
        return parse_experiment(data), []
    except JourneysError as error:
        return None, problem_words(error) or [error.message]


def _create(prefix: str, initial: dict[str, Any], extra: dict[str, Any]) -> None:
    who = author()
    if not who:
        st.session_state[PROBLEMS] = (NEED_NAME, [])
        return
    data = form_data(prefix, initial) | extra
    try:
        key = experiments().create(workspace(), parse_experiment(data), who)
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not saved: {error.message}", problem_words(error))
        return
    st.session_state[NEW_GENERATION] = st.session_state.get(NEW_GENERATION, 0) + 1
    st.query_params.pop("painpoint", None)  # the form closes; the new draft opens below the list
    st.session_state[SELECTED] = key
    st.session_state[SAVED] = f"Saved {key} as a draft: {data['title']}"


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
    raw = [n for n in p.notes if not n.startswith("an effect of")]  # said above in the metric's units
    return text, notes + [n[0].upper() + n[1:] for n in raw]


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


def detail(stored: StoredExperiment, dataset: DatasetVersion | None) -> None:
    """A draft: its plan, what keeps it from starting, the Start button, and its fields; else a summary."""
    e = stored.experiment
    header(stored)
    if e.status != Status.draft:
        r = e.result
        (st.success if r and r.verdict == Verdict.improved else st.error if r and r.verdict == Verdict.worsened
         else st.info)(plain(verdict_headline(e, r)))
        st.page_link("pages/review.py", label=f"Review {stored.key}: result, decision, close the loop",
                     icon=":material/fact_check:", query_params={"experiment": stored.key})
        return
    problems = e.start_problems()
    plan_box(dataset, e, [])
    left, right = st.columns([1, 2], vertical_alignment="center")
    left.button("Start the experiment", key=f"ex_start_{stored.key}_v{stored.version}", type="primary",
                icon=":material/play_arrow:", disabled=bool(problems), width="stretch", on_click=commit,
                args=(stored.key, Action("start", "start the experiment"), stored.version))
    right.caption("Starting marks it running and its pain points “in experiment”. " + (
        "Before it can start: " + "; ".join(plain(p) for p in problems) + "." if problems else
        "The change should ship on the date set; analyse it on Review once tickets come in."))
    with st.expander("Edit the draft", icon=":material/edit:"):
        prefix = f"ex_edit_{stored.key}_v{stored.version}_"
        initial = e.model_dump(mode="json")
        data = experiment_fields(prefix, initial, labels(e.journey))
        st.button("Save changes", key=prefix + "save", type="primary", icon=":material/save:",
                  disabled=not _changes(initial, data), on_click=_save_edit, args=(stored.key, stored.version, prefix,
                                                                                     initial))


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in after.items() if before.get(k) != v)


def _save_edit(key: str, version: int, prefix: str, initial: dict[str, Any]) -> None:
    """Only the fields this person changed, so applying the edit on a colleague's newer version keeps theirs."""
    changed = _changes(initial, form_data(prefix, initial))
    if not changed:
        st.session_state[SAVED] = "Nothing to save: the draft is unchanged"
        return
    words = "changed " + ", ".join(FIELD_WORDS.get(k, k).lower() for k, _ in changed)
    commit(key, Action("edit", words, fields=changed), version)


# --- the home page ---------------------------------------------------------------------------------------------


def loop_open_summary() -> None:
    """Home overview: decided experiments nobody has been told about since the decision ("loop still open").

    Draws nothing when every decided experiment has a close-the-loop entry dated on or after its decision.
    """
    try:
        found = loop_open(listing())
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
