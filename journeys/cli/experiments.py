"""``journeys experiments …``: list, show, analyse and report experiments from the command line.

The same functions as the Experiments and Review pages (:func:`~journeys.experiments.closing.analyse_and_record`,
:mod:`journeys.experiments.report`), so a number printed here is the number on the page.

Registration: ``journeys/cli.py`` loads this group only when ``journeys experiments`` is run
(its ``_TopGroup.LAZY``), so the statistics stack is not imported for other commands.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from journeys.cli import (
    FORMAT_OPTION,
    BadInput,
    _dataset_version,
    _emit,
    _Group,
    _number,
    _stored_document,
    _with_store,
)
from journeys.settings import Settings

LIST_COLUMNS = ["key", "title", "status", "design", "metric", "verdict", "interim", "effect", "ci_low", "ci_high",
                "decision"]


@click.group(cls=_Group)
def experiments() -> None:
    """Experiments: list them, show one, analyse it on the tickets, write its report."""


def _stored(store, settings: Settings, key: str):
    """The experiment's newest version, or a clear error naming the keys that exist."""
    from journeys.experiments import Experiments

    return _stored_document(Experiments(store), settings, key, "EX", "experiment",
                            "create one on the Experiments page")


def _row(stored) -> dict[str, Any]:
    e, r = stored.experiment, stored.experiment.result
    return {"key": stored.key, "title": e.title, "status": e.status.value, "design": e.design.value,
            "metric": e.metric, "verdict": r.verdict.value if r else None, "interim": r.interim if r else None,
            "effect": _number(r.effect) if r else None, "ci_low": _number(r.ci_low) if r else None,
            "ci_high": _number(r.ci_high) if r else None,
            "decision": e.decision.outcome.value if e.decision else None}


def _table(store, settings: Settings, journey_name: str, dataset: str | None):
    """(mapped ticket table, dataset version, engine) for a journey; the caller closes the engine."""
    from journeys.store.tickets import TicketStore
    from journeys.tickets.engine import TicketEngine

    version = _dataset_version(store, settings, dataset)
    if version is None:
        raise BadInput("there is no ticket dataset to analyse; import one with `journeys tickets import`")
    journey = store.load(settings.workspace, journey_name).journey
    engine = TicketEngine()
    try:
        table = engine.mapped(version, TicketStore(store).load_rules(settings.workspace, journey_name), journey).table
    except BaseException:
        engine.close()
        raise
    return table, version, engine


@experiments.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(["draft", "running", "analysed", "decided"]),
              help="Only experiments with this status (repeat for several).")
@click.option("--verdict", "verdicts", multiple=True, type=click.Choice(["improved", "worsened", "inconclusive"]),
              help="Only experiments whose last analysis says this (repeat for several).")
@FORMAT_OPTION
@_with_store
def experiments_list(store, settings: Settings, statuses: tuple[str, ...], verdicts: tuple[str, ...],
                     fmt: str) -> None:
    """Every experiment with its status and last result (effect and interval in the metric's units)."""
    from journeys.experiments import Experiments

    rows = [_row(s) for s in Experiments(store).list(settings.workspace)]
    rows = [r for r in rows if (not statuses or r["status"] in statuses) and (not verdicts or r["verdict"] in verdicts)]
    _emit(rows, fmt, LIST_COLUMNS)
    if fmt == "table":
        click.echo("effect and interval in the metric's units (rates as fractions: -0.12 = 12 points lower)", err=True)


def _show_dict(store, settings: Settings, stored) -> dict[str, Any]:
    from journeys.experiments import Experiments
    from journeys.experiments.closing import told_after_decision
    from journeys.experiments.report import verdict_headline, verdict_reasons

    e = stored.experiment
    history = [{"version": r.version, "author": r.author, "saved_at": r.created_at.isoformat(timespec="seconds"),
                "message": r.message} for r in Experiments(store).history(settings.workspace, stored.key)]
    return {"key": stored.key, "version": stored.version, "updated_by": stored.updated_by,
            "updated_at": stored.updated_at.isoformat(timespec="seconds"), **e.model_dump(mode="json"),
            "verdict_words": verdict_headline(e, e.result), "verdict_reasons": verdict_reasons(e.result),
            "loop_open": e.decision is not None and not told_after_decision(e), "history": history}


@experiments.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="How to print it.")
@_with_store
def experiments_show(store, settings: Settings, key: str, fmt: str) -> None:
    """One experiment: design, dates, result, decision, close-the-loop log and history."""
    stored = _stored(store, settings, key)
    shown = _show_dict(store, settings, stored)
    if fmt == "json":
        click.echo(json.dumps(shown, indent=2, default=str, ensure_ascii=False))
        return
    from journeys.experiments.report import design_rows, report_context

    e = stored.experiment
    click.echo(f"{stored.key}  {e.title}")
    click.echo(f"status: {e.status.value} · version {stored.version}, saved by {stored.updated_by} at "
               f"{shown['updated_at']}")
    _emit([{"field": k, "value": v} for k, v in design_rows(report_context(store, settings.workspace, stored.key))],
          "table", ["field", "value"])
    if e.hypothesis:
        click.echo(f"\nhypothesis: {e.hypothesis}")
    _echo_result(e, e.result)
    click.echo("\ndecision: " + (f"{e.decision.outcome.value} by {e.decision.by} on {e.decision.at:%Y-%m-%d}: "
                                 f"{e.decision.why}" if e.decision else "none yet"))
    click.echo("\nclose-the-loop log:" + ("" if e.loop else " nobody told yet"))
    if e.loop:
        _emit([{"on": t.on.isoformat(), "audience": t.audience.value + (f": {t.segment}" if t.segment else ""),
                "channel": t.channel, "message": t.message, "by": t.by, "evidence": t.evidence_link} for t in e.loop],
              "table", ["on", "audience", "channel", "message", "by", "evidence"])
    if shown["loop_open"]:
        click.echo("loop still open: nobody has been told since the decision", err=True)
    click.echo("\nhistory:")
    _emit(shown["history"], "table", ["version", "author", "saved_at", "message"])


def _echo_result(experiment, result) -> None:
    from journeys.experiments.report import figure_rows, pretrend_text, sample_rows, verdict_headline, verdict_reasons

    click.echo(f"\n{verdict_headline(experiment, result)}")
    if result is None:
        return
    for reason in verdict_reasons(result):
        click.echo(f"  - {reason}")
    _emit([{"figure": a, "value": b} for a, b in figure_rows(result) + sample_rows(result)], "table",
          ["figure", "value"])
    click.echo(f"pre-trend check: {pretrend_text(result)}")
    if result.guardrails:
        _emit([{"guardrail": g.metric, "effect": _number(g.effect), "ci_low": _number(g.ci_low),
                "ci_high": _number(g.ci_high), "verdict": g.verdict.value} for g in result.guardrails], "table",
              ["guardrail", "effect", "ci_low", "ci_high", "verdict"])


@experiments.command("analyse")
@click.argument("key")
@click.option("--dataset", default=None, help="Ticket dataset to analyse (default: the latest imported).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="How to print the result.")
@_with_store
def experiments_analyse(store, settings: Settings, key: str, dataset: str | None, fmt: str) -> None:
    """Analyse an experiment on the tickets and record the result.

    A running experiment whose after-window the tickets cover becomes "analysed"; before that the
    result is recorded as an interim look (anytime-valid interval) and it keeps running.
    """
    from journeys.experiments import Experiments
    from journeys.experiments.closing import analyse_and_record

    stored = _stored(store, settings, key)
    table, version, engine = _table(store, settings, stored.experiment.journey, dataset)
    try:
        done = analyse_and_record(Experiments(store), settings.workspace, stored.key, table, settings.author,
                                  expected_version=stored.version, dataset=version.name,
                                  dataset_version=version.version)
    finally:
        engine.close()
    if fmt == "json":
        click.echo(json.dumps({"key": stored.key, "status": done.status.value, "version": done.version,
                               **done.result.model_dump(mode="json")}, indent=2, default=str, ensure_ascii=False))
    else:
        _echo_result(stored.experiment, done.result)
    click.echo(f"{stored.key}: {done.what}; dataset '{version.name}' version {version.version}.", err=True)


@experiments.command("report")
@click.argument("key", required=False)
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True,
              help="html: self-contained (charts as SVG); markdown: text only.")
@click.option("--you-said-we-did", "told", is_flag=True,
              help="The customer-facing summary (what you said, what we did, what came of it) instead of the "
                   "full report.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Without KEY: \"you said, we did\" for every experiment decided from this day …")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="… to this day (included).")
@click.option("--dataset", default=None, help="Ticket dataset for the report's chart (default: the latest imported).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@_with_store
def experiments_report(store, settings: Settings, key: str | None, fmt: str, told: bool, start: datetime | None,
                       end: datetime | None, dataset: str | None, output: str | None) -> None:
    """The experiment report (KEY), its "you said, we did" (--you-said-we-did), or a period's (--from/--to)."""
    from journeys.experiments import Experiments
    from journeys.experiments.closing import decided_between
    from journeys.experiments.report import (
        experiment_report_html,
        experiment_report_markdown,
        period_title,
        report_context,
        stories_for,
        you_said_we_did_html,
        you_said_we_did_markdown,
    )

    if key is None:
        if start is None or end is None:
            raise BadInput("give an experiment KEY, or --from and --to for the experiments decided in a period")
        first, last = start.date(), end.date()
        if first > last:
            raise BadInput("--from must not be after --to")
        chosen = decided_between(Experiments(store).list(settings.workspace), first, last)
        title = period_title(settings.workspace, first, last)
        stories = stories_for(store, settings.workspace, chosen)
        note = f"{len(chosen)} experiment(s) decided in this period."
        text = (you_said_we_did_html(stories, title=title, note=note) if fmt == "html"
                else you_said_we_did_markdown(stories, title=title, note=note))
        what = f"{len(chosen)} decided experiment(s)"
    else:
        if start is not None or end is not None:
            raise BadInput("--from/--to are for a period's \"you said, we did\"; leave out KEY to use them")
        stored = _stored(store, settings, key)
        if told:
            stories = stories_for(store, settings.workspace, [stored])
            title = f"You said, we did — {stored.key}"
            text = you_said_we_did_html(stories, title=title) if fmt == "html" else you_said_we_did_markdown(
                stories, title=title)
        else:
            table, engine = None, None
            if fmt == "html" and _dataset_version(store, settings, dataset) is not None:
                table, _, engine = _table(store, settings, stored.experiment.journey, dataset)
            try:
                ctx = report_context(store, settings.workspace, stored.key, table)
                text = experiment_report_html(ctx) if fmt == "html" else experiment_report_markdown(ctx)
            finally:
                if engine is not None:
                    engine.close()
        what = stored.key
    _write(text, output, f"{what}, {fmt}")


@experiments.command("customers")
@click.argument("key")
@click.option("--dataset", default=None, help="Ticket dataset (default: the latest imported).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@_with_store
def experiments_customers(store, settings: Settings, key: str, dataset: str | None, output: str | None) -> None:
    """Customers with tickets on the changed steps after the change, as CSV: who to tell."""
    from journeys.experiments.closing import affected_customers, affected_customers_csv

    stored = _stored(store, settings, key)
    if stored.experiment.shipped is None:
        raise BadInput(f"{stored.key} has no shipped date yet, so there is no after-window")
    table, _, engine = _table(store, settings, stored.experiment.journey, dataset)
    try:
        frame = affected_customers(table, stored.experiment)
    finally:
        engine.close()
    _write(affected_customers_csv(frame), output, f"{len(frame):,} customers")


def _write(text: str, output: str | None, what: str) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise BadInput(f"cannot write {output}: {error.strerror or error}") from None
    click.echo(f"Wrote {output} ({what}).", err=True)
