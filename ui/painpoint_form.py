"""Writing a pain point up by hand on the Priorities page, and the page's empty states.

The form calls :func:`journeys.usecases.prioritise.write_up` — the same use case as Friction's "Write up as
a pain point", the CLI and the demo — so a hand-written pain point freezes its steps' numbers over the
scoring window exactly as they do. A metric on which every step does better than the journey is asked about
once; the same submit again writes it up.
"""

from __future__ import annotations

import streamlit as st

from journeys.errors import JourneysError
from journeys.metrics import METRICS, metric_words
from journeys.painpoints import Source
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import prioritise
from ui.frame import author, ws
from ui.painpoint_detail import NO_METRIC, PAINS, metric_label, problem_words
from ui.priorities_view import SELECTED
from ui.stale_safe import NO_AUTHOR
from ui.text import plain

NEW = {"title": "pp_new_title", "steps": "pp_new_steps", "metric": "pp_new_metric", "description": "pp_new_description",
       "owner": "pp_new_owner", "effort": "pp_new_effort"}
ASKED = "pp_new_asked"  # (journey, steps, metric) last submitted: asked about once, written up the second time


def empty_state() -> None:
    st.info("No pain points yet. A pain point is a problem someone has written up, with the evidence behind it. "
            "Three ways to start one:\n\n"
            "- on **Friction**, pick a step and a metric under *Up close* and press **Write up as a pain point** "
            "(its numbers and example tickets are frozen as evidence);\n"
            "- on the **Journey map**, a workshop *pain* note has a **Make a pain point** button;\n"
            "- or write one up by hand below.", icon=":material/lightbulb:")
    st.page_link("pages/friction.py", label="Find friction in the tickets", icon=":material/local_fire_department:")


def no_data_warning() -> None:
    st.warning("No ticket data in this workspace, so every score is 0: reach, impact and confidence are measured "
               "on tickets. Import a help-desk export and the ranking fills in.", icon=":material/database:")
    st.page_link("pages/import_tickets.py", label="Import tickets", icon=":material/upload_file:")


def _create(journey: str, dataset: DatasetVersion | None) -> None:
    state = st.session_state
    who = author()
    if not who:
        state[PAINS.key("problems")] = (NO_AUTHOR, [])
        return
    values = {f: state.get(k) for f, k in NEW.items()}
    title = (values["title"] or "").strip()
    steps, metric = list(values["steps"] or []), values["metric"] or None
    asked, state[ASKED] = state.get(ASKED), (journey, steps, metric)
    try:
        done = prioritise.write_up(
            ws(), journey, steps, metric, dataset=dataset, freeze=dataset is not None, title=title, author=who,
            message="Written up by hand", unless_better=asked != (journey, steps, metric),
            description=values["description"] or "", owner=(values["owner"] or "").strip(), effort=values["effort"],
            source=Source.manual.value)
    except JourneysError as error:
        problems = problem_words(error)
        if not title:
            problems = ["Give it a title: what hurts, in a few words.",
                        *[p for p in problems if not p.startswith("Title")]]
        state[PAINS.key("problems")] = (f"Not created: {error.message}", problems)
        return
    if done.key is None:  # every step does better than the journey on this metric: ask once
        several = len([e for e in done.evidence if e.metric == metric and e.value is not None]) > 1
        state[PAINS.key("problems")] = (
            f"Not written up yet: {'these steps do' if several else 'this step does'} better than the journey on "
            f"{metric_words(metric or '')}; a pain point usually needs a worse figure — write up anyway? Press "
            "Write it up again.", [])
        return
    for field, widget in NEW.items():
        state[widget] = [] if field == "steps" else None if field == "effort" else ""
    state[SELECTED] = done.key
    state[PAINS.key("saved")] = f"Created {done.key}: {done.pain.title}"


def create_form(dataset: DatasetVersion | None, expanded: bool) -> None:
    """A pain point by hand: what hurts, where, and (when there are tickets) today's numbers as its evidence."""
    names = ws().journeys.names()
    with st.expander("Write up a pain point by hand", icon=":material/edit_note:", expanded=expanded):
        if not names:
            st.caption("Draw a journey on the Journey map first: a pain point belongs to steps of a journey.")
            return
        journey = st.selectbox("Journey", names, key="pp_new_journey")
        labels = {s.id: s.label for s in ws().journeys.get(journey).steps}
        metrics = [NO_METRIC, *[m for m in METRICS if m != "contact_rate"]]
        with st.form("pp_new_form", border=False):
            st.text_input("Title", key=NEW["title"], max_chars=200, placeholder="e.g. Password reset links expire")
            a, b = st.columns(2)
            a.multiselect("Steps", list(labels), key=NEW["steps"], format_func=lambda s: labels[s])
            b.selectbox("Metric that shows the pain", metrics, key=NEW["metric"], format_func=metric_label)
            st.text_area("Description", key=NEW["description"], height=80,
                         placeholder="What customers run into, and how we know")
            a.text_input("Owner", key=NEW["owner"], placeholder="e.g. Billing squad")
            b.number_input("Effort (person-weeks)", min_value=0.01, max_value=1000.0, step=0.5, value=None,
                           key=NEW["effort"], placeholder="not estimated")
            st.form_submit_button("Write it up", type="primary", icon=":material/add:", on_click=_create,
                                  args=(journey, dataset))
        if dataset is not None:
            st.caption(f"Its steps' numbers over the last {prioritise.weights(ws())[0].window_days:d} days "
                       f"of '{plain(dataset.name)}' are frozen as its evidence, with five example tickets.")
