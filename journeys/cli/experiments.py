"""``journeys experiments …``: list, show, analyse and report experiments from the command line.

The same use cases as the Experiments and Review pages (:mod:`journeys.usecases.improve`: analyse,
report, "you said, we did", customers), so a number printed here is the number on the page.

Registration: the top group (:mod:`journeys.cli.app`) loads this module only when ``journeys experiments``
runs, and the commands import the statistics stack inside, so other commands never pay for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from journeys.cli.app import FORMAT_OPTION, BadInput, Group, dataset_version, stored_document, with_workspace
from journeys.cli.printing import REVISION_COLUMNS, echo_json, emit, number, revisions, write_text

if TYPE_CHECKING:
    from journeys.experiments.experiment import Experiment, Result
    from journeys.experiments.repository import StoredExperiment
    from journeys.tickets.datasets import DatasetVersion
    from journeys.usecases.improve import Format
    from journeys.workspace import Workspace

LIST_COLUMNS = ["key", "title", "status", "design", "metric", "verdict", "interim", "effect", "ci_low", "ci_high",
                "decision"]


@click.group(cls=Group)
def experiments() -> None:
    """Experiments: list them, show one, analyse it on the tickets, write its report."""


def _stored(ws: Workspace, key: str) -> StoredExperiment:
    """The experiment's newest version, or a clear error naming the keys that exist."""
    stored: StoredExperiment = stored_document(ws, ws.experiments, key, "EX", "experiment",
                                               "create one on the Experiments page")
    return stored


def _row(stored: StoredExperiment) -> dict[str, Any]:
    e, r = stored.experiment, stored.experiment.result
    return {"key": stored.key, "title": e.title, "status": e.status.value, "design": e.design.value,
            "metric": e.metric, "verdict": r.verdict.value if r else None, "interim": r.interim if r else None,
            "effect": number(r.effect) if r else None, "ci_low": number(r.ci_low) if r else None,
            "ci_high": number(r.ci_high) if r else None,
            "decision": e.decision.outcome.value if e.decision else None}


def _dataset(ws: Workspace, name: str | None) -> DatasetVersion:
    """The dataset to analyse on (--dataset, or the latest import), or a clear error when there is none."""
    version = dataset_version(ws, name)
    if version is None:
        raise BadInput("there is no ticket dataset to analyse; import one with `journeys tickets import`")
    return version


@experiments.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(["draft", "running", "analysed", "decided"]),
              help="Only experiments with this status (repeat for several).")
@click.option("--verdict", "verdicts", multiple=True, type=click.Choice(["improved", "worsened", "inconclusive"]),
              help="Only experiments whose last analysis says this (repeat for several).")
@FORMAT_OPTION
@with_workspace
def experiments_list(ws: Workspace, statuses: tuple[str, ...], verdicts: tuple[str, ...], fmt: str) -> None:
    """Every experiment with its status and last result (effect and interval in the metric's units)."""
    rows = [_row(s) for s in ws.experiments.list()]
    rows = [r for r in rows if (not statuses or r["status"] in statuses) and (not verdicts or r["verdict"] in verdicts)]
    emit(rows, fmt, LIST_COLUMNS)
    if fmt == "table":
        click.echo("effect and interval in the metric's units (rates as fractions: -0.12 = 12 points lower)", err=True)


def _show_dict(ws: Workspace, stored: StoredExperiment) -> dict[str, Any]:
    from journeys.experiments.closing import told_after_decision
    from journeys.experiments.report import verdict_headline, verdict_reasons

    e = stored.experiment
    history = revisions(ws.experiments.history(stored.key))
    return {"key": stored.key, "version": stored.version, "updated_by": stored.updated_by,
            "updated_at": stored.updated_at.isoformat(timespec="seconds"), **e.model_dump(mode="json"),
            "verdict_words": verdict_headline(e, e.result), "verdict_reasons": verdict_reasons(e.result),
            "loop_open": e.decision is not None and not told_after_decision(e), "history": history}


@experiments.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="How to print it.")
@with_workspace
def experiments_show(ws: Workspace, key: str, fmt: str) -> None:
    """One experiment: design, dates, result, decision, close-the-loop log and history."""
    stored = _stored(ws, key)
    shown = _show_dict(ws, stored)
    if fmt == "json":
        echo_json(shown)
        return
    from journeys.experiments.report import design_rows, report_context

    e = stored.experiment
    click.echo(f"{stored.key}  {e.title}")
    click.echo(f"status: {e.status.value} · version {stored.version}, saved by {stored.updated_by} at "
               f"{shown['updated_at']}")
    emit([{"field": k, "value": v} for k, v in design_rows(report_context(ws.store, ws.name, stored.key))],
          "table", ["field", "value"])
    if e.hypothesis:
        click.echo(f"\nhypothesis: {e.hypothesis}")
    _echo_result(e, e.result)
    click.echo("\ndecision: " + (f"{e.decision.outcome.value} by {e.decision.by} on {e.decision.at:%Y-%m-%d}: "
                                 f"{e.decision.why}" if e.decision else "none yet"))
    click.echo("\nclose-the-loop log:" + ("" if e.loop else " nobody told yet"))
    if e.loop:
        emit([{"on": t.on.isoformat(), "audience": t.audience.value + (f": {t.segment}" if t.segment else ""),
                "channel": t.channel, "message": t.message, "by": t.by, "evidence": t.evidence_link} for t in e.loop],
              "table", ["on", "audience", "channel", "message", "by", "evidence"])
    if shown["loop_open"]:
        click.echo("loop still open: nobody has been told since the decision", err=True)
    click.echo("\nhistory:")
    emit(shown["history"], "table", REVISION_COLUMNS)


def _echo_result(experiment: Experiment, result: Result | None) -> None:
    from journeys.experiments.report import figure_rows, pretrend_text, sample_rows, verdict_headline, verdict_reasons

    click.echo(f"\n{verdict_headline(experiment, result)}")
    if result is None:
        return
    for reason in verdict_reasons(result):
        click.echo(f"  - {reason}")
    emit([{"figure": a, "value": b} for a, b in figure_rows(result) + sample_rows(result)], "table",
          ["figure", "value"])
    click.echo(f"pre-trend check: {pretrend_text(result)}")
    if result.guardrails:
        emit([{"guardrail": g.metric, "effect": number(g.effect), "ci_low": number(g.ci_low),
                "ci_high": number(g.ci_high), "verdict": g.verdict.value} for g in result.guardrails], "table",
              ["guardrail", "effect", "ci_low", "ci_high", "verdict"])


@experiments.command("analyse")
@click.argument("key")
@click.option("--dataset", default=None, help="Ticket dataset to analyse (default: the latest imported).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="How to print the result.")
@with_workspace
def experiments_analyse(ws: Workspace, key: str, dataset: str | None, fmt: str) -> None:
    """Analyse an experiment on the tickets and record the result.

    A running experiment whose after-window the tickets cover becomes "analysed"; before that the
    result is recorded as an interim look (anytime-valid interval) and it keeps running.
    """
    from journeys.usecases.improve import analyse

    stored = _stored(ws, key)
    version = _dataset(ws, dataset)
    done = analyse(ws, stored.key, ws.settings.author, dataset=version, expected_version=stored.version)
    if fmt == "json":
        echo_json({"key": stored.key, "status": done.status.value, "version": done.version,
                   **done.result.model_dump(mode="json")})
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
@with_workspace
def experiments_report(ws: Workspace, key: str | None, fmt: str, told: bool, start: datetime | None,
                       end: datetime | None, dataset: str | None, output: str | None) -> None:
    """The experiment report (KEY), its "you said, we did" (--you-said-we-did), or a period's (--from/--to)."""
    from journeys.usecases.improve import decided_in, period_report, report, you_said_we_did

    form: Format = "html" if fmt == "html" else "markdown"
    if key is None:
        if start is None or end is None:
            raise BadInput("give an experiment KEY, or --from and --to for the experiments decided in a period")
        if start.date() > end.date():
            raise BadInput("--from must not be after --to")
        period = decided_in(ws, start.date(), end.date())
        text = period_report(ws, period, form)
        what = f"{len(period.decided)} decided experiment(s)"
    else:
        if start is not None or end is not None:
            raise BadInput("--from/--to are for a period's \"you said, we did\"; leave out KEY to use them")
        stored = _stored(ws, key)
        if told:
            text = you_said_we_did(ws, [stored], form)
        else:
            text = report(ws, stored.key, form, dataset_version(ws, dataset) if form == "html" else None)
        what = stored.key
    write_text(text, output, f"{what}, {fmt}")


@experiments.command("customers")
@click.argument("key")
@click.option("--dataset", default=None, help="Ticket dataset (default: the latest imported).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@with_workspace
def experiments_customers(ws: Workspace, key: str, dataset: str | None, output: str | None) -> None:
    """Customers with tickets on the changed steps after the change, as CSV: who to tell."""
    from journeys.usecases.improve import customers, customers_file

    stored = _stored(ws, key)
    if stored.experiment.shipped is None:
        raise BadInput(f"{stored.key} has no shipped date yet, so there is no after-window")
    frame = customers(ws, stored, _dataset(ws, dataset))
    write_text(customers_file(ws, stored.key, frame), output, f"{len(frame):,} customers")
