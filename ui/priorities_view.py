"""The Priorities page: pain points ranked from the team's own tickets, their evidence, and editing them safely.

Why it is built this way:

- **Cached by content.** The ranking is keyed by (database, workspace, dataset name + version, every
  pain point's (key, version), the weights' version, the last review's version, and the version of
  each journey and its mapping rules). Stored versions never change, so a rerun that changes nothing
  never rescores, and any save anywhere names a new key — nothing needs clearing.
- **Edits are intents** (:class:`PainEdit`: set these fields, add or remove a quote) applied to the
  version this session showed and saved against it. When a colleague saved in the meantime the store
  refuses (:class:`~journeys.errors.StaleWrite`); the edit is kept, the page says who saved and when,
  and offers to reload or to apply the same edit on top — never a silent overwrite (as on Mapping rules).
- **Text typed by people** (titles, descriptions, owners, quotes, tags) is shown in tables, widgets, or
  escaped with :func:`ui.text.plain`; it is never read as Markdown or HTML.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from journeys.charts import priorities as charts
from journeys.errors import JourneysError, StaleWrite
from journeys.evidence import CONTEXT_METRICS, capture, example_ids, ranked_csv, ranked_frame, ranked_markdown
from journeys.friction import better_than_journey
from journeys.metrics import METRICS, metric_words
from journeys.painpoints import Evidence, PainPoint, PainPoints, Source, Status, StoredPainPoint, parse_painpoint
from journeys.priorities import (
    Ranking,
    Score,
    ScoringWeights,
    data_window,
    last_ranking_review,
    load_weights,
    mark_ranking_reviewed,
    save_weights,
    workspace_ranking,
)
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import DatasetVersion
from ui import session, tickets_view
from ui.frame import author, settings, store, workspace
from ui.text import plain

SELECTED = "pp_selected"  # the pain point shown in the detail panel
SEEN = "pp_seen"  # {(workspace, key): StoredPainPoint shown} — edits are based on it
PENDING = "pp_pending"  # PendingPainEdit refused as stale
PROBLEMS = "pp_problems"  # (headline, [reasons]) from the last attempted change
SAVED = "pp_saved"  # toast text after a save
NO_METRIC = ""  # the metric choice "judge by the friction score"
NO_OWNER = "(no owner)"
MIN_SAMPLE = 30
SORTS = {"Rank (score)": ("_score", False), "Reach": ("_reach", False), "Impact": ("Impact", False),
         "Confidence": ("Confidence", False), "Effort (smallest first)": ("_effort", True),
         "Moved since the review": ("_moved", False), "Key": ("_number", True)}
COMPONENTS = (
    ("Reach", "tickets per month on the pain point's steps, over the last {days} days of ticket data."),
    ("Impact", "how much worse than the journey those steps are on the pain point's metric: 0.5 means 50 % "
               "worse, 3 (the cap) four times as bad; better than the journey counts as 0."),
    ("Confidence", "0 to 1: more tickets behind the number, and a gap that shows up week after week rather "
                   "than once, mean more confidence."),
    ("Effort", "person-weeks to fix it, as the team estimates; {default:g} until someone does."),
)


# --- the ranking, cached by content ----------------------------------------------------------------


@dataclass(frozen=True)
class RankingView:
    """The ranking plus what the page needs around it (stages and step labels of each journey)."""

    ranking: Ranking
    stages: dict[str, tuple[str, ...]]  # pain point key → stages of its steps, in journey order
    labels: dict[str, dict[str, str]]  # journey → step id → label
    stage_order: list[str]
    key: tuple  # the content key it was computed for


def content_key(dataset: DatasetVersion | None) -> tuple:
    """Everything the ranking depends on, by version: cheap reads, once per rerun."""
    pains = PainPoints(store()).list(workspace())
    _, weights_version = load_weights(store(), workspace())
    review = last_ranking_review(store(), workspace())
    known = {s.name: s.version for s in store().list_journeys(workspace())}
    rules = TicketStore(store())
    journeys = tuple((j, known.get(j), rules.load_rules(workspace(), j).version if j in known else None)
                     for j in sorted({p.pain.journey for p in pains}))
    return (settings().database_url, workspace(), dataset.name if dataset else None,
            dataset.version if dataset else None, tuple((p.key, p.version) for p in pains), weights_version,
            review.version if review else 0, journeys)


@st.cache_data(max_entries=16, show_spinner="Scoring the pain points…")
def _ranking(key: tuple, dataset_name: str | None) -> RankingView:
    ranking = workspace_ranking(store(), settings().home, workspace(), tickets_view._engine(), dataset_name)
    labels: dict[str, dict[str, str]] = {}
    stages: dict[str, tuple[str, ...]] = {}
    order: list[str] = []
    known = {s.name for s in store().list_journeys(workspace())}
    for name in sorted({p.pain.journey for p in ranking.pains.values()} & known):
        journey = store().load(workspace(), name).journey
        labels[name] = {s.id: s.label for s in journey.steps}
        order += [s for s in journey.stages if s not in order]
        step_stage = {s.id: s.stage for s in journey.steps}
        for p in ranking.pains.values():
            if p.pain.journey == name:
                found = {step_stage[s] for s in p.pain.steps if s in step_stage}
                stages[p.key] = tuple(s for s in journey.stages if s in found)
    return RankingView(ranking, stages, labels, order, key)


def ranking(dataset: DatasetVersion | None) -> RankingView:
    """The workspace's ranking against a dataset, recomputed only when something it depends on changed."""
    return _ranking(content_key(dataset), dataset.name if dataset else None)


def pick_dataset(available: Sequence[DatasetVersion]) -> DatasetVersion | None:
    """The dataset to score against: the latest import unless the manager picks another."""
    if not available:
        return None
    newest = max(available, key=lambda d: d.created_at)
    if len(available) == 1:
        return newest
    names = [d.name for d in available]
    chosen = st.selectbox("Score against the ticket dataset", names, index=names.index(newest.name),
                          key="pp_dataset", help="Reach, impact and confidence come from this dataset's tickets.")
    return next(d for d in available if d.name == chosen)


# --- plain words -----------------------------------------------------------------------------------


def show_value(metric: str, value: float | None, n: int | None = None) -> str:
    """A metric value in its unit: "45%", "2,088 min", "1,839"; "too few" below the minimum sample."""
    if value is None or value != value:
        return "no tickets" if not n else "too few"
    unit = METRICS[metric].unit
    if unit == "%":
        return f"{value:.0%}"
    if unit == "minutes":
        return f"{value:,.0f} min"
    if unit == "tickets":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def effort_text(score: Score) -> str:
    return f"{score.effort:g} pw" + ("" if score.effort_estimated else " · not estimated")


def metric_label(metric: str | None) -> str:
    return METRICS[metric].label if metric in METRICS else "Friction score (all metrics)"


def period(start: datetime | None, end: datetime | None) -> str:
    """[start, end) as inclusive dates."""
    if not start or not end:
        return "the whole dataset"
    last = end - pd.Timedelta(microseconds=1)
    return f"{start:%Y-%m-%d} – {last:%Y-%m-%d}"


def _number(key: str) -> int:
    tail = key.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _moved(change: str) -> int:
    """"▲ 2" → 2, "▼ 1" → 1, "new" → 0: how far a pain point moved since the review."""
    parts = change.split()
    return int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else 0


# --- the ranked table, its filters, the chart ------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    journeys: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sort: str = "Rank (score)"


def filters(view: RankingView) -> Filters:
    """Journey, stage, owner and status pickers (empty = all) and the sort order."""
    pains = view.ranking.pains.values()
    journeys = sorted({p.pain.journey for p in pains})
    stages = [s for s in view.stage_order if any(s in found for found in view.stages.values())]
    owners = sorted({p.pain.owner or NO_OWNER for p in pains}, key=lambda o: (o == NO_OWNER, o.lower()))
    cols = st.columns([1.2, 1.2, 1.1, 1.3, 1])
    return Filters(
        tuple(cols[0].multiselect("Journey", journeys, key="pp_f_journey", placeholder="All journeys")),
        tuple(cols[1].multiselect("Stage", stages, key="pp_f_stage", placeholder="All stages")),
        tuple(cols[2].multiselect("Owner", owners, key="pp_f_owner", placeholder="Anyone")),
        tuple(cols[3].multiselect("Status", [s.value for s in Status], key="pp_f_status",
                                  placeholder="Any status")),
        cols[4].selectbox("Sort by", list(SORTS), key="pp_sort"))


def table_frame(view: RankingView, chosen: Filters) -> pd.DataFrame:
    """One row per pain point that passes the filters, sorted; helper columns start with an underscore."""
    r = view.ranking
    rows = []
    for s in r.scores:
        p = r.pains[s.key].pain
        stages = view.stages.get(s.key, ())
        if chosen.journeys and p.journey not in chosen.journeys:
            continue
        if chosen.stages and not set(stages) & set(chosen.stages):
            continue
        if chosen.owners and (p.owner or NO_OWNER) not in chosen.owners:
            continue
        if chosen.statuses and p.status.value not in chosen.statuses:
            continue
        change = r.changes.get(s.key, "")
        rows.append({"Rank": s.rank, "Change": change, "Key": s.key, "Pain point": p.title, "Journey": p.journey,
                     "Status": p.status.value, "Owner": p.owner, "Score": s.score,
                     "Reach / month": round(s.reach), "Impact": round(s.impact, 2),
                     "Confidence": round(s.confidence, 2), "Effort": effort_text(s),
                     "_score": s.score, "_reach": s.reach, "_effort": s.effort, "_value": s.value,
                     "_moved": _moved(change), "_number": _number(s.key)})
    frame = pd.DataFrame(rows, columns=[*TABLE_COLUMNS, "_score", "_reach", "_effort", "_value", "_moved",
                                        "_number"])
    column, ascending = SORTS.get(chosen.sort, SORTS["Rank (score)"])
    return frame.sort_values([column, "Rank"], ascending=[ascending, True], kind="stable").reset_index(drop=True)


ROW_HEIGHT = 66
TABLE_COLUMNS = ["Rank", "Change", "Key", "Pain point", "Journey", "Status", "Owner", "Score", "Reach / month",
                 "Impact", "Confidence", "Effort"]


def table_key(frame: pd.DataFrame) -> str:
    """The table's widget key changes with its rows' order, so a stale row selection never points elsewhere."""
    return "pp_table_" + hashlib.sha1("|".join(frame["Key"]).encode()).hexdigest()[:10]


def shown_columns(frame: pd.DataFrame) -> list[str]:
    """What fits beside the sidebar at 1280 px with the title whole: impact and confidence are in the pain
    point's own view (and the chart's tooltip); the journey only when the list spans more than one."""
    many = frame["Journey"].nunique() > 1
    return [c for c in TABLE_COLUMNS if c not in ("Impact", "Confidence") and (c != "Journey" or many)]


def ranked_table(frame: pd.DataFrame, key: str) -> None:
    """The ranked list; selecting a row opens that pain point below. Rows are tall enough (over 4 rem) for
    Streamlit to wrap the title on up to three lines instead of cutting it."""
    top = float(max(frame["Score"].max(), 0.01)) if len(frame) else 1.0
    st.dataframe(frame[TABLE_COLUMNS], hide_index=True, width="stretch", key=key, on_select="rerun",
                 column_order=shown_columns(frame), row_height=ROW_HEIGHT,
                 selection_mode="single-row", height="content" if len(frame) <= 12 else 740, column_config={
                     "Rank": st.column_config.NumberColumn("Rank", width=42),
                     "Change": st.column_config.TextColumn(
                         "Change", width=54, help="Places moved since the last review (▲ up, ▼ down); "
                                                  "'new' was written up since."),
                     "Key": st.column_config.TextColumn("Key", width=48),
                     "Pain point": st.column_config.TextColumn("Pain point", width=200),
                     "Journey": st.column_config.TextColumn("Journey", width=100),
                     "Status": st.column_config.TextColumn("Status", width=98),
                     "Owner": st.column_config.TextColumn("Owner", width=100),
                     "Score": st.column_config.ProgressColumn("Score", min_value=0.0, max_value=top,
                                                              format="%.1f", width=85),
                     "Reach / month": st.column_config.NumberColumn(
                         "Reach/mo", format="localized", width=70, help="Tickets per month on its steps."),
                     "Impact": st.column_config.NumberColumn(
                         "Impact", format="%.2f", width=55, help="How much worse than the journey: 0.5 = 50 % worse."),
                     "Confidence": st.column_config.NumberColumn("Confid.", format="%.2f", width=55,
                                                                 help="Confidence, 0–1: sample size × steadiness."),
                     "Effort": st.column_config.TextColumn("Effort", width=82, help="Person-weeks (pw) to fix."),
                 })


def value_effort_chart(frame: pd.DataFrame, selected: str | None) -> alt.LayerChart:
    """The page's rows as the value × effort chart wants them."""
    return charts.value_effort_chart(pd.DataFrame({
        "key": frame["Key"], "title": frame["Pain point"], "status": frame["Status"], "effort": frame["_effort"],
        "value": frame["_value"], "reach": frame["_reach"], "score": frame["_score"],
        "selected": frame["Key"] == selected}))


def chart_pick(event: Any) -> str | None:
    points = ((event or {}).get("selection") or {}).get("pick") or []
    return points[0].get("key") if points and isinstance(points[0], dict) else None


def selected_key(view: RankingView, frame: pd.DataFrame, key: str) -> str | None:
    """The pain point to show: the latest of a ``?painpoint=`` link, a table row or a chart click."""
    keys = [s.key for s in view.ranking.scores]
    state = st.session_state
    link = st.query_params.get("painpoint")
    if link and link != state.get("pp_link"):
        state["pp_link"] = link
        if link in keys:
            state[SELECTED] = link
        else:
            st.warning(f"There is no pain point '{plain(link)}' in this workspace; showing the top of the list.",
                       icon=":material/link_off:")
    rows = list(((state.get(key) or {}).get("selection") or {}).get("rows") or [])
    if rows != state.get("pp_table_last"):
        state["pp_table_last"] = rows
        if rows and rows[0] < len(frame):
            state[SELECTED] = frame["Key"].iloc[rows[0]]
    clicked = chart_pick(state.get("pp_chart"))
    if clicked != state.get("pp_chart_last"):
        state["pp_chart_last"] = clicked
        if clicked in keys:
            state[SELECTED] = clicked
    chosen = state.get(SELECTED)
    if chosen not in keys:
        chosen = frame["Key"].iloc[0] if len(frame) else (keys[0] if keys else None)
    state[SELECTED] = chosen
    if chosen and st.query_params.get("painpoint") != chosen:
        st.query_params["painpoint"] = chosen
        state["pp_link"] = chosen
    return chosen


# --- how the score works, weights, review, exports -------------------------------------------------


def how_scored(view: RankingView) -> None:
    """The formula with this workspace's weights and what each part means, in plain words."""
    w = view.ranking.weights
    with st.container(border=True):
        st.markdown(f"**How the score is worked out:** {plain(w.formula())}")
        st.markdown("\n".join(f"- **{name}**: " + plain(text.format(days=w.window_days, default=w.default_effort))
                              for name, text in COMPONENTS))
        st.caption("Reach multiplies, so a problem many customers hit outranks a rare, severe one unless the "
                   "rare one is much cheaper to fix. Open a pain point below to see each number behind its score.")


def weights_editor(view: RankingView) -> None:
    """The workspace's weights (exponents of the product), saved against the version shown."""
    w, version = view.ranking.weights, view.ranking.weights_version
    k = f"pp_w{version}_"
    with st.expander("Scoring weights", icon=":material/tune:"):
        st.caption("Each weight is the power its part is raised to: 1 counts it as is, 0 ignores it, 2 counts it "
                   "twice as strongly. They apply to every pain point of this workspace."
                   + (f" Version {version:d}." if version else " Defaults, never changed."))
        with st.form(k + "form", border=False):
            cols = st.columns(4)
            for col, name in zip(cols, ("reach", "impact", "confidence", "effort"), strict=True):
                col.number_input(f"{name.capitalize()} weight", min_value=0.0, max_value=3.0, step=0.25,
                                 value=float(getattr(w, name)), key=k + name, format="%.2f")
            left, right, _ = st.columns([1, 1, 2])
            left.number_input("Effort until estimated (person-weeks)", min_value=0.01, max_value=1000.0, step=0.5,
                              value=max(float(w.default_effort), 0.01), key=k + "default_effort")
            right.number_input("Scoring window (days of data)", min_value=7, max_value=730, step=1,
                               value=int(w.window_days), key=k + "window_days")
            st.form_submit_button("Save weights", icon=":material/save:", on_click=_save_weights,
                                  args=(w, version))


def _save_weights(shown: ScoringWeights, version: int) -> None:
    who = author()
    if not who:
        st.session_state[PROBLEMS] = ("Tell us your name in the sidebar first: it is recorded on every save.", [])
        return
    k = f"pp_w{version}_"
    try:
        weights = ScoringWeights(
            **{n: float(st.session_state[k + n]) for n in ("reach", "impact", "confidence", "effort",
                                                            "default_effort")},
            window_days=int(st.session_state[k + "window_days"]), cap=shown.cap)
        new = save_weights(store(), workspace(), weights, who, expected_version=version)
    except StaleWrite as refusal:
        st.session_state[PROBLEMS] = (
            f"Weights not saved: {refusal.saved_by} saved version {refusal.current} of the scoring weights at "
            f"{refusal.saved_at} while you were looking at version {refusal.expected}. The form now shows "
            "their weights; set yours again if you still want them.", [])
        return
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Weights not saved: {error.message}", [])
        return
    st.session_state[SAVED] = f"Saved scoring weights version {new}: {weights.formula()}"


def review_box(view: RankingView) -> None:
    """Who last reviewed the ranking and when; marking it reviewed makes the next visit show what moved."""
    review = view.ranking.review
    with st.container(border=True):
        if review:
            st.markdown(f"**Last reviewed by {plain(review.reviewed_by)}** on {review.reviewed_at:%d %b %Y, %H:%M} UTC")
            moved = sum(1 for c in view.ranking.changes.values() if c)
            st.caption(f"{moved} pain point(s) moved or are new since then (the Change column)." if moved else
                       "Nothing moved since then.")
        else:
            st.markdown("**Not reviewed yet**")
            st.caption("Mark the ranking reviewed after a prioritisation meeting; the Change column then shows "
                       "what moved since.")
        st.button("Mark ranking reviewed", key="pp_mark_reviewed", icon=":material/task_alt:", width="stretch",
                  on_click=_mark_reviewed, args=(view.ranking.scores,),
                  help="Records today's ranking with your name and the time.")


def _mark_reviewed(scores: Sequence[Score]) -> None:
    who = author()
    if not who:
        st.session_state[PROBLEMS] = ("Tell us your name in the sidebar first: it is recorded on every save.", [])
        return
    try:
        mark_ranking_reviewed(store(), workspace(), scores, who)
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not recorded: {error.message}", [])
        return
    st.session_state[SAVED] = f"Ranking marked reviewed by {who}"


def exports(view: RankingView, frame: pd.DataFrame) -> None:
    """The listed pain points (filters applied) in rank order, as CSV and as a Markdown leadership update."""
    r = view.ranking
    keys = set(frame["Key"])
    scores = [s for s in r.scores if s.key in keys]
    stem = f"priorities-{workspace()}".replace(" ", "-")
    left, right = st.columns(2)
    left.download_button(f"CSV ({len(scores)})", key="pp_csv", icon=":material/download:", mime="text/csv",
                         file_name=f"{stem}.csv", width="stretch",
                         data=lambda: ranked_csv(ranked_frame(scores, r.pains, r.changes)),
                         help="Every pain point listed, in rank order, with its score components.")
    right.download_button("Markdown", key="pp_markdown", icon=":material/description:", mime="text/markdown",
                          file_name=f"{stem}.md", width="stretch",
                          data=lambda: ranked_markdown(scores, r.pains, workspace=workspace(),
                                                       formula=r.weights.formula(), changes=r.changes),
                          help="The top ten listed, why each ranks where it does, and who owns it: for a "
                               "leadership update.")


# --- editing: intents saved against the version shown ----------------------------------------------


@dataclass(frozen=True)
class PainEdit:
    """One change to a pain point, kept as intent so it can be re-applied on a newer version."""

    message: str
    fields: tuple[tuple[str, Any], ...] = ()
    add_quote: str = ""
    remove_quote: str = ""

    def apply(self, pain: PainPoint) -> PainPoint:
        data = pain.model_dump(mode="json") | dict(self.fields)
        if self.add_quote:
            data["quotes"] = [*data["quotes"], self.add_quote]
        if self.remove_quote and self.remove_quote in data["quotes"]:
            data["quotes"].remove(self.remove_quote)
        return parse_painpoint(data)


@dataclass
class PendingPainEdit:
    key: str
    edit: PainEdit
    refusal: StaleWrite


def shown(key: str) -> StoredPainPoint:
    """The latest version, remembered as the one edits are based on; held while a stale save waits."""
    seen = st.session_state.setdefault(SEEN, {})
    pending: PendingPainEdit | None = st.session_state.get(PENDING)
    if (workspace(), key) not in seen or not (pending and pending.key == key):
        seen[(workspace(), key)] = PainPoints(store()).load(workspace(), key)
    return seen[(workspace(), key)]


def commit(key: str, edit: PainEdit) -> bool:
    """Apply an edit to the version this session saw and save it; a stale save waits for a decision."""
    who = author()
    if not who:
        st.session_state[PROBLEMS] = ("Tell us your name in the sidebar first: it is recorded on every save.", [])
        return False
    seen: StoredPainPoint = st.session_state.setdefault(SEEN, {}).get((workspace(), key)) or \
        PainPoints(store()).load(workspace(), key)
    try:
        version = PainPoints(store()).save(workspace(), key, edit.apply(seen.pain), who,
                                           expected_version=seen.version, message=edit.message)
    except StaleWrite as refusal:
        st.session_state[PENDING] = PendingPainEdit(key, edit, refusal)
        return False
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not saved: {error.message}", problem_words(error))
        return False
    st.session_state[SEEN].pop((workspace(), key), None)
    st.session_state[SAVED] = f"Saved {key} version {version}: {edit.message}"
    return True


def _apply_on_top() -> None:
    pending: PendingPainEdit = st.session_state.pop(PENDING)
    st.session_state.setdefault(SEEN, {})[(workspace(), pending.key)] = PainPoints(store()).load(
        workspace(), pending.key)
    commit(pending.key, pending.edit)


def _reload() -> None:
    pending: PendingPainEdit = st.session_state.pop(PENDING)
    st.session_state.get(SEEN, {}).pop((workspace(), pending.key), None)


def show_status() -> None:
    """The last change's outcome: a toast, the problems, or a stale refusal with the choices."""
    session.show_outcome(SAVED, PROBLEMS)
    pending: PendingPainEdit | None = st.session_state.get(PENDING)
    if pending:
        r = pending.refusal
        with st.container(border=True):
            st.warning(f"**Not saved: {plain(r.saved_by)} saved version {r.current:d} of {pending.key} at "
                       f"{plain(r.saved_at)}** while you were looking at version {r.expected:d}. Your change — "
                       f"*{plain(pending.edit.message)}* — is kept until you choose. The editor below still shows "
                       "the version you were looking at.", icon=":material/front_hand:")
            left, right = st.columns(2)
            left.button(f"Reload version {r.current:d} and drop my change", key="pp_reload", type="primary",
                        on_click=_reload, width="stretch")
            right.button("Apply my change on top of the newer version", key="pp_apply_on_top",
                         on_click=_apply_on_top, width="stretch")


FIELD_WORDS = {"title": "Title", "description": "Description", "steps": "Steps", "metric": "Metric",
               "owner": "Owner", "delivery_link": "Delivery link", "tags": "Tags", "effort": "Effort",
               "quotes": "Quotes", "journey": "Journey"}


def problem_words(error: JourneysError) -> list[str]:
    """The model's problems with this page's field names."""
    return session.problem_words(error, FIELD_WORDS)


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _save_form(key: str, version: int) -> None:
    """Only the fields this person changed, so applying the edit on a colleague's newer version keeps theirs."""
    k = f"pp_{key}_v{version}_"
    seen: StoredPainPoint = st.session_state.get(SEEN, {}).get((workspace(), key)) or \
        PainPoints(store()).load(workspace(), key)
    before = seen.pain.model_dump(mode="json")
    effort = st.session_state[k + "effort"]
    after = {"title": st.session_state[k + "title"].strip(), "status": st.session_state[k + "status"],
             "owner": st.session_state[k + "owner"].strip(), "effort": None if effort is None else float(effort),
             "steps": list(st.session_state[k + "steps"]), "metric": st.session_state[k + "metric"] or None,
             "delivery_link": st.session_state[k + "link"].strip(), "tags": _tags(st.session_state[k + "tags"]),
             "description": st.session_state[k + "description"]}
    changed = {f: v for f, v in after.items() if before.get(f) != v}
    if not changed:
        st.session_state[SAVED] = "Nothing to save: the pain point is unchanged"
        return
    words = {"delivery_link": "delivery link", "effort": "effort"}
    message = (st.session_state.get(k + "why") or "").strip() or "Changed " + ", ".join(
        words.get(f, f) + (f" to {v:g} pw" if f == "effort" and v else "") for f, v in changed.items())
    commit(key, PainEdit(message, tuple(changed.items())))


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
    k = f"pp_{key}_v{version}_new_quote"
    text = (st.session_state.get(k) or "").strip()
    if not text:
        st.session_state[PROBLEMS] = ("Type the customer's words first.", [])
        return
    commit(key, PainEdit(f"Added a quote: {text[:60]}", add_quote=text))


def _remove_quote(key: str, quote: str) -> None:
    commit(key, PainEdit(f"Removed a quote: {quote[:60]}", remove_quote=quote))


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


# --- the detail panel ------------------------------------------------------------------------------


def _mapped(dataset: DatasetVersion, journey: str) -> Any:
    return tickets_view.mapped(dataset, journey).table


@st.cache_data(max_entries=64, show_spinner=False)
def _now(key: tuple, _dataset: DatasetVersion, journey: str, steps: tuple[str, ...], metrics: tuple[str, ...],
         start: datetime | None, end: datetime | None) -> list[Evidence]:
    return capture(_mapped(_dataset, journey), steps, metrics, start=start, end=end, dataset=_dataset.name,
                   dataset_version=_dataset.version)


@st.cache_data(max_entries=64, show_spinner=False)
def _examples(key: tuple, _dataset: DatasetVersion, journey: str, ids: tuple[str, ...]) -> pd.DataFrame:
    t = _mapped(_dataset, journey)
    columns = [c for c in ("ticket_id", "created_at", "channel", "subject") if c in t.columns]
    return t.filter(t.ticket_id.isin(list(ids))).select(*columns).execute()


def evidence_frame(pain: PainPoint, score: Score, now: list[Evidence], labels: dict[str, str]) -> pd.DataFrame:
    """Then (frozen at write-up) beside now (the scoring window), per step and metric, with sample sizes."""
    then = {(e.step, e.metric): e for e in pain.evidence}
    today = {(e.step, e.metric): e for e in now}
    metrics = list(dict.fromkeys([*([pain.metric or score.metric] if (pain.metric or score.metric) else []),
                                  *(e.metric for e in pain.evidence), *CONTEXT_METRICS]))
    rows = []
    for step in pain.steps:
        for m in metrics:
            old, new = then.get((step, m)), today.get((step, m))
            if old is None and new is None:
                continue
            rows.append({
                "Step": labels.get(step, step), "Metric": METRICS[m].label,
                "Then": show_value(m, old.value, old.n) if old else "not captured",
                "Journey then": show_value(m, old.baseline) if old and old.baseline is not None else "",
                "n then": old.n if old else None,
                "Now": show_value(m, new.value, new.n) if new else "",
                "Journey now": show_value(m, new.baseline) if new and new.baseline is not None else "",
                "n now": new.n if new else None})
    frame = pd.DataFrame(rows)
    return frame.drop(columns="Step") if len(pain.steps) == 1 and len(frame) else frame


def detail(view: RankingView, key: str, dataset: DatasetVersion | None) -> None:
    """The selected pain point: its score and why, evidence then and now, example tickets, quotes, editor."""
    r = view.ranking
    score = next(s for s in r.scores if s.key == key)
    stored = shown(key)
    p = stored.pain
    labels = view.labels.get(p.journey, {})
    st.subheader(f"{plain(key)} · {plain(p.title)}", anchor="pain-point")
    where = ", ".join(labels.get(s, s) for s in p.steps) or "no step"
    st.caption(plain(f"{p.journey} · {where} · {p.status.value} · owner {p.owner or 'not set'} · source "
                     f"{p.source.value} · version {stored.version} saved by {stored.updated_by} on "
                     f"{stored.updated_at:%d %b %Y %H:%M} UTC")
               + (f" · tags: {plain(', '.join(p.tags))}" if p.tags else ""))
    cols = st.columns(6)
    change = r.changes.get(key, "")
    cols[0].metric("Rank", f"#{score.rank}", help="Change since the last review: " + plain(change or "none"))
    cols[1].metric("Score", f"{score.score:,.1f}")
    cols[2].metric("Reach / month", f"{score.reach:,.0f}")
    cols[3].metric("Impact", f"{score.impact:.2f}")
    cols[4].metric("Confidence", f"{score.confidence:.2f}")
    cols[5].metric("Effort", f"{score.effort:g} pw", delta=None if score.effort_estimated else "not estimated",
                   delta_color="off", delta_arrow="off",
                   help=None if score.effort_estimated else "The workspace's default until someone estimates it.")
    if r.dataset is None:
        st.caption("No ticket data, so reach, impact and confidence are 0.")
    elif not score.tickets:
        st.caption(f"No tickets on its steps in the scoring window ({period(score.start, score.end)}), so it "
                   "scores 0. Check the mapping rules, or the steps it names.")
    else:
        st.caption(f"{plain(score.explain())}. Scored on '{plain(r.dataset)}' v{r.dataset_version:d}, "
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
    now: list[Evidence] = []
    known = p.journey in {s.name for s in store().list_journeys(workspace())}
    if dataset is not None and known and p.steps and score.start is not None:
        metrics = tuple(dict.fromkeys([*([p.metric or score.metric] if (p.metric or score.metric) else []),
                                       *(e.metric for e in p.evidence), *CONTEXT_METRICS]))
        now = _now(tickets_view.key(dataset, p.journey), dataset, p.journey, tuple(p.steps), metrics,
                   score.start, score.end)
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
    revisions = PainPoints(store()).history(workspace(), key)
    with st.expander(f"History ({len(revisions)} version{'s' if len(revisions) != 1 else ''})",
                     icon=":material/history:"):
        st.dataframe(pd.DataFrame([{"Version": r.version, "Saved by": r.author, "Saved at (UTC)": r.created_at,
                                    "What changed": r.message} for r in revisions]),
                     hide_index=True, width="stretch", column_config={
                         "Saved at (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})


# --- creating one by hand, and the empty states ----------------------------------------------------


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


NEW = {"title": "pp_new_title", "steps": "pp_new_steps", "metric": "pp_new_metric", "description": "pp_new_description",
       "owner": "pp_new_owner", "effort": "pp_new_effort"}


def _freeze(dataset: DatasetVersion, journey: str, steps: list[str], metric: str | None
            ) -> tuple[list[Evidence], list[str]]:
    """Today's numbers over the scoring window, frozen as the evidence of a pain point written by hand."""
    table = _mapped(dataset, journey)
    window = data_window(table, load_weights(store(), workspace())[0].window_days)
    if window is None:
        return [], []
    start, end = window
    evidence = capture(table, steps, [*([metric] if metric else []), *CONTEXT_METRICS], start=start, end=end,
                       dataset=dataset.name, dataset_version=dataset.version)
    return evidence, example_ids(table, steps, start=start, end=end)


def _create(journey: str, dataset: DatasetVersion | None) -> None:
    who = author()
    if not who:
        st.session_state[PROBLEMS] = ("Tell us your name in the sidebar first: it is recorded on every save.", [])
        return
    values = {f: st.session_state.get(k) for f, k in NEW.items()}
    data = {"title": (values["title"] or "").strip(), "journey": journey, "steps": list(values["steps"] or []),
            "metric": values["metric"] or None, "description": values["description"] or "",
            "owner": (values["owner"] or "").strip(), "effort": values["effort"], "source": Source.manual.value}
    try:
        pain = parse_painpoint(data)
        if dataset is not None and pain.steps:
            evidence, examples = _freeze(dataset, journey, pain.steps, pain.metric)
            pain = pain.model_copy(update={"evidence": evidence, "example_tickets": examples})
            if _asks_first(pain, journey):
                return
        key = PainPoints(store()).create(workspace(), pain, who, "Written up by hand")
    except JourneysError as error:
        problems = problem_words(error)
        if not data["title"]:
            problems = ["Give it a title: what hurts, in a few words.",
                        *[p for p in problems if not p.startswith("Title")]]
        st.session_state[PROBLEMS] = (f"Not created: {error.message}", problems)
        return
    for field, widget in NEW.items():
        st.session_state[widget] = [] if field == "steps" else None if field == "effort" else ""
    st.session_state[SELECTED] = key
    st.session_state[SAVED] = f"Created {key}: {pain.title}"


def _asks_first(pain: PainPoint, journey: str) -> bool:
    """A metric every step does better on than the journey is asked about once; the same submit again writes it up."""
    judged = [e for e in pain.evidence if e.metric == pain.metric and e.value is not None]
    asked, st.session_state["pp_new_asked"] = st.session_state.get("pp_new_asked"), (journey, pain.steps, pain.metric)
    if not pain.metric or not judged or not all(better_than_journey(e.metric, e.value, e.baseline) for e in judged):
        return False
    if asked == (journey, pain.steps, pain.metric):
        return False
    st.session_state[PROBLEMS] = (f"Not written up yet: {'these steps do' if len(judged) > 1 else 'this step does'} "
                                  f"better than the journey on {metric_words(pain.metric)}; a pain point usually "
                                  "needs a worse figure — write up anyway? Press Write it up again.", [])
    return True


def create_form(dataset: DatasetVersion | None, expanded: bool) -> None:
    """A pain point by hand: what hurts, where, and (when there are tickets) today's numbers as its evidence."""
    names = [s.name for s in store().list_journeys(workspace())]
    with st.expander("Write up a pain point by hand", icon=":material/edit_note:", expanded=expanded):
        if not names:
            st.caption("Draw a journey on the Journey map first: a pain point belongs to steps of a journey.")
            return
        journey = st.selectbox("Journey", names, key="pp_new_journey")
        labels = {s.id: s.label for s in store().load(workspace(), journey).journey.steps}
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
            st.caption(f"Its steps' numbers over the last {load_weights(store(), workspace())[0].window_days:d} days "
                       f"of '{plain(dataset.name)}' are frozen as its evidence, with five example tickets.")
