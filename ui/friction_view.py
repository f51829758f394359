"""The pieces of the Friction page: filters, the coloured map, the tabs below it.

The page file stays a readable outline and fetches the (cached) data through
``ui.tickets_view``; each function here draws one part of it.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import streamlit as st

from journeys.charts.friction_bars import friction_bars
from journeys.charts.heatmap import step_period_heatmap
from journeys.charts.weeks import PARTIAL_CAPTION, mark_partial_weeks, weekly_line
from journeys.charts.wire import to_browser
from journeys.csv_export import csv_text
from journeys.definitions import (
    FAMILIES,
    FEW_CHOICES,
    OVERVIEW_BY,
    MetricSettings,
    load_settings,
    save_settings,
)
from journeys.errors import JourneysError
from journeys.friction import DEFAULT_CAP, DEFAULT_GUARD, how_scored
from journeys.metric_format import FRICTION, d3_format, format_value
from journeys.metrics import METRICS, few_note, metric_words
from journeys.model import Journey
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.engine import SliceChoices, TicketSlice
from journeys.usecases import measure, prioritise
from ui import tickets_view
from ui.frame import author, store, workspace, ws
from ui.text import plain


def colour_choices() -> list[str]:
    """What the map can be coloured by: friction, then the catalogue (contact rate needs a reach)."""
    return [FRICTION, *[m for m in METRICS if m != "contact_rate"]]


def colour_label(choice: str) -> str:
    return "Friction score" if choice == FRICTION else METRICS[choice].label


def slice_filters(options: SliceChoices, scope: str) -> TicketSlice:
    """Date range, channel and segment pickers; returns the slice they describe.

    The widgets are keyed by ``scope`` (the dataset and its version): a date range picked on one dataset
    must never filter another, whose tickets may lie in other months (a fixed key kept the old range and
    silently showed 182 of 200,180 tickets with no filter visibly set)."""
    first = options.first.date() if options.first else None
    last = options.last.date() if options.last else None
    dates, channels, segment, values = st.columns([1.3, 1.2, 0.9, 1.4], vertical_alignment="bottom")
    picked = dates.date_input("Created between", value=(first, last) if first else (), min_value=first,
                              max_value=last, key=f"friction_dates_{scope}", format="YYYY-MM-DD")
    chosen_channels = channels.multiselect("Channel", options.channels, key=f"friction_channels_{scope}",
                                           placeholder="All channels")
    segment_name = segment.selectbox("Segment by", ["(none)", *options.segments], key=f"friction_segment_{scope}",
                                     format_func=lambda c: c.removeprefix("x_"))
    segment_values: list[str] = []
    if segment_name != "(none)":
        segment_values = values.multiselect(f"{plain(segment_name.removeprefix('x_'))} is",
                                            options.segments[segment_name],
                                            key=f"friction_segment_values_{scope}_{segment_name}", placeholder="Any")
    return measure.slice_from(options, picked if isinstance(picked, tuple) else (), chosen_channels,
                              None if segment_name == "(none)" else segment_name, segment_values)


def period_text(where: TicketSlice, options: SliceChoices) -> str:
    """The dates the numbers cover, e.g. "2025-11-01 – 2026-10-31"."""
    first = where.start or options.first
    last = (where.end - timedelta(days=1)) if where.end else options.last
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}" if first and last else ""


def steps_table(scored: pd.DataFrame, labels: dict[str, str], file_stem: str) -> None:
    """The score as bars (red worse, blue better), how it is built, then the table and its CSV download.

    The table keeps the columns a reader compares (main driver, CSAT, escalations, resolution) at widths
    that fit 1280 px; every component of the score is in the expander below it."""
    if (scored["score"] == 0).all():
        st.info("No step has enough tickets to score yet: every component is too few to tell (the table shows what "
                "there is).", icon=":material/hourglass_empty:")
    else:
        st.altair_chart(friction_bars(scored, labels), width="stretch")
    st.caption(plain(how_scored(scored.attrs.get("weights"), scored.attrs.get("guard", DEFAULT_GUARD),
                                scored.attrs.get("cap", DEFAULT_CAP))))
    view = table_frame(scored, labels)
    config = {"Step": st.column_config.TextColumn("Step", width=215, help="In rank order: most friction first."),
              "Friction": st.column_config.NumberColumn("Friction", width=64, format="%.3f",
                                                        help="Above 0: worse than the journey; below 0: better."),
              "Tickets": st.column_config.NumberColumn("Tickets", width=64, format="localized"),
              "Main driver": st.column_config.TextColumn(
                  "Main driver", width=200,
                  help="The metric adding most to the score; 'outcome rule' marks a step whose better components "
                       "do not count (see above)."),
              **{label: st.column_config.NumberColumn(label, width=72, format="percent")
                 for label in SHORT_LABELS.values() if label in view and label != SHORT_LABELS["resolution_p90"]},
              SHORT_LABELS["resolution_p90"]: st.column_config.NumberColumn(
                  SHORT_LABELS["resolution_p90"], width=105, format="%.0f min",
                  help=METRICS["resolution_p90"].label)}
    st.dataframe(to_browser(view), hide_index=True, width="stretch", column_config=config,
                 height=35 * (min(len(view), 25) + 1) + 3)  # every step in view, up to 25
    with st.expander("Every component of the score, step by step", icon=":material/calculate:"):
        st.dataframe(to_browser(components_frame(scored, labels)), hide_index=True, width="stretch",
                     column_config={"Step": st.column_config.TextColumn("Step", width="medium")})
        st.caption("Each metric's gap to the journey: +50 % is half as bad again as the journey, −50 % half as bad; "
                   "blank when too few tickets. The score adds them up with their weights (see above).")
    st.download_button("Download the table as CSV", key="friction_csv", on_click="ignore",
                       data=lambda: csv_text(components_frame(scored, labels, full=view)),
                       file_name=f"friction-{file_stem}.csv", mime="text/csv", icon=":material/download:")


# The table's metric columns, short enough to fit 1280 px beside the main driver; the rest is in the expander.
SHORT_LABELS = {"csat": "CSAT", "escalation_rate": "Escalated", "resolution_p90": "Resolution p90"}


def table_frame(scored: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Step (in rank order), score, tickets, main driver and the key metrics, under their short column names.

    No rank column: the rows and the bars above are in rank order, and 45 px more for step names keeps them whole
    at 1280 px."""
    driver = [("" if m not in METRICS else METRICS[m].label) + (" · outcome rule" if g else "")
              for m, g in zip(scored["main_driver"], scored.get("guarded_by", [""] * len(scored)), strict=True)]
    view = pd.DataFrame({"Step": scored["step"].map(labels).fillna(scored["step"]),
                         "Friction": scored["score"], "Tickets": scored["volume"], "Main driver": driver})
    for metric, label in SHORT_LABELS.items():
        if f"{metric}_value" in scored:
            view[label] = scored[f"{metric}_value"].astype("float64")
    return view


def components_frame(scored: pd.DataFrame, labels: dict[str, str], full: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per step, each weighed metric's gap to the journey (or, with ``full``, the table plus value and gap)."""
    weights = scored.attrs.get("weights") or {c.removesuffix("_gap"): 1 for c in scored if c.endswith("_gap")}
    if full is None:
        gaps = {METRICS[m].label: [f"{g:+.0%}" if np.isfinite(g) else None for g in scored[f"{m}_gap"]]
                for m in weights}
        return pd.DataFrame({"Step": scored["step"].map(labels).fillna(scored["step"]), **gaps})
    extra = {f"{METRICS[m].label} ({c})": scored[f"{m}_{c}"] for m in weights for c in ("value", "gap")}
    return pd.concat([full, pd.DataFrame(extra)], axis=1)


def heatmap(cells: pd.DataFrame, choice: str, journey: Journey, baseline: dict, where: TicketSlice,
            options: SliceChoices) -> None:
    """Step × week: when a step got worse (the weeks the data covers only in part faded)."""
    if cells.empty:
        st.info("No tickets in this selection.")
        return
    fmt, _ = d3_format(choice)
    center = 0.0 if choice == FRICTION else baseline.get(choice)
    higher_is_worse = choice == FRICTION or METRICS[choice].direction == "lower"
    first, last = measure.covered(where, options)
    chart = step_period_heatmap(cells, steps=[(s.id, s.label) for s in journey.steps if s.id in set(cells["step"])],
                                title=colour_label(choice), higher_is_worse=higher_is_worse, value_format=fmt,
                                center=center if center == center else None, first=first, last=last)
    st.altair_chart(chart, width="stretch")
    st.caption("Grey: fewer tickets than the minimum sample that week; faded: a partial week (the data starts or "
               "ends mid-week). Friction per week is scored against the whole range's baseline, so warmer cells "
               "mean worse than the journey usually is.")


def emotion_flags(flags: list) -> None:
    """Steps where the workshop's emotion and customers' CSAT disagree."""
    if not flags:
        st.success("The workshop's emotions agree with CSAT wherever there are enough ratings to tell.",
                   icon=":material/thumb_up:")
    for flag in flags:
        st.warning(plain(flag.message), icon=":material/sentiment_dissatisfied:" if flag.direction.endswith("positive")
                   else ":material/sentiment_satisfied:")
    st.caption("A step is flagged when the workshop marked it positive (or negative) but its CSAT is at least 5 "
               "points below (above) the journey's and the 95 % interval agrees. Neutral steps are not flagged.")


def step_trend(weekly: pd.DataFrame, metric: str, where: TicketSlice, options: SliceChoices) -> None:
    """The step's metric week by week; the weeks the data covers only in part are faded, not drawn as a drop."""
    fmt, unit = d3_format(metric)
    title = METRICS[metric].label + (f" ({unit})" if unit else "")
    first, last = measure.covered(where, options)
    st.altair_chart(weekly_line(weekly, metric, first=first, last=last, title=title, value_format=fmt),
                    width="stretch")
    if len(weekly) and mark_partial_weeks(weekly, first, last)["partial"].any():
        st.caption(PARTIAL_CAPTION)
    if metric not in weekly or not weekly[metric].notna().any():
        st.caption(f"No week has enough tickets to show {metric_words(metric)} for this step (a week needs the "
                   "minimum sample); the whole period's value is in the table above.")


def unmapped_summary(n: int, unmapped: int) -> None:
    if not n:
        return
    st.markdown(f"**{unmapped:,} of {n:,} tickets ({unmapped / n:.1%}) are on no step** of this journey.")
    st.page_link("pages/rules.py", label="See what they have in common and write a rule", icon=":material/rule:")


def skipped_rules(dataset: DatasetVersion, journey_name: str) -> None:
    """A warning per mapping rule that cannot run on this dataset (skipped; the other rules still place tickets)."""
    for warning in tickets_view.mapped(dataset, journey_name).warnings:
        st.warning(f"Mapping {plain(warning)} — fix or delete it on Mapping rules.", icon=":material/rule:")


def data_caption(dataset, where: TicketSlice, period: str, min_sample: int) -> None:
    st.caption(f"Dataset '{plain(dataset.name)}' v{dataset.version} ({dataset.rows:,} tickets) · {plain(period)} · "
               f"{plain(where.describe(dates=False))} · fewer than {min_sample:,} tickets on a step count as too "
               "few to tell.")



# --- writing a finding up as a pain point ----------------------------------------------------------

WRITTEN = "friction_written_up"  # (journey, step, metric) → pain point key, for the link after a rerun


def _write_up(journey: Journey, step: str, metric: str, dataset: DatasetVersion, where: TicketSlice) -> None:
    """Draft the pain point from this step, metric and date range (evidence frozen now) and store it."""
    who = author()
    if not who:
        st.session_state["friction_write_up_problem"] = ("Tell us your name in the sidebar first: it is recorded "
                                                         "as the pain point's author.")
        return
    try:
        key = prioritise.write_up(ws(), journey.name, step, metric, dataset=dataset, where=where, author=who,
                                      message="Written up from the Friction page").key
    except JourneysError as error:
        st.session_state["friction_write_up_problem"] = f"Not written up: {error}"
        return
    st.session_state.setdefault(WRITTEN, {})[(journey.name, step, metric)] = key
    st.toast(f"Written up as {plain(key or '')}, with this period's numbers frozen as its evidence",
             icon=":material/edit_note:")


def write_up(journey: Journey, step: str, metric: str, dataset: DatasetVersion, where: TicketSlice,
             better: bool = False) -> None:
    """The "Write up as a pain point" button of the drill-down, and a link to the pain point once it exists.

    ``better``: the step does better than the journey on ``metric``; the button then asks first
    (:func:`confirm_write_up` draws the question) instead of writing up a strength as a pain point."""
    problem = st.session_state.pop("friction_write_up_problem", None)
    if problem:
        st.error(plain(problem), icon=":material/error:")
    key = st.session_state.get(WRITTEN, {}).get((journey.name, step, metric))
    if key:
        st.page_link("pages/priorities.py", label=f"Written up as {plain(key)}: open it on Priorities",
                     icon=":material/format_list_numbered:", query_params={"painpoint": key})
        return
    existing = next((p.key for p in ws().painpoints.list() if p.pain.is_open
                     and p.pain.journey == journey.name and step in p.pain.steps and p.pain.metric == metric), None)
    if existing:
        st.page_link("pages/priorities.py", label=f"Already written up as {plain(existing)}: open it",
                     icon=":material/format_list_numbered:", query_params={"painpoint": existing},
                     help="An open pain point already covers this step and metric.")
        return
    label = journey.step(step).label if step in journey.step_ids() else step
    action, args = (_ask, ((journey.name, step, metric),)) if better else (_write_up, (journey, step, metric,
                                                                                      dataset, where))
    st.button("Write up as a pain point", key="friction_write_up", icon=":material/edit_note:", width="stretch",
              on_click=action, args=args, disabled=st.session_state.get(ASKED) == (journey.name, step, metric),
              help=f"Creates a pain point for '{plain(label)}' judged by {METRICS[metric].label.lower()}, with "
                   "this date range's numbers and newest tickets frozen as its evidence"
                   + (" (measured on all channels and segments)." if where.filters() else "."))


ASKED = "friction_write_up_asked"  # (journey, step, metric) whose write-up waits for "write up anyway"


def _ask(what: tuple[str, str, str]) -> None:
    st.session_state[ASKED] = what


def _write_anyway(journey: Journey, step: str, metric: str, dataset: DatasetVersion, where: TicketSlice) -> None:
    st.session_state.pop(ASKED, None)
    _write_up(journey, step, metric, dataset, where)


def confirm_write_up(journey: Journey, step: str, metric: str, dataset: DatasetVersion, where: TicketSlice) -> None:
    """The question asked before writing up a metric on which the step does better than the journey."""
    if st.session_state.get(ASKED) != (journey.name, step, metric):
        return
    label = journey.step(step).label if step in journey.step_ids() else step
    with st.container(border=True):
        st.warning(f"'{plain(label)}' does better than the journey on {metric_words(metric)}; a pain point "
                   "usually needs a worse figure — write up anyway?", icon=":material/help:")
        yes, no, _ = st.columns([1, 1, 2])
        yes.button("Write up anyway", key="friction_write_up_anyway", icon=":material/edit_note:",
                   on_click=_write_anyway, args=(journey, step, metric, dataset, where))
        no.button("Cancel", key="friction_write_up_cancel", on_click=st.session_state.pop, args=(ASKED, None))


# --- the dataset overview: numbers by group, channel, status or month, before any journey or rule ----------

# The overview's columns under short headers (the full label and the definition are in each header's help), so
# group, tickets and six metrics fit 1280 px without a sideways scroll.
OVERVIEW_COLUMNS = {"csat": "CSAT", "frt_p50": "First reply p50", "resolution_p50": "Resolution p50",
                    "reopen_rate": "Reopens", "fcr_rate": "FCR", "escalation_rate": "Escalated"}
FAMILY_LABELS = {"fcr": "First-contact resolution", "first_reply": "First response", "reopen": "Reopen rate"}
VARIANT_LABELS = {"ours": "Ours", "zendesk_one_touch": "Zendesk one-touch",
                  "intercom_first_contact": "Intercom first contact",
                  "exclude_automated": "Without bot replies",
                  "any": "Any reopen", "after_solved": "After solved"}
FEW_LABELS = {"show": "Show with (n=…)", "blank": "Leave blank"}


@st.cache_data(max_entries=32, show_spinner=False)
def _overview(key: tuple, _dataset: DatasetVersion, by: str, chosen: tuple, min_sample: int) -> measure.Overview:
    """The overview and the definitions in force; keyed by dataset version and settings."""
    return measure.dataset_overview(ws(), _dataset, by, MetricSettings(dict(chosen[0]), chosen[1]), min_sample)


def overview_frame(frame: pd.DataFrame, by: str, min_sample: int) -> pd.DataFrame:
    """One row per group: its name (marked "few tickets (n=…)" under the minimum sample), tickets, and each
    metric the export has data for, as text; a value on too few tickets carries its ``(n=…)``."""
    key = "period" if by == "month" else by
    names = [f"{v:%Y-%m}" for v in frame[key]] if by == "month" else [
        "(none)" if v is None or v != v else str(v) for v in frame[key]]
    names = [f"{name} · {few_note(n)}" if n < min_sample else name for name, n in zip(names, frame["n"], strict=True)]
    view = pd.DataFrame({OVERVIEW_BY.get(by, by.removeprefix("x_")): names, "Tickets": frame["n"].astype("int64")})
    samples = frame.attrs["samples"]
    for metric, label in OVERVIEW_COLUMNS.items():
        if metric in frame and frame[samples[metric]].sum() > 0:  # a metric the export has no data for: no column
            view[label] = [format_value(metric, v, n=int(n) if f else None, in_minutes=True) for v, n, f in
                           zip(frame[metric], frame[samples[metric]], frame[f"{metric}_too_few"], strict=True)]
    return view


def _save_definitions(version: int) -> None:
    chosen = MetricSettings({f: st.session_state[f"definitions_{f}"] for f in FAMILIES},
                            st.session_state["definitions_few"])
    who = author() or "page"
    try:
        saved = save_settings(store(), workspace(), chosen, who, version)
    except JourneysError as error:
        st.session_state["definitions_problem"] = f"Not saved: {error}"
        return
    st.toast(plain(f"Metric definitions saved (version {saved})"), icon=":material/check:")


def definitions_settings() -> MetricSettings:
    """The workspace's metric definitions and small-group setting, with an expander to change them."""
    chosen, version = load_settings(store(), workspace())
    with st.expander("Metric definitions and small groups", icon=":material/tune:"):
        problem = st.session_state.pop("definitions_problem", None)
        if problem:
            st.error(plain(problem), icon=":material/error:")
        cols = st.columns(4, vertical_alignment="bottom")
        for col, (family, variants) in zip(cols, FAMILIES.items(), strict=False):
            names = [v.name for v in variants]
            if st.session_state.get(f"definitions_{family}") not in names:
                st.session_state[f"definitions_{family}"] = chosen.chosen(family).name
            col.selectbox(FAMILY_LABELS[family], names, key=f"definitions_{family}", format_func=VARIANT_LABELS.get,
                          help=" · ".join(f"{VARIANT_LABELS[v.name]}: {v.words}" for v in variants))
        if st.session_state.get("definitions_few") not in FEW_CHOICES:
            st.session_state["definitions_few"] = chosen.few_tickets
        cols[3].selectbox("Small groups", list(FEW_CHOICES), key="definitions_few",
                          format_func=FEW_LABELS.get,
                          help="A group with fewer tickets than the minimum sample: its value shown and marked "
                               "'few tickets (n=…)', or left blank.")
        st.button("Save for this workspace", key="definitions_save", icon=":material/save:", on_click=_save_definitions,
                  args=(version,), help="Every page and `journeys metrics` use the saved choice.")
        st.caption("Help desks define some metrics differently; pick your help desk's definition so these numbers "
                   "reconcile with its reports. Also on the command line: `journeys workspace definitions`.")
    return chosen


def dataset_overview(dataset: DatasetVersion, min_sample: int = 30, key: str = "overview") -> None:
    """The dataset's numbers by group, channel, status or month: what a team sees before any journey or rule."""
    chosen = definitions_settings()
    by = st.segmented_control("Overview by", list(OVERVIEW_BY), format_func=OVERVIEW_BY.get, key=f"{key}_by",
                              default="group") or "group"
    found = _overview((str(dataset.path), dataset.version), dataset, by,
                      (tuple(sorted(chosen.as_dict()["variants"].items())), chosen.few_tickets), min_sample)
    frame, ids, words = found.frame, found.ids, found.words
    view = overview_frame(frame, by, min_sample)
    config = {label: st.column_config.TextColumn(label, help=plain(f"{METRICS[m].label}: {words[m]} "
                                                                   f"(definition {ids[m]})"))
              for m, label in OVERVIEW_COLUMNS.items() if label in view}
    config["Tickets"] = st.column_config.NumberColumn("Tickets", format="localized", help=plain(words["volume"]))
    st.dataframe(view, hide_index=True, width="stretch", column_config=config,
                 height=35 * (min(len(view), 15) + 1) + 3)
    missing = [METRICS[m].label for m, label in OVERVIEW_COLUMNS.items() if label not in view]
    few = (f"a value marked (n=…) rests on fewer than {min_sample} tickets" if chosen.keep_few else
           f"values on fewer than {min_sample} tickets are left blank") + " (few tickets: read with care)"
    absent = f" · not in this export: {', '.join(missing)}" if missing else ""
    st.caption(plain(f"Dataset '{dataset.name}' v{dataset.version} ({dataset.rows:,} tickets) · {few}{absent}")
               + " · every metric: `journeys metrics --by group`.")
    chosen_words = [f"{METRICS[m].label}: {words[m]}" for m in ("fcr_rate", "frt_p50", "reopen_rate") if m in words]
    st.caption(plain("Definitions — " + " · ".join(chosen_words)))
    st.download_button("Download the overview as CSV", key=f"{key}_csv", on_click="ignore", icon=":material/download:",
                       data=lambda: csv_text(view.assign(definitions=_ids_cell(ids))),
                       file_name=f"overview-{dataset.name}-by-{by}.csv", mime="text/csv")


def _ids_cell(ids: dict[str, str]) -> str:
    return "; ".join(f"{m}={ids[m].split('.', 1)[1]}" for m in ("fcr_rate", "frt_p50", "reopen_rate")) + "; others=ours"
