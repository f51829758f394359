"""An experiment in words: the verdict in plain language, the full report, and "you said, we did".

The Review page, the command line and the files people download all read their sentences from here,
so a number or a verdict is worded the same way everywhere. No Streamlit.

- :func:`verdict_headline` / :func:`verdict_reasons`: improved, worsened or inconclusive, and *why*
  an inconclusive result is inconclusive (interval spans zero, pre-trend check failed, too few tickets).
- :func:`experiment_report_html` / :func:`experiment_report_markdown`: everything about one experiment,
  for the record. The HTML is self-contained: inline CSS, charts embedded as SVG rendered offline by
  vl-convert, no scripts, nothing loaded from elsewhere — it opens the same on an air-gapped laptop in
  five years.
- :func:`you_said_we_did_markdown` / :func:`you_said_we_did_html`: what customers (or colleagues)
  told us, what we changed, what came of it and what we decided — per experiment or for every
  experiment decided in a period.

Everything people typed (titles, hypotheses, quotes, messages, names) is escaped: in HTML with
:func:`html.escape`, in Markdown with backslashes, so a title such as ``<script>…`` reads as text.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import ibis
import pandas as pd

from journeys.errors import NotFound
from journeys.experiments.experiment import Design, Experiment, Outcome, Result, Status, Verdict
from journeys.experiments.repository import Experiments, StoredExperiment
from journeys.experiments.series import weekly_series
from journeys.experiments.verdict import GUARDRAIL_WORSENED, NO_CHANGE_RULED_OUT
from journeys.metric_format import UNKNOWN, Amount, change_amount, format_value, unit_of
from journeys.metrics import METRICS
from journeys.painpoints import PainPoint, PainPoints
from journeys.store import Store

DESIGN_WORDS = {Design.did: "difference-in-differences", Design.before_after: "before/after (interrupted time series)",
                Design.ab: "A/B test"}
OUTCOME_WORDS = {Outcome.adopt: "We kept the change", Outcome.roll_back: "We rolled the change back",
                 Outcome.iterate: "We are trying a variation"}
MAX_QUOTES = 3


# --- numbers in words ------------------------------------------------------------------------------


def day(value: date | datetime | None) -> str:
    """"1 Jul 2026" (no leading zero), or "—"."""
    return "—" if value is None else f"{value.day} {value:%b %Y}"


def value_text(metric: str, value: float | None) -> str:
    """A metric value as every page shows it (:func:`journeys.metric_format.format_value`): "22%", "35 min",
    "47 tickets a week" (an experiment reads a step's volume week by week)."""
    text = format_value(metric, value)
    return f"{text} a week" if unit_of(metric) == "tickets" and text != UNKNOWN else text


def change_text(metric: str, effect: float | None, *, signed: bool = True) -> str:
    """An effect in the metric's units: "−11.6 points", "+118 min", "+3 tickets a week"."""
    return str(change_amount(metric, effect, signed=signed))


def interval_amount(result: Result) -> Amount:
    """The interval in the metric's units: number "−16.4 to −6.9", unit "points"."""
    if result.ci_low is None or result.ci_high is None:
        return Amount("—")
    low, high = change_amount(result.metric, result.ci_low), change_amount(result.metric, result.ci_high)
    return Amount(f"{low.number} to {high.number}", low.unit)


def interval_text(result: Result) -> str:
    """"−16.4 to −6.9 points" (the interval in the metric's units)."""
    return str(interval_amount(result))


def relative_text(result: Result) -> str:
    return "—" if result.relative_change is None else f"{result.relative_change:+.0%}".replace("-", "−")


def p_text(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_phrase(p: float | None) -> str:
    """"p < 0.001", "p = 0.034" or "p —": the p-value as a phrase, decided on the number, not on its text."""
    if p is not None and math.isfinite(p) and p >= 0.001:
        return f"p = {p_text(p)}"
    return f"p {p_text(p)}"


def interval_name(result: Result) -> str:
    return "anytime-valid interim interval" if result.interim else f"{result.confidence:.0%} interval"


# --- the verdict in plain words --------------------------------------------------------------------


def verdict_headline(experiment: Experiment, result: Result | None) -> str:
    """One sentence: what the analysis says, in the metric's own words."""
    if result is None:
        return "Not analysed yet."
    metric = METRICS[result.metric].label.lower()
    where = " on the changed steps, relative to the comparison steps" if result.design == Design.did else (
        f" in variant {experiment.variants[1]} against {experiment.variants[0]}" if result.design == Design.ab
        else " on the changed steps")
    moved = ""
    if result.effect is not None:
        way = "fell" if result.effect < 0 else "rose"
        moved = f"the {metric} {way} by {change_text(result.metric, result.effect, signed=False)}" + (
            f" ({relative_text(result)})" if result.relative_change is not None else "") + where
    prefix = "Interim look — " if result.interim else ""
    if result.verdict == Verdict.improved:
        return f"{prefix}Improved: {moved}."
    if result.verdict == Verdict.worsened:
        return f"{prefix}Worsened: {moved}, the opposite of what the change aimed for."
    return (f"{prefix}Inconclusive: these tickets cannot tell whether the change moved the {metric}"
            + (f" (the estimate: {moved})." if moved else "."))


def verdict_reasons(result: Result | None) -> list[str]:
    """Why the verdict is what it is (inconclusive: why; improved: any flag), in plain words.

    Reworded by each reason's code: the interval in the metric's units, a worsened guardrail with its
    label and interval. A result recorded before reasons had codes is shown with its reasons as stored.
    """
    if result is None:
        return []
    coded = bool(result.reason_codes)
    reasons = []
    for reason, code in zip(result.reasons, result.reason_codes if coded else [""] * len(result.reasons),
                            strict=True):
        if code == GUARDRAIL_WORSENED:
            continue  # said below, from the guardrail's own numbers
        if code == NO_CHANGE_RULED_OUT:
            reason = (f"the {interval_name(result)}, {interval_text(result)}, includes no change: the tickets fit a "
                      "fall as well as a rise")
        reasons.append(reason)
    for g in result.guardrails:
        if coded and g.worsened:
            reasons.append(f"guardrail {METRICS[g.metric].label.lower()} got worse: {change_text(g.metric, g.effect)} "
                           f"(interval {change_text(g.metric, g.ci_low)} to {change_text(g.metric, g.ci_high)})")
    if result.interim:
        reasons.append(f"interim look: the after-window runs until {day(result.post_end)}; this interval is "
                       "anytime-valid (wider than the final one), so looking early does not turn noise into a "
                       "win — decide once the window has ended")
    return reasons


def pretrend_text(result: Result) -> str:
    if result.pretrend_p is None:
        return "not run (too few weeks before the change)"
    state = "passed" if result.pretrend_p >= 0.05 else "FAILED"
    return f"{state} (p = {p_text(result.pretrend_p)}): {result.pretrend_test}"


def sample_rows(result: Result) -> list[tuple[str, str]]:
    """(what, how many) for the sample sizes table."""
    rows = []
    if result.design == Design.ab:
        rows += [("Tickets in the treatment arm", f"{result.n_treated_post:,}"),
                 ("Tickets in the control arm", f"{result.n_comparison_post:,}")]
    else:
        rows += [("Changed steps, before", f"{result.n_treated_pre:,} tickets · {result.weeks_pre} weeks"),
                 ("Changed steps, after", f"{result.n_treated_post:,} tickets · {result.weeks_post} weeks")]
        if result.design == Design.did:
            rows += [("Comparison steps, before", f"{result.n_comparison_pre:,} tickets"),
                     ("Comparison steps, after", f"{result.n_comparison_post:,} tickets")]
    return rows


def figure_rows(result: Result) -> list[tuple[str, str]]:
    """(what, value) for the headline figures: effect, interval, relative change, baseline, p."""
    return [("Effect", change_text(result.metric, result.effect)),
            (interval_name(result)[0].upper() + interval_name(result)[1:], interval_text(result)),
            ("Relative change", relative_text(result)),
            ("Before (changed steps)" if result.design != Design.ab else "Control arm",
             value_text(result.metric, result.baseline)),
            ("p-value", p_text(result.p_value))]


# --- the story of one experiment (shared by every export) --------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    """Everything the report of one experiment shows, read once."""

    stored: StoredExperiment
    workspace: str
    labels: dict[str, str]  # step id → label in the experiment's journey
    pains: dict[str, PainPoint]  # linked pain points by key
    series: pd.DataFrame | None = None  # weekly_series, for the trend chart
    history: list = field(default_factory=list)  # revisions (version, author, created_at, message), newest first

    @property
    def experiment(self) -> Experiment:
        return self.stored.experiment

    def steps(self, ids: Sequence[str]) -> str:
        return ", ".join(self.labels.get(s, s) for s in ids) or "—"


def report_context(store: Store, workspace: str, key: str, table: ibis.Table | None = None) -> ReportContext:
    """Read an experiment, its pain points, step labels, history and (with ``table``) its weekly series."""
    experiments = Experiments(store)
    stored = experiments.load(workspace, key)
    experiment = stored.experiment
    try:
        labels = {s.id: s.label for s in store.load(workspace, experiment.journey).journey.steps}
    except NotFound:  # the journey was deleted: show step ids
        labels = {}
    known = {p.key: p.pain for p in PainPoints(store).list(workspace)}
    pains = {k: known[k] for k in experiment.pain_points if k in known}
    series = None
    if table is not None and experiment.shipped is not None and experiment.status != Status.draft:
        series = weekly_series(table, experiment)
    return ReportContext(stored, workspace, labels, pains, series, experiments.history(workspace, key))


@dataclass(frozen=True)
class Story:
    """One experiment as "you said, we did": what we heard, what we changed, what came of it."""

    key: str
    title: str
    you_said: list[str]
    quotes: list[str]
    we_did: str
    hypothesis: str
    result: str
    decision: str
    why: str
    told: list[str]


def story(stored: StoredExperiment, pains: dict[str, PainPoint], labels: dict[str, str]) -> Story:
    e = stored.experiment
    linked = [pains[k] for k in e.pain_points if k in pains]
    where = ", ".join(labels.get(s, s) for s in e.steps) or "this part of the journey"
    you_said = [p.title for p in linked] or [f"Contacts about “{where}” showed a problem with the "
                                             f"{METRICS[e.metric].label.lower()}"]
    quotes = [q for p in linked for q in p.quotes][:MAX_QUOTES]
    result = verdict_headline(e, e.result)
    if e.result is not None and e.result.effect is not None:
        r = e.result
        result += (f" Before the change: {value_text(e.metric, r.baseline)}; effect {change_text(e.metric, r.effect)}, "
                   f"{interval_name(r)} {interval_text(r)}.")
    decision, why = "No decision yet.", ""
    if e.decision is not None:
        decision = f"{OUTCOME_WORDS[e.decision.outcome]} (decided {day(e.decision.at)} by {e.decision.by})."
        why = e.decision.why
    told = [f"{day(t.on)} — {t.audience.value}{': ' + t.segment if t.segment else ''} via {t.channel}: {t.message}"
            for t in e.loop]
    return Story(stored.key, e.title, you_said, quotes, e.title, e.hypothesis, result, decision, why, told)


# --- Markdown ---------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")
_MD_BLOCK_START = re.compile(r"^(?:(#{1,6}|>|[+\-*])(?=\s|$)|(\d{1,9})([.)])(?=\s|$))")


def md(text: object) -> str:
    """Typed text as literal Markdown: emphasis, links, HTML and block markers escaped; one line; no autolinks."""
    flat = " ".join(str(text).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat).replace("://", ":\u200b//").replace("www.", "www\u200b.")
    # A heading, quote or list marker at the start would turn the text into a block: escape the marker.
    return _MD_BLOCK_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3),
                               escaped)


def _story_markdown(s: Story, level: int = 2) -> list[str]:
    head = "#" * level
    lines = [f"{head} {md(s.key)} · {md(s.title)}", "", "**You said:** " + "; ".join(md(y) for y in s.you_said)]
    if s.quotes:
        lines += ["", *[f"> “{md(q)}”" for q in s.quotes]]
    lines += ["", f"**We did:** {md(s.we_did)}."]
    if s.hypothesis:
        lines += ["", f"*Why we expected it to help:* {md(s.hypothesis)}"]
    lines += ["", f"**What happened:** {md(s.result)}", "", f"**Decision:** {md(s.decision)}"]
    if s.why:
        lines += ["", f"*Why:* {md(s.why)}"]
    if s.told:
        lines += ["", "**Who we told:**", *[f"- {md(t)}" for t in s.told]]
    return [*lines, ""]


def you_said_we_did_markdown(stories: Sequence[Story], *, title: str, note: str = "") -> str:
    """"You said, we did" as Markdown: one section per experiment."""
    lines = [f"# {md(title)}", ""]
    if note:
        lines += [md(note), ""]
    if not stories:
        lines += ["No experiment was decided in this period.", ""]
    for s in stories:
        lines += _story_markdown(s)
    return "\n".join(lines).rstrip() + "\n"


def experiment_report_markdown(ctx: ReportContext) -> str:
    """The experiment report as Markdown (no charts): design, result, decision and the loop."""
    e, r = ctx.experiment, ctx.experiment.result
    lines = [f"# {md(ctx.stored.key)} · {md(e.title)}", "",
             f"Workspace {md(ctx.workspace)} · status **{e.status.value}** · version {ctx.stored.version} · "
             f"generated {day(datetime.now(UTC))}", ""]
    lines += ["## The experiment", "", *[f"- **{k}:** {md(v)}" for k, v in design_rows(ctx)], ""]
    if e.hypothesis:
        lines += [f"**Hypothesis:** {md(e.hypothesis)}", ""]
    lines += ["## Result", "", f"**{md(verdict_headline(e, r))}**", ""]
    if r is not None:
        lines += [f"- {md(reason)}" for reason in verdict_reasons(r)]
        lines += ["", "| Figure | Value |", "|---|---|", *[f"| {a} | {md(b)} |" for a, b in figure_rows(r)],
                  *[f"| {a} | {md(b)} |" for a, b in sample_rows(r)], "",
                  f"Pre-trend check: {md(pretrend_text(r))}", "", f"Method: {md(r.method)}", "",
                  f"Analysed {day(r.analysed_at)} on tickets until {day(r.data_until)}"
                  + (f" from {md(r.dataset)} v{r.dataset_version}" if r.dataset else "") + ".", ""]
        if r.guardrails:
            lines += ["### Guardrails", "", "| Metric | Effect | Interval | Verdict |", "|---|---|---|---|",
                      *[f"| {METRICS[g.metric].label} | {change_text(g.metric, g.effect)} | "
                        f"{change_text(g.metric, g.ci_low)} to {change_text(g.metric, g.ci_high)} | {g.verdict.value} |"
                        for g in r.guardrails], ""]
    s = story(ctx.stored, ctx.pains, ctx.labels)
    lines += ["## Decision", "", md(s.decision) + (f" Why: {md(s.why)}" if s.why else ""), ""]
    lines += ["## Close the loop", "", *([f"- {md(t)}" for t in s.told] or ["Nobody has been told yet."]), ""]
    return "\n".join(lines).rstrip() + "\n"


def design_rows(ctx: ReportContext) -> list[tuple[str, str]]:
    e = ctx.experiment
    pre, shipped, end = e.window() if e.shipped else (e.pre_start, None, e.post_end)
    rows = [("Journey", e.journey), ("Changed steps", ctx.steps(e.steps))]
    if e.design == Design.did:
        rows.append(("Comparison steps", ctx.steps(e.comparison_steps)))
    rows += [("Design", DESIGN_WORDS[e.design]),
             ("Target metric", f"{METRICS[e.metric].label} ({e.metric}), should {e.direction}"),
             ("Smallest change worth acting on", change_text(e.metric, e.smallest_effect, signed=False)
              if e.smallest_effect else "not set"),
             ("Guardrails", ", ".join(METRICS[g].label for g in e.guardrails) or "none"),
             ("Before-window", f"{day(pre)} – {day(shipped)}" if shipped else "—"),
             ("Change shipped", day(shipped)), ("After-window ends", day(end)),
             ("Owner", e.owner or "—"),
             ("Pain points", ", ".join(f"{k} {p.title}" for k, p in ctx.pains.items()) or "none")]
    if e.delivery_link:
        rows.append(("Delivery", e.delivery_link))
    return rows


# --- HTML -------------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#111827;margin:0;
background:#fff;line-height:1.5}
main{max-width:980px;margin:0 auto;padding:32px 28px 64px}
h1{font-size:1.7rem;margin:0 0 4px}h2{font-size:1.2rem;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;
padding-bottom:4px}h3{font-size:1.02rem;margin:20px 0 6px}
.muted{color:#6b7280;font-size:.9rem}.verdict{padding:12px 16px;border-radius:8px;margin:12px 0;font-weight:600}
.improved{background:#dcfce7;border-left:5px solid #16a34a}.worsened{background:#fee2e2;border-left:5px solid #dc2626}
.inconclusive{background:#fef9c3;border-left:5px solid #ca8a04}.none{background:#f3f4f6;border-left:5px solid #9ca3af}
table{border-collapse:collapse;margin:8px 0 12px;font-size:.93rem}td,th{border:1px solid #e5e7eb;padding:5px 10px;
text-align:left;vertical-align:top}th{background:#f9fafb;font-weight:600}
blockquote{margin:6px 0;padding:4px 12px;border-left:3px solid #d1d5db;color:#374151}
.chart svg{max-width:100%;height:auto}.tag{display:inline-block;padding:1px 8px;border-radius:10px;
background:#eef2ff;color:#3730a3;font-size:.82rem;font-weight:600}
section.story{margin-bottom:28px}
"""


def h(text: object) -> str:
    """Typed text as HTML text (never markup)."""
    return html.escape(str(text), quote=True)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{h(title)}</title>\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def _table(rows: Sequence[Sequence[object]], head: tuple[str, ...] | None = None) -> str:
    top = "<tr>" + "".join(f"<th>{h(c)}</th>" for c in head) + "</tr>" if head else ""
    body = "".join("<tr>" + "".join(f"<td>{h(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{top}{body}</table>"


def _verdict_class(result: Result | None) -> str:
    return "none" if result is None else result.verdict.value


def _story_html(s: Story) -> str:
    parts = [f'<section class="story"><h2>{h(s.key)} · {h(s.title)}</h2>',
             "<p><strong>You said:</strong> " + "; ".join(h(y) for y in s.you_said) + "</p>"]
    parts += [f"<blockquote>“{h(q)}”</blockquote>" for q in s.quotes]
    parts.append(f"<p><strong>We did:</strong> {h(s.we_did)}.</p>")
    if s.hypothesis:
        parts.append(f"<p><em>Why we expected it to help:</em> {h(s.hypothesis)}</p>")
    parts += [f"<p><strong>What happened:</strong> {h(s.result)}</p>",
              f"<p><strong>Decision:</strong> {h(s.decision)}</p>"]
    if s.why:
        parts.append(f"<p><em>Why:</em> {h(s.why)}</p>")
    if s.told:
        parts.append("<p><strong>Who we told:</strong></p><ul>" + "".join(f"<li>{h(t)}</li>" for t in s.told)
                     + "</ul>")
    return "\n".join([*parts, "</section>"])


def you_said_we_did_html(stories: Sequence[Story], *, title: str, note: str = "") -> str:
    """"You said, we did" as a self-contained HTML page."""
    body = [f"<h1>{h(title)}</h1>"]
    if note:
        body.append(f'<p class="muted">{h(note)}</p>')
    body += [_story_html(s) for s in stories] or ["<p>No experiment was decided in this period.</p>"]
    return _page(title, "\n".join(body))


def chart_svgs(ctx: ReportContext, width: int = 860) -> list[tuple[str, str]]:
    """(caption, inline SVG) for the trend chart and the effect chart, rendered offline."""
    from journeys.charts.experiment_series import chart_title, effect_chart, trend_chart
    from journeys.charts.export import export_chart

    e, r = ctx.experiment, ctx.experiment.result
    charts = []
    if ctx.series is not None and len(ctx.series):
        trend = trend_chart(ctx.series, e, interim=bool(r and r.interim)).properties(width=width)
        charts.append((chart_title(e), _inline_svg(export_chart(trend, "svg"))))
    if r is not None and r.effect is not None and r.ci_low is not None:
        effect = effect_chart(r, e).properties(width=width)
        charts.append((f"The effect and its {interval_name(r)}", _inline_svg(export_chart(effect, "svg"))))
    return charts


def _inline_svg(svg: bytes) -> str:
    """SVG markup to inline in HTML (the XML declaration dropped)."""
    text = svg.decode("utf-8")
    return text[text.index("<svg"):] if "<svg" in text else ""


def experiment_report_html(ctx: ReportContext, *, charts: bool = True) -> str:
    """The experiment report as one self-contained HTML file (charts as inline SVG)."""
    e, r = ctx.experiment, ctx.experiment.result
    title = f"{ctx.stored.key} · {e.title}"
    body = [f"<h1>{h(title)}</h1>",
            f'<p class="muted">Workspace {h(ctx.workspace)} · <span class="tag">{h(e.status.value)}</span> · version '
            f"{ctx.stored.version}, saved by {h(ctx.stored.updated_by)} · report generated "
            f"{h(day(datetime.now(UTC)))}</p>"]
    if e.hypothesis:
        body.append(f"<p><strong>Hypothesis:</strong> {h(e.hypothesis)}</p>")
    body += ["<h2>The experiment</h2>", _table(design_rows(ctx))]
    body += ["<h2>Result</h2>", f'<div class="verdict {_verdict_class(r)}">{h(verdict_headline(e, r))}</div>']
    if r is not None:
        reasons = verdict_reasons(r)
        if reasons:
            body.append("<ul>" + "".join(f"<li>{h(x)}</li>" for x in reasons) + "</ul>")
        body += [_table(figure_rows(r) + sample_rows(r), ("Figure", "Value")),
                 f"<p><strong>Pre-trend check:</strong> {h(pretrend_text(r))}</p>",
                 f'<p class="muted">Method: {h(r.method)} Analysed {h(day(r.analysed_at))} on tickets until '
                 f"{h(day(r.data_until))}" + (f" from {h(r.dataset)} v{r.dataset_version}" if r.dataset else "")
                 + ".</p>"]
        if r.guardrails:
            body += ["<h3>Guardrails</h3>", _table(
                [(METRICS[g.metric].label, change_text(g.metric, g.effect),
                  f"{change_text(g.metric, g.ci_low)} to {change_text(g.metric, g.ci_high)}", g.verdict.value)
                 for g in r.guardrails], ("Metric", "Effect", "Interval", "Verdict"))]
    if charts:
        for caption, svg in chart_svgs(ctx):
            body += [f"<h3>{h(caption)}</h3>", f'<div class="chart">{svg}</div>']
    s = story(ctx.stored, ctx.pains, ctx.labels)
    body += ["<h2>Decision</h2>", f"<p>{h(s.decision)}</p>"]
    if s.why:
        body.append(f"<p><em>Why:</em> {h(s.why)}</p>")
    body.append("<h2>Close the loop</h2>")
    if e.loop:
        body.append(_table([(day(t.on), t.audience.value + (f": {t.segment}" if t.segment else ""), t.channel,
                             t.message, t.by or "—") for t in e.loop],
                           ("When", "Audience", "Channel", "Message", "By")))
        links = [(day(t.on), t.evidence_link) for t in e.loop if t.evidence_link]
        if links:  # plain links to the evidence (nothing is loaded from them)
            body.append("<p>Evidence: " + " · ".join(f'<a href="{h(link)}" rel="noopener noreferrer">{h(when)}</a>'
                                                     for when, link in links) + "</p>")
    else:
        body.append("<p>Nobody has been told yet.</p>")
    if ctx.history:
        body += ["<h2>History</h2>", _table([(str(v.version), v.author, f"{v.created_at:%Y-%m-%d %H:%M} UTC",
                                              v.message) for v in ctx.history],
                                            ("Version", "By", "When", "What changed"))]
    return _page(title, "\n".join(body))


# --- "you said, we did" per experiment and per period ----------------------------------------------------


def stories_for(store: Store, workspace: str, stored: Sequence[StoredExperiment]) -> list[Story]:
    """The stories of these experiments (pain points and step labels read once)."""
    pains = {p.key: p.pain for p in PainPoints(store).list(workspace)}
    labels: dict[str, dict[str, str]] = {}
    for s in stored:
        if s.experiment.journey not in labels:
            try:
                journey = store.load(workspace, s.experiment.journey).journey
                labels[s.experiment.journey] = {step.id: step.label for step in journey.steps}
            except NotFound:
                labels[s.experiment.journey] = {}
    return [story(s, pains, labels[s.experiment.journey]) for s in stored]


def period_title(workspace: str, start: date, end: date) -> str:
    return f"You said, we did — {workspace}, {day(start)} to {day(end)}"
