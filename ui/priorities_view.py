"""The Priorities page's ranking: pain points ranked from the team's own tickets, filtered, charted, exported.

Why it is built this way:

- **Cached by content.** The ranking (:func:`journeys.usecases.prioritise.rank`) is keyed by
  :func:`~journeys.usecases.prioritise.ranking_version` (database, workspace, dataset name + version, every
  pain point's (key, version), the weights' version, the last review's version, and the version of each
  journey and its mapping rules). Stored versions never change, so a rerun that changes nothing never
  rescores, and any save anywhere names a new key — nothing needs clearing.
- **Moves are numbers** (:class:`journeys.priorities.Move`): the table sorts on them and writes them once.
- **Text typed by people** (titles, owners, tags) is shown in tables and widgets, or escaped with
  :func:`ui.text.plain`; it is never read as Markdown or HTML. One pain point's panel and editor are in
  :mod:`ui.painpoint_detail`, writing one up by hand in :mod:`ui.painpoint_form`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from journeys.charts import priority_bubbles as charts
from journeys.errors import JourneysError, StaleWrite
from journeys.evidence import ranked_csv, ranked_frame, ranked_markdown
from journeys.painpoints import Status
from journeys.priorities import Ranking, Score, ScoringWeights
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import prioritise
from journeys.usecases.prioritise import Placement
from ui import tickets_view
from ui.frame import author, workspace, ws
from ui.painpoint_detail import PAINS
from ui.stale_safe import NO_AUTHOR
from ui.text import plain

SELECTED = "pp_selected"  # the pain point shown in the detail panel
PROBLEMS = PAINS.key("problems")  # (headline, [reasons]) from the last attempted change
SAVED = PAINS.key("saved")  # toast text after a save
NO_OWNER = "(no owner)"
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
    """The ranking plus where its pain points sit on their journeys (stages and step labels)."""

    ranking: Ranking
    placement: Placement
    key: tuple  # the content key it was computed for

    @property
    def stages(self) -> dict[str, tuple[str, ...]]:
        return self.placement.stages

    @property
    def labels(self) -> dict[str, dict[str, str]]:
        return self.placement.labels

    @property
    def stage_order(self) -> list[str]:
        return self.placement.stage_order


@st.cache_data(max_entries=16, show_spinner="Scoring the pain points…")
def _ranking(key: tuple, dataset_name: str | None) -> RankingView:
    ranking = prioritise.rank(ws(), dataset_name)
    return RankingView(ranking, prioritise.placement(ws(), ranking.pains), key)


def ranking(dataset: DatasetVersion | None) -> RankingView:
    """The workspace's ranking against a dataset, recomputed only when something it depends on changed."""
    return _ranking(prioritise.ranking_version(ws(), dataset), dataset.name if dataset else None)


def pick_dataset(available: Sequence[DatasetVersion]) -> DatasetVersion | None:
    """The dataset to score against: the latest import unless the manager picks another."""
    return tickets_view.pick_dataset(
        available, "Score against the ticket dataset", key="pp_dataset",
        help="Reach, impact and confidence come from this dataset's tickets.")


def show_status() -> None:
    """The last change's outcome: a toast, the problems, or a stale refusal with the choices."""
    PAINS.show_status()


def effort_text(score: Score) -> str:
    return f"{score.effort:g} pw" + ("" if score.effort_estimated else " · not estimated")


def _number(key: str) -> int:
    tail = key.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


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
        move = r.moves[s.key]
        rows.append({"Rank": s.rank, "Change": move.words(), "Key": s.key, "Pain point": p.title, "Journey": p.journey,
                     "Status": p.status.value, "Owner": p.owner, "Score": s.score,
                     "Reach / month": round(s.reach), "Impact": round(s.impact, 2),
                     "Confidence": round(s.confidence, 2), "Effort": effort_text(s),
                     "_score": s.score, "_reach": s.reach, "_effort": s.effort, "_value": s.value,
                     "_moved": abs(move.places), "_number": _number(s.key)})
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
        st.session_state[PROBLEMS] = (NO_AUTHOR, [])
        return
    k = f"pp_w{version}_"
    try:
        weights = ScoringWeights(
            **{n: float(st.session_state[k + n]) for n in ("reach", "impact", "confidence", "effort",
                                                            "default_effort")},
            window_days=int(st.session_state[k + "window_days"]), cap=shown.cap)
        new = prioritise.set_weights(ws(), weights, who, expected_version=version)
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
            moved = sum(1 for m in view.ranking.moves.values() if m.moved)
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
        st.session_state[PROBLEMS] = (NO_AUTHOR, [])
        return
    try:
        prioritise.mark_reviewed(ws(), scores, who)
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
                         on_click="ignore", file_name=f"{stem}.csv", width="stretch",
                         data=lambda: ranked_csv(ranked_frame(scores, r.pains, r.changes)),
                         help="Every pain point listed, in rank order, with its score components.")
    right.download_button("Markdown", key="pp_markdown", icon=":material/description:", mime="text/markdown",
                          on_click="ignore", file_name=f"{stem}.md", width="stretch",
                          data=lambda: ranked_markdown(scores, r.pains, workspace=workspace(),
                                                       formula=r.weights.formula(), changes=r.changes),
                          help="The top ten listed, why each ranks where it does, and who owns it: for a "
                               "leadership update.")
