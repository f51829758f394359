"""The experiment form (create from a pain point, edit a draft) and a draft's panel with its Start button.

The form is live (no ``st.form``): the plan under it answers "can we even see the effect we hope for?"
while the dates and the smallest effect are still being chosen. Buttons read the fields from session
state in their callbacks (:func:`form_data`), and changes go through :mod:`ui.experiment_changes`.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import streamlit as st

from journeys.errors import JourneysError
from journeys.experiments import Design, Experiment, Status, StoredExperiment, Verdict, parse_experiment
from journeys.experiments.experiment import UNMEASURABLE
from journeys.experiments.report import verdict_headline
from journeys.metric_format import effect_scale
from journeys.metrics import METRICS
from journeys.painpoints import StoredPainPoint
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import improve
from ui import experiments_view as ev
from ui.experiment_changes import FIELD_WORDS, NEED_NAME, PROBLEMS, SAVED, Action, commit, problem_words
from ui.frame import author, ws
from ui.text import plain

NEW_PAIN = "ex_new_pain"  # the pain point the create form starts from
NEW_GENERATION = "ex_new_generation"  # bumped after each save: the form's widgets start afresh
NO_PAIN = ""  # "start without a pain point"
MEASURABLE = [m for m in METRICS if m not in UNMEASURABLE]
DESIGNS = {Design.did.value: "Difference-in-differences", Design.before_after.value: "Before/after",
           Design.ab.value: "A/B test"}
DESIGN_HELP = ("Difference-in-differences compares the changed steps with untouched comparison steps (best when "
               "something else moves both); before/after reads the changed steps' weekly series alone (a trend is "
               "extrapolated); A/B needs tickets that carry a variant.")


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
                         key=prefix + "metric", format_func=ev.metric_label)
    better = "decrease" if METRICS[metric].direction == "lower" else "increase"
    aims = ["decrease", "increase"]
    c.selectbox("It should", aims, index=aims.index(initial.get("direction") or better), key=prefix + "aim",
                format_func=lambda d: "go down" if d == "decrease" else "go up",
                help=f"The catalogue calls {'lower' if better == 'decrease' else 'higher'} better for "
                     f"{ev.metric_label(metric).lower()}.")
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
    factor, unit = effect_scale(metric)
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
                  key=prefix + "guardrails", format_func=ev.metric_label)
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
    factor, _ = effect_scale(metric)
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
    known = ev.pains()
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
        names = ev.journey_names()
        if pain is not None:
            journey = pain.pain.journey
            journey_box.text_input("Journey", value=journey, disabled=True, key=f"ex_new_{chosen}_journey")
        elif names:
            journey = journey_box.selectbox("Journey", names, key="ex_new_journey")
        else:
            st.caption("Draw a journey on the Journey map first: an experiment changes steps of a journey.")
            return
        if not ev.has_journey(journey):
            st.warning(f"The pain point's journey '{plain(journey)}' no longer exists.")
            return
        prefix = new_prefix(chosen, journey)
        initial = _prefill(pain)
        extra = {"journey": journey, "pain_points": [pain.key] if pain else []}
        draft, problems = _draft(experiment_fields(prefix, initial, ev.labels(journey)) | extra)
        ev.plan_box(dataset, draft, problems)
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
        key = improve.create(ws(), data, who)
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not saved: {error.message}", problem_words(error))
        return
    st.session_state[NEW_GENERATION] = st.session_state.get(NEW_GENERATION, 0) + 1
    st.query_params.pop("painpoint", None)  # the form closes; the new draft opens below the list
    st.session_state[ev.SELECTED] = key
    st.session_state[SAVED] = f"Saved {key} as a draft: {data['title']}"


# --- a draft's panel on the Experiments page ----------------------------------------------------------------


def detail(stored: StoredExperiment, dataset: DatasetVersion | None) -> None:
    """A draft: its plan, what keeps it from starting, the Start button, and its fields; else a summary."""
    e = stored.experiment
    ev.header(stored)
    if e.status != Status.draft:
        r = e.result
        (st.success if r and r.verdict == Verdict.improved else st.error if r and r.verdict == Verdict.worsened
         else st.info)(plain(verdict_headline(e, r)))
        st.page_link("pages/review.py", label=f"Review {stored.key}: result, decision, close the loop",
                     icon=":material/fact_check:", query_params={"experiment": stored.key})
        return
    problems = e.start_problems()
    ev.plan_box(dataset, e, [])
    left, right = st.columns([1, 2], vertical_alignment="center")
    left.button("Start the experiment", key=f"ex_start_{stored.key}_v{stored.version}", type="primary",
                icon=":material/play_arrow:", disabled=bool(problems), width="stretch", on_click=commit,
                args=(stored.key, Action("start", "start the experiment")))
    right.caption("Starting marks it running and its pain points “in experiment”. " + (
        "Before it can start: " + "; ".join(plain(p) for p in problems) + "." if problems else
        "The change should ship on the date set; analyse it on Review once tickets come in."))
    with st.expander("Edit the draft", icon=":material/edit:"):
        prefix = f"ex_edit_{stored.key}_v{stored.version}_"
        initial = e.model_dump(mode="json")
        data = experiment_fields(prefix, initial, ev.labels(e.journey))
        st.button("Save changes", key=prefix + "save", type="primary", icon=":material/save:",
                  disabled=not _changes(initial, data), on_click=_save_edit, args=(stored.key, prefix, initial))


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in after.items() if before.get(k) != v)


def _save_edit(key: str, prefix: str, initial: dict[str, Any]) -> None:
    """Only the fields this person changed, so applying the edit on a colleague's newer version keeps theirs."""
    changed = _changes(initial, form_data(prefix, initial))
    if not changed:
        st.session_state[SAVED] = "Nothing to save: the draft is unchanged"
        return
    words = "changed " + ", ".join(FIELD_WORDS.get(k, k).lower() for k, _ in changed)
    commit(key, Action("edit", words, fields=changed))

