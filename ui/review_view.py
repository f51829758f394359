"""The Review page: did the change move the metric, what was decided, and who was told.

Why it is built this way:

- **The recorded result is what the page shows.** Figures come from the experiment's stored
  :class:`~journeys.experiments.Result` (what ``journeys experiments show`` prints and the decision rests
  on); pressing *Analyse* runs :func:`~journeys.experiments.closing.analyse_and_record`, exactly as
  ``journeys experiments analyse`` does, and records the new result. The chart is drawn live from
  :func:`~journeys.experiments.weekly_series` on the chosen dataset (cached by content).
- **Honest labels.** A running experiment's result is marked *interim* (anytime-valid, wider interval),
  and an inconclusive verdict always says why.
- **Changes are intents** saved against the version shown (see :mod:`ui.experiments_view`); promoting a
  future-state journey is saved against the current journey's version the person confirmed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from journeys.charts.experiment_series import effect_chart, trend_chart
from journeys.errors import InvalidJourney, JourneysError, StaleWrite
from journeys.experiments import Audience, Design, Outcome, Status, StoredExperiment, Verdict
from journeys.experiments.closing import told_after_decision
from journeys.experiments.experiment import parse_loop_entry
from journeys.experiments.report import (
    change_amount,
    change_text,
    day,
    interval_amount,
    interval_name,
    p_phrase,
    pretrend_text,
    relative_text,
    sample_rows,
    value_text,
    verdict_headline,
    verdict_reasons,
)
from journeys.metrics import METRICS
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import improve
from ui import experiments_view as ev
from ui.experiment_changes import NEED_NAME, PROBLEMS, SAVED, Action, commit, problem_words, shown
from ui.frame import author, ws
from ui.text import plain

PICK = "rv_pick"
OUTCOME_HELP = {Outcome.adopt.value: "keep the change; its pain points become resolved",
                Outcome.roll_back.value: "undo it; its pain points go back to investigating",
                Outcome.iterate.value: "try a variation as a new experiment; pain points stay in experiment"}


def pick(items: list[StoredExperiment]) -> StoredExperiment | None:
    """The experiment reviewed, synced with the ``?experiment=`` deep link (default: the newest).

    Writes must land on the experiment the page shows, so the URL is the record: when the picker's value is
    not one of the keys, the page stays on the URL's experiment instead of jumping to another. The picker's
    labels hold nothing a save changes: the browser sends back the *label* it shows, and a label with the
    status in it ("… (analysed)") no longer matched after a decision, so the next run fell back to the newest
    experiment and the following close-the-loop entry was logged on it."""
    if not items:
        return None
    keys = [s.key for s in items]
    wanted = st.query_params.get("experiment")
    if PICK not in st.session_state or (wanted in keys and st.session_state.get(f"{PICK}_link") != wanted):
        st.session_state[PICK] = wanted if wanted in keys else keys[-1]
        st.session_state[f"{PICK}_link"] = wanted
    if st.session_state[PICK] not in keys:
        st.session_state[PICK] = wanted if wanted in keys else keys[-1]
    by_key = {s.key: s for s in items}
    key = st.selectbox("Experiment", keys, key=PICK, format_func=lambda k: f"{k} · {by_key[k].experiment.title}")
    if st.query_params.get("experiment") != key:
        st.query_params["experiment"] = key
        st.session_state[f"{PICK}_link"] = key
    return shown(by_key[key])


def empty_state() -> None:
    st.info("No experiments to review yet. Create one from a pain point on the Experiments page.",
            icon=":material/science:")
    st.page_link("pages/experiments.py", label="Go to Experiments", icon=":material/science:")


def intro(stored: StoredExperiment) -> None:
    ev.header(stored)
    e = stored.experiment
    if e.hypothesis:
        st.markdown(f"**Hypothesis:** {plain(e.hypothesis)}")
    if e.delivery_link:
        st.link_button("Open the delivery issue", e.delivery_link, icon=":material/open_in_new:")


# --- analyse ---------------------------------------------------------------------------------------------------


def analyse_bar(stored: StoredExperiment, dataset: DatasetVersion | None) -> None:
    """What can be done next: start (draft), analyse (running / analysed), nothing (decided)."""
    e, r = stored.experiment, stored.experiment.result
    if e.status == Status.draft:
        st.info("A draft: it has not started, so there is nothing to measure yet. Start it on Experiments once "
                "the plan looks right.", icon=":material/edit_note:")
        st.page_link("pages/experiments.py", label=f"Open {stored.key} on Experiments", icon=":material/science:",
                     query_params={"experiment": stored.key})
        return
    if e.status == Status.decided or dataset is None:
        if dataset is None:
            st.warning("No ticket data in this workspace: import tickets to analyse.", icon=":material/database:")
        return
    _, _, end = e.window()
    complete = _data_until(stored, dataset)
    label = "Analyse now" if r is None else "Analyse again"  # the dataset in the help: a long name cut the label
    left, right = st.columns([1, 2.4], vertical_alignment="center")
    left.button(label, key=f"rv_analyse_{stored.key}_v{stored.version}", type="primary" if r is None else "secondary",
                icon=":material/analytics:", width="stretch", on_click=commit,
                help=f"Analyses the tickets of '{plain(dataset.name)}'.",
                args=(stored.key, Action("analyse", "analyse", dataset=dataset.name)))
    if complete is None or complete + pd.Timedelta(days=1) < pd.Timestamp(end).tz_localize(UTC):
        seen = f"the tickets end on {day(complete)}" if complete is not None else "there are no tickets yet"
        right.caption(f"The after-window runs until {day(end)} and {seen}: the analysis is an **interim look** "
                      "(an anytime-valid, wider interval). It is recorded and the experiment keeps running; looking "
                      "often does not inflate false wins.")
    elif e.status == Status.running:
        right.caption(f"The tickets cover the after-window (until {day(end)}): analysing records the final result "
                      "and marks the experiment analysed, ready for a decision.")
    elif r is not None and r.dataset and (r.dataset, r.dataset_version) != (dataset.name, dataset.version):
        right.caption(f"The result below was measured on '{plain(r.dataset)}' v{r.dataset_version:d}; analyse again "
                      f"to measure on v{dataset.version}.")
    else:
        right.caption("Analysing again replaces the recorded result with one on today's tickets.")


def _data_until(stored: StoredExperiment, dataset: DatasetVersion) -> pd.Timestamp | None:
    series = ev.series_for(dataset, stored)
    if series.empty:
        return None
    return pd.Timestamp(series["week"].max()) + pd.Timedelta(days=6)


# --- the result ------------------------------------------------------------------------------------------------


def result(stored: StoredExperiment, dataset: DatasetVersion | None) -> None:
    """The verdict in plain words, the figures, the chart, and the checks behind them."""
    e, r = stored.experiment, stored.experiment.result
    st.markdown("### Result")
    if r is None:
        st.info("Not analysed yet." + (" Press **Analyse now** above." if e.status == Status.running else ""),
                icon=":material/hourglass_empty:")
    else:
        if r.interim:
            st.badge("Interim look — do not decide yet", color="orange", icon=":material/schedule:")
        box = {Verdict.improved: st.success, Verdict.worsened: st.error}.get(r.verdict, st.warning)
        reasons = verdict_reasons(r)
        why = "**Why:**" if r.verdict == Verdict.inconclusive else "**Watch:**"
        box(f"**{plain(verdict_headline(e, r))}**" + (f"\n\n{why}\n" + "\n".join(f"- {plain(x)}" for x in reasons)
                                                       if reasons else ""),
            icon={Verdict.improved: ":material/trending_down:" if r.effect and r.effect < 0 else
                  ":material/trending_up:", Verdict.worsened: ":material/warning:"}.get(r.verdict, ":material/help:"))
        cols = st.columns([1.1, 1.5, 0.9, 1, 1.1])
        # The unit goes in the label: "+0.7 points" was cut to "+0.7 po…" in a fifth of 820 px.
        effect, interval = change_amount(r.metric, r.effect), interval_amount(r)
        cols[0].metric(plain(f"Effect ({effect.unit})" if effect.unit else "Effect"), effect.number,
                       help="After − before on the changed steps"
                       + (", minus the same change on the comparison steps." if r.design == Design.did else "."))
        name = interval_name(r).capitalize()
        cols[1].metric(plain(f"{name} ({interval.unit})" if interval.unit else name), interval.number,
                       help="The effect lies in this range with 95 % confidence"
                            + (" at any look (anytime-valid, wider while the window is open)." if r.interim else "."))
        cols[2].metric("Relative change", relative_text(r), help="The effect over the changed steps' value before.")
        cols[3].metric("Before the change", value_text(r.metric, r.baseline))
        n = r.n_treated_pre + r.n_treated_post
        cols[4].metric("Tickets", f"{n:,}", help=f"On the changed steps: {r.n_treated_pre:,} before, "
                       f"{r.n_treated_post:,} after the change; see the sample sizes below.")
        st.caption(f"{plain(p_phrase(r.p_value))} · analysed {day(r.analysed_at)} on tickets "
                   f"until {day(r.data_until)}"
                   + (f" from '{plain(r.dataset)}' v{r.dataset_version:d}" if r.dataset else "") + f" · window "
                   f"{day(r.pre_start)} – {day(r.post_end)}, change shipped {day(r.shipped)}.")
    _charts(stored, dataset)
    if r is not None:
        _checks(stored)


def _charts(stored: StoredExperiment, dataset: DatasetVersion | None) -> None:
    e, r = stored.experiment, stored.experiment.result
    if dataset is None or e.shipped is None or not ev.has_journey(e.journey):
        return
    series = ev.series_for(dataset, stored)
    if series.empty:
        st.caption("No tickets on these steps in the window, so there is nothing to draw.")
        return
    metric = METRICS[e.metric]
    st.markdown(f"**{metric.label}, week by week**"
                + (" — changed steps against the comparison steps" if e.design == Design.did else ""))
    # Keyed by the experiment's version: a new version (analysed, decided, told) draws new charts instead of
    # swapping their data sets in place, which races with the rerun in the browser ("Unrecognized data set",
    # streamlit/streamlit#11906).
    version = f"{stored.key}_v{stored.version}"
    st.altair_chart(trend_chart(series, e, interim=bool(r and r.interim)), width="stretch", key=f"rv_trend_{version}")
    st.caption("Grey: the before-window; blue: the after-window; dashed line: the day the change shipped. Dot size: "
               "the tickets the week's value rests on. The week the change shipped in mixes before and after and is "
               f"left out. Weekly values from '{plain(dataset.name)}' v{dataset.version}.")
    if r is not None and r.effect is not None and r.ci_low is not None:
        st.altair_chart(effect_chart(r, e), width="stretch", key=f"rv_effect_{version}")


def _checks(stored: StoredExperiment) -> None:
    r = stored.experiment.result
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Sample sizes**")
        st.dataframe(pd.DataFrame(sample_rows(r), columns=["", "Tickets"]), hide_index=True, width="stretch")
        st.markdown("**Pre-trend check**")
        passed = r.pretrend_p is None or r.pretrend_p >= 0.05
        text = pretrend_text(r)
        (st.caption if passed else st.error)(plain(text[0].upper() + text[1:]))
    with right:
        st.markdown("**Guardrails**")
        if r.guardrails:
            st.dataframe(pd.DataFrame([{
                "Metric": METRICS[g.metric].label, "Effect": change_text(g.metric, g.effect),
                "Interval": f"{change_text(g.metric, g.ci_low)} to {change_text(g.metric, g.ci_high)}",
                "Verdict": "got worse" if g.worsened else g.verdict.value} for g in r.guardrails]),
                hide_index=True, width="stretch")
            worse = r.guardrails_worsened
            st.caption(("Got worse: " + ", ".join(METRICS[m].label for m in worse) + ". Weigh it in the decision.")
                       if worse else "No guardrail got worse. “Improved” on a guardrail is judged the catalogue's "
                       "way (e.g. higher CSAT, faster resolution).")
        else:
            st.caption("None were set. Guardrails are metrics that must not get worse (CSAT, resolution time …).")
        st.caption(f"Method: {plain(r.method)}")


# --- the decision ----------------------------------------------------------------------------------------------


def decision(stored: StoredExperiment) -> None:
    """The decision record (adopt, roll back, iterate; who, when, why), and promoting a future state."""
    e = stored.experiment
    st.markdown("### Decision")
    if e.decision is not None:
        d = e.decision
        st.markdown(f"**{plain(d.outcome.value.capitalize())}** — decided by {plain(d.by)} on "
                    f"{d.at:%d %b %Y, %H:%M} UTC")
        st.markdown(f"*Why:* {plain(d.why)}")
        if d.outcome == Outcome.adopt:
            _promotion(stored)
        return
    if e.status != Status.analysed:
        st.caption("Decide once the experiment has a final analysis (after its after-window): an interim look "
                   "cannot close an experiment." if e.status == Status.running else "Start and analyse it first.")
        return
    k = f"rv_{stored.key}_v{stored.version}_"
    with st.form(k + "decision", border=True):
        outcome = st.radio("Outcome", [o.value for o in Outcome], key=k + "outcome", horizontal=True,
                           captions=[OUTCOME_HELP[o.value] for o in Outcome])
        st.text_area("Why", key=k + "why", height=90, placeholder="What the numbers, the guardrails and the team's "
                     "judgement say. The next team will read this.")
        if not st.session_state.get(k + "by"):  # the name given since the form first showed, not a stale blank
            st.session_state[k + "by"] = author()
        st.text_input("Decided by", key=k + "by")
        st.form_submit_button("Record the decision", type="primary", icon=":material/gavel:", on_click=_decide,
                              args=(stored.key, k))
    if outcome:
        st.caption(f"Recording it closes {stored.key}; it cannot be reopened (iterate starts a new experiment).")


def _decide(key: str, k: str) -> None:
    why = (st.session_state.get(k + "why") or "").strip()
    outcome = st.session_state.get(k + "outcome")
    if not why:
        st.session_state[PROBLEMS] = ("Say why: the decision record needs the reason.", [])
        return
    commit(key, Action("decide", f"record the decision: {outcome}", outcome=outcome,
                             by=(st.session_state.get(k + "by") or "").strip(), why=why))


def _promotion(stored: StoredExperiment) -> None:
    journey = stored.experiment.journey
    if not ev.has_journey(journey):
        return
    futures = improve.future_states(ws(), journey)
    if not futures:
        return
    with st.expander("Make the future-state journey the current one", icon=":material/upgrade:"):
        future = st.selectbox("Future state", futures, key=f"rv_future_{stored.key}") if len(futures) > 1 \
            else futures[0]
        try:
            p = improve.promotable(ws(), journey, future)
        except JourneysError as error:
            st.caption(plain(error.message))
            return
        if p.summary == "no changes":
            st.caption(f"'{plain(journey)}' already matches '{plain(future)}'.")
            return
        st.markdown(f"Saves the content of **{plain(future)}** (version {p.future_version:d}) as version "
                    f"{p.current_version + 1:d} of **{plain(journey)}**: {plain(p.summary)}.")
        if p.removed_steps:
            st.warning("Steps that disappear from the current journey (mapping rules, pain points and experiments "
                       "naming them will need a look): " + plain(", ".join(p.removed_steps)), icon=":material/warning:")
        sure = st.checkbox(f"I understand: '{plain(journey)}' becomes the future state; earlier versions stay in "
                           "its history.", key=f"rv_promote_ok_{stored.key}_{p.current_version}")
        st.button("Promote to current", key=f"rv_promote_{stored.key}_{p.current_version}", disabled=not sure,
                  icon=":material/upgrade:", on_click=_promote,
                  args=(journey, future, p.current_version, stored.key))


def _promote(journey: str, future: str, version: int, key: str) -> None:
    who = author()
    if not who:
        st.session_state[PROBLEMS] = (NEED_NAME, [])
        return
    try:
        new = improve.promote(ws(), journey, future, who, expected_version=version, reason=f"{key} adopted")
    except StaleWrite as refusal:
        st.session_state[PROBLEMS] = (
            f"Not promoted: {refusal.saved_by} saved version {refusal.current} of '{journey}' at {refusal.saved_at} "
            f"while you were looking at version {refusal.expected}. Look at the change again and confirm.", [])
        return
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not promoted: {error.message}", [])
        return
    st.session_state[SAVED] = f"'{journey}' is now version {new}: the future state '{future}'"


# --- close the loop --------------------------------------------------------------------------------------------


def close_the_loop(stored: StoredExperiment) -> None:
    """Who was told what, when, how; and a form to log the next one."""
    e = stored.experiment
    st.markdown("### Close the loop")
    if e.status == Status.decided and not told_after_decision(e):
        st.warning(f"Loop still open: nobody has been told since the decision on {day(e.decision.at)}.",
                   icon=":material/campaign:")
    if e.loop:
        st.dataframe(pd.DataFrame([{
            "When": t.on, "Audience": t.audience.value + (f": {t.segment}" if t.segment else ""),
            "Channel": t.channel, "Message": t.message, "By": t.by, "Evidence": t.evidence_link or None}
            for t in e.loop]), hide_index=True, width="stretch", key=f"rv_loop_{stored.key}", column_config={
                "When": st.column_config.DateColumn(format="D MMM YYYY", width=90),
                "Audience": st.column_config.TextColumn(width=90), "Channel": st.column_config.TextColumn(width=90),
                "Evidence": st.column_config.LinkColumn(display_text="Open", width=60)})
    else:
        st.caption("Nobody has been told yet.")
    k = f"rv_{stored.key}_v{stored.version}_log_"
    with st.form(k + "form", border=True, clear_on_submit=False):
        st.markdown("**Log who was told**")
        a, c = st.columns(2)  # three across cut the date and the channel's example in half of 820 px
        a.selectbox("Audience", [x.value for x in Audience], key=k + "audience")
        c.date_input("On", value=datetime.now(UTC).date(), key=k + "on", format="YYYY-MM-DD")
        st.text_input("Channel", key=k + "channel", placeholder="email, in-app, all-hands…")
        st.text_input("Segment (when the audience is a segment)", key=k + "segment",
                      placeholder="e.g. customers who reopened a credit-note ticket")
        st.text_area("Message", key=k + "message", height=70, placeholder="What they were told, in a sentence or two")
        st.text_input("Link to the evidence", key=k + "link", placeholder="https://… (the email, the post, the slides)")
        st.form_submit_button("Log it", type="primary", icon=":material/campaign:", on_click=_log,
                              args=(stored.key, k))


def _log(key: str, k: str) -> None:
    entry = {"audience": st.session_state.get(k + "audience"), "channel": (st.session_state.get(k + "channel") or
                                                                          "").strip(),
             "message": (st.session_state.get(k + "message") or "").strip(), "on": st.session_state.get(k + "on"),
             "segment": (st.session_state.get(k + "segment") or "").strip(),
             "evidence_link": (st.session_state.get(k + "link") or "").strip(), "by": author()}
    try:
        parse_loop_entry(entry)
    except InvalidJourney as error:
        st.session_state[PROBLEMS] = ("Not logged: the entry is not complete", problem_words(error))
        return
    entry["on"] = entry["on"].isoformat()
    commit(key, Action("log", f"log: told {entry['audience']} via {entry['channel']}", entry=entry))
