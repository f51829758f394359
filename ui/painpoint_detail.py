"""One pain point on the Priorities page: its score and why, evidence then and now, example tickets, quotes,
history, and its editor.

Edits are intents (:class:`~journeys.usecases.prioritise.PainPointEdit`: set these fields, add or remove a
quote) saved through :func:`~journeys.usecases.prioritise.update_painpoint` against the version this session
showed. A colleague's save in the meantime is refused; the edit is kept and the page offers to reload or to
apply it on top (:data:`PAINS`, the one stale-safe flow of :mod:`ui.stale_safe`) — never a silent overwrite.
Text typed by people is shown in tables and widgets, or escaped with :func:`ui.text.plain`.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError
from journeys.metric_format import format_value
from journeys.metrics import METRICS
from journeys.painpoints import Evidence, PainPoint, Status, StoredPainPoint
from journeys.priorities import Ranking, Score
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import prioritise
from journeys.usecases.prioritise import PainPointEdit
from ui import session, stale_safe, tickets_view
from ui.frame import ws
from ui.text import plain

NO_METRIC = ""  # the metric choice "judge by the friction score"
MIN_SAMPLE = 30
FIELD_WORDS = {"title": "Title", "description": "Description", "steps": "Steps", "metric": "Metric",
               "owner": "Owner", "delivery_link": "Delivery link", "tags": "Tags", "effort": "Effort",
               "quotes": "Quotes", "journey": "Journey"}


def problem_words(error: JourneysError) -> list[str]:
    """The model's problems with this page's field names."""
    return session.problem_words(error, FIELD_WORDS)


PAINS: stale_safe.StaleSafe[StoredPainPoint, PainPointEdit] = stale_safe.StaleSafe(
    "pp",
    load=lambda key: ws().painpoints.load(key),
    save=lambda key, seen, edit, who: prioritise.update_painpoint(ws(), key, edit, seen.version, who).version,
    noun=lambda key: key,
    problems=problem_words,
    note="The editor below still shows the version you were looking at.",
)


# --- plain words -----------------------------------------------------------------------------------


def value_words(metric: str, value: float | None, n: int | None = None) -> str:
    """A metric value in its unit (the core's formatter); "too few" below the minimum sample, "no tickets"."""
    if value is None or value != value:
        return "no tickets" if not n else "too few"
    return format_value(metric, value)


def metric_label(metric: str | None) -> str:
    return METRICS[metric].label if metric in METRICS else "Friction score (all metrics)"


def period(start: datetime | None, end: datetime | None) -> str:
    """[start, end) as inclusive dates."""
    if not start or not end:
        return "the whole dataset"
    last = end - pd.Timedelta(microseconds=1)
    return f"{start:%Y-%m-%d} – {last:%Y-%m-%d}"


# --- evidence, cached by content -------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def _now(key: tuple, _dataset: DatasetVersion, journey: str, steps: tuple[str, ...], metrics: tuple[str, ...],
         start: datetime | None, end: datetime | None) -> list[Evidence]:
    return prioritise.evidence_now(ws(), _dataset, journey, steps, metrics, start, end)


@st.cache_data(max_entries=64, show_spinner=False)
def _examples(key: tuple, _dataset: DatasetVersion, journey: str, ids: tuple[str, ...]) -> pd.DataFrame:
    return prioritise.example_rows(ws(), _dataset, journey, ids)


def evidence_frame(pain: PainPoint, score: Score, now: list[Evidence], labels: dict[str, str]) -> pd.DataFrame:
    """Then (frozen at write-up) beside now (the scoring window), per step and metric, with sample sizes."""
    then = {(e.step, e.metric): e for e in pain.evidence}
    today = {(e.step, e.metric): e for e in now}
    rows = []
    for step in pain.steps:
        for m in prioritise.judged_metrics(pain, score):
            old, new = then.get((step, m)), today.get((step, m))
            if old is None and new is None:
                continue
            rows.append({
                "Step": labels.get(step, step), "Metric": METRICS[m].label,
                "Then": value_words(m, old.value, old.n) if old else "not captured",
                "Journey then": value_words(m, old.baseline) if old and old.baseline is not None else "",
                "n then": old.n if old else None,
                "Now": value_words(m, new.value, new.n) if new else "",
                "Journey now": value_words(m, new.baseline) if new and new.baseline is not None else "",
                "n now": new.n if new else None})
    frame = pd.DataFrame(rows)
    return frame.drop(columns="Step") if len(pain.steps) == 1 and len(frame) else frame


# --- the panel -------------------------------------------------------------------------------------


def detail(ranking: Ranking, key: str, labels: dict[str, str], dataset: DatasetVersion | None) -> None:
    """The selected pain point: its score and why, evidence then and now, example tickets, quotes, editor."""
    score = next(s for s in ranking.scores if s.key == key)
    moved = ranking.moves[key].words()
    stored = PAINS.shown(key)
    p = stored.pain
    st.subheader(f"{plain(key)} · {plain(p.title)}", anchor="pain-point")
    where = ", ".join(labels.get(s, s) for s in p.steps) or "no step"
    st.caption(plain(f"{p.journey} · {where} · {p.status.value} · owner {p.owner or 'not set'} · source "
                     f"{p.source.value} · version {stored.version} saved by {stored.updated_by} on "
                     f"{stored.updated_at:%d %b %Y %H:%M} UTC")
               + (f" · tags: {plain(', '.join(p.tags))}" if p.tags else ""))
    cols = st.columns(6)
    cols[0].metric("Rank", f"#{score.rank}", help="Change since the last review: " + plain(moved or "none"))
    cols[1].metric("Score", f"{score.score:,.1f}")
    cols[2].metric("Reach / month", f"{score.reach:,.0f}")
    cols[3].metric("Impact", f"{score.impact:.2f}")
    cols[4].metric("Confidence", f"{score.confidence:.2f}")
    cols[5].metric("Effort", f"{score.effort:g} pw", delta=None if score.effort_estimated else "not estimated",
                   delta_color="off", delta_arrow="off",
                   help=None if score.effort_estimated else "The workspace's default until someone estimates it.")
    name, version = ranking.dataset, ranking.dataset_version
    if name is None or version is None:
        st.caption("No ticket data, so reach, impact and confidence are 0.")
    elif not score.tickets:
        st.caption(f"No tickets on its steps in the scoring window ({period(score.start, score.end)}), so it "
                   "scores 0. Check the mapping rules, or the steps it names.")
    else:
        st.caption(f"{plain(score.explain())}. Scored on '{plain(name)}' v{version:d}, "
                   f"{period(score.start, score.end)}.")
    if p.delivery_link:  # validated as an http(s) address when saved; shown as a button, never as Markdown
        st.link_button("Open the delivery issue", p.delivery_link, icon=":material/open_in_new:",
                       help=plain(p.delivery_link))
    left, right = st.columns([1.6, 1], gap="large")
    with left:
        _evidence(p, score, labels, dataset)
        quotes(stored)
        _history(key)
    with right:
        editor(stored, labels)


def _evidence(p: PainPoint, score: Score, labels: dict[str, str], dataset: DatasetVersion | None) -> None:
    st.markdown("**Evidence: then and now**")
    known = p.journey in ws().journeys.names()
    now: list[Evidence] = []
    if dataset is not None and known:
        now = _now(tickets_view.key(dataset, p.journey), dataset, p.journey, tuple(p.steps),
                   prioritise.judged_metrics(p, score), score.start, score.end)
    frame = evidence_frame(p, score, now, labels)
    if frame.empty:
        st.caption("No evidence yet: no numbers were frozen when it was written up, and there are no tickets on "
                   "its steps to measure now.")
    else:
        st.dataframe(frame, hide_index=True, width="stretch", key=f"pp_evidence_{score.key}", column_config={
            "n then": st.column_config.NumberColumn(format="localized", help="Tickets the value rests on."),
            "n now": st.column_config.NumberColumn(format="localized", help="Tickets the value rests on."),
            "Journey then": st.column_config.TextColumn(help="The journey's value over the same tickets' period."),
            "Journey now": st.column_config.TextColumn(help="The journey's value in the scoring window.")})
        frozen = p.evidence[0] if p.evidence else None
        then = (f"Then: frozen when written up, {period(frozen.start, frozen.end)} of '{plain(frozen.dataset)}' "
                f"v{frozen.dataset_version:d}." if frozen else "Then: nothing was frozen when it was written up.")
        st.caption(f"{then} Now: the scoring window, {period(score.start, score.end)}. 'Journey' is the value over "
                   f"all the journey's steps in the same period; fewer than {MIN_SAMPLE:,} tickets count as too few.")
    if p.example_tickets:
        st.markdown(f"**Example tickets ({len(p.example_tickets)})**")
        found = pd.DataFrame()
        if dataset is not None and known:
            found = _examples(tickets_view.key(dataset, p.journey), dataset, p.journey, tuple(p.example_tickets))
        if found.empty:
            st.dataframe(pd.DataFrame({"ticket_id": p.example_tickets}), hide_index=True, width="stretch")
            st.caption("Not in the dataset scored against, so only their ids are shown.")
        else:
            missing = [t for t in p.example_tickets if t not in set(found["ticket_id"].astype(str))]
            shown_ids = pd.concat([found, pd.DataFrame({"ticket_id": missing})], ignore_index=True)
            st.dataframe(shown_ids, hide_index=True, width="stretch", key=f"pp_examples_{score.key}", column_config={
                "ticket_id": st.column_config.TextColumn("Ticket", width=90),
                "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="D MMM YYYY, HH:mm", width=140),
                "channel": st.column_config.TextColumn("Channel", width=80),
                "subject": st.column_config.TextColumn("Subject")})


def _history(key: str) -> None:
    revisions = ws().painpoints.history(key)
    with st.expander(f"History ({len(revisions)} version{'s' if len(revisions) != 1 else ''})",
                     icon=":material/history:"):
        st.dataframe(pd.DataFrame([{"Version": r.version, "Saved by": r.author, "Saved at (UTC)": r.created_at,
                                    "What changed": r.message} for r in revisions]),
                     hide_index=True, width="stretch", column_config={
                         "Saved at (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})


# --- editing ---------------------------------------------------------------------------------------


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _save_form(key: str, version: int) -> None:
    """Only the fields this person changed, so applying the edit on a colleague's newer version keeps theirs."""
    k = f"pp_{key}_v{version}_"
    state = st.session_state
    effort = state[k + "effort"]
    after = {"title": state[k + "title"].strip(), "status": state[k + "status"], "owner": state[k + "owner"].strip(),
             "effort": None if effort is None else float(effort), "steps": list(state[k + "steps"]),
             "metric": state[k + "metric"] or None, "delivery_link": state[k + "link"].strip(),
             "tags": _tags(state[k + "tags"]), "description": state[k + "description"]}
    before = PAINS.seen(key).pain.model_dump(mode="json")
    changed = {f: v for f, v in after.items() if before.get(f) != v}
    if not changed:
        state[PAINS.key("saved")] = "Nothing to save: the pain point is unchanged"
        return
    words = {"delivery_link": "delivery link", "effort": "effort"}
    message = (state.get(k + "why") or "").strip() or "Changed " + ", ".join(
        words.get(f, f) + (f" to {v:g} pw" if f == "effort" and v else "") for f, v in changed.items())
    PAINS.commit(key, PainPointEdit(tuple(changed.items()), message=message))


def editor(stored: StoredPainPoint, labels: dict[str, str]) -> None:
    """The pain point's fields in one form; saving writes a new version on top of the one shown."""
    p, k = stored.pain, f"pp_{stored.key}_v{stored.version}_"
    steps = list(labels) + [s for s in p.steps if s not in labels]
    metrics = [NO_METRIC, *[m for m in METRICS if m != "contact_rate"]]
    with st.form(k + "form", border=True):
        st.markdown("**Edit**")
        st.text_input("Title", value=p.title, key=k + "title", max_chars=200)
        a, b = st.columns(2)
        a.selectbox("Status", [s.value for s in Status], index=list(Status).index(p.status), key=k + "status")
        b.number_input("Effort (person-weeks)", min_value=0.01, max_value=1000.0, step=0.5,
                       value=None if p.effort is None else max(p.effort, 0.01),
                       key=k + "effort", placeholder="not estimated",
                       help="The team's estimate of the work to fix it. Empty: not estimated yet.")
        a.text_input("Owner", value=p.owner, key=k + "owner", placeholder="e.g. Billing squad")
        b.selectbox("Metric that shows the pain", metrics, index=metrics.index(p.metric or NO_METRIC),
                    key=k + "metric", format_func=metric_label)
        st.multiselect("Steps", steps, default=p.steps, key=k + "steps",
                       format_func=lambda s: labels.get(s, f"{s} (no longer on the journey)"))
        st.text_input("Delivery link", value=p.delivery_link, key=k + "link",
                      placeholder="https://… (the Jira, Linear or GitHub issue)")
        st.text_input("Tags", value=", ".join(p.tags), key=k + "tags", placeholder="comma-separated, e.g. billing, q3")
        st.text_area("Description", value=p.description, key=k + "description", height=110)
        st.text_input("What changed (saved in the history)", key=k + "why", placeholder="optional")
        st.form_submit_button("Save changes", type="primary", icon=":material/save:", width="stretch",
                              on_click=_save_form, args=(stored.key, stored.version))


def _add_quote(key: str, version: int) -> None:
    text = (st.session_state.get(f"pp_{key}_v{version}_new_quote") or "").strip()
    if not text:
        st.session_state[PAINS.key("problems")] = ("Type the customer's words first.", [])
        return
    PAINS.commit(key, PainPointEdit(add_quote=text, message=f"Added a quote: {text[:60]}"))


def _remove_quote(key: str, quote: str) -> None:
    PAINS.commit(key, PainPointEdit(remove_quote=quote, message=f"Removed a quote: {quote[:60]}"))


def quotes(stored: StoredPainPoint) -> None:
    """Customers' own words: shown as text, added and removed one at a time (each a new version)."""
    st.markdown(f"**Customer quotes ({len(stored.pain.quotes)})**")
    for i, quote in enumerate(stored.pain.quotes):
        text, remove = st.columns([8, 1], vertical_alignment="center")
        text.markdown(f"“{plain(quote)}”")
        remove.button(":material/close:", key=f"pp_{stored.key}_v{stored.version}_rm_{i}", type="tertiary",
                      help="Remove this quote", on_click=_remove_quote, args=(stored.key, quote))
    with st.form(f"pp_{stored.key}_v{stored.version}_quote_form", border=False, clear_on_submit=True):
        st.text_area("Add a quote", key=f"pp_{stored.key}_v{stored.version}_new_quote", height=68,
                     placeholder="What a customer wrote, word for word", label_visibility="collapsed")
        st.form_submit_button("Add quote", icon=":material/format_quote:",
                              on_click=_add_quote, args=(stored.key, stored.version))
