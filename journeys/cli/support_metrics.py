"""``journeys metrics``: support metrics per step, group, channel, month … from a ticket dataset.

The numbers come from :func:`journeys.usecases.measure.metrics_table`, the use case the Friction page
calls too, so a figure printed here is the figure on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from journeys.cli.app import CLOCK_OPTION, FORMAT_OPTION, BadInput, with_workspace
from journeys.cli.printing import cell, echo_json, emit, number

if TYPE_CHECKING:
    from journeys.usecases.measure import MetricsTable
    from journeys.workspace import Workspace

PERIODS = ("day", "week", "month")


@click.command()
@click.option("--dataset", required=True, help="Ticket dataset name.")
@click.option("--journey", "journey_name", default=None, help="Journey whose rules map tickets to steps (default: "
              "the workspace's first current-state journey; only --by step needs one).")
@click.option("--by", "by", default="step", show_default=True,
              help="Group by: step, week, month, day, channel, group, status, or any column (x_ extras too), or a "
                   "comma list (e.g. group,month).")
@click.option("--from", "start", type=click.DateTime(), default=None, help="First day (inclusive).")
@click.option("--to", "end", type=click.DateTime(), default=None, help="Last day (exclusive).")
@click.option("--min-sample", default=30, show_default=True, help="Fewer tickets than this is marked as few.")
@click.option("--few-tickets", "few", type=click.Choice(["show", "blank"]), default=None,
              help="A value on fewer than --min-sample tickets: shown and marked 'few tickets (n=…)', or left empty "
                   "(default: the workspace's setting, see `journeys definitions`).")
@CLOCK_OPTION
@FORMAT_OPTION
@with_workspace
def metrics(ws: Workspace, dataset: str, journey_name: str | None, by: str, start: Any, end: Any, min_sample: int,
            few: str | None, clock: str, fmt: str) -> None:
    """Support metrics per step, group, channel, status, month … (catalogue names as columns), from a ticket dataset.

    JSON is an object: the dataset, the grouping, ``definitions`` (metric → definition id and words, as the
    workspace chose them) and ``rows``; a row's ``few`` names each metric resting on fewer than --min-sample
    tickets with its ``n``. CSV keeps one row per group and ends with a ``few_tickets`` and a ``definitions``
    column (ids), so the file carries its definitions wherever it goes; the words are printed on stderr.
    """
    from journeys.usecases.measure import NoBusinessHours, current_journey, metrics_table

    parts = [p.strip() for p in by.split(",") if p.strip()]
    periods = [p for p in parts if p in PERIODS]
    if len(periods) > 1:
        raise BadInput("--by takes at most one period (day, week or month)")
    keys = ["journey_step" if p == "step" else p for p in parts if p not in PERIODS]
    if journey_name is None:
        journey_name = current_journey(ws)
        if journey_name is None and "journey_step" in keys:
            raise BadInput("the workspace has no current-state journey; pass --journey (or group by something "
                           "other than step: --by group, channel, status, month …)")
    try:
        result = metrics_table(ws, dataset, journey=journey_name, by=keys, period=periods[0] if periods else None,
                               start=start, end=end, min_sample=min_sample, few_tickets=few, minutes=clock)
    except NoBusinessHours as error:
        raise BadInput(f"--minutes business: {error.message}") from None
    for warning in result.warnings:  # a broken rule is skipped, never the whole rule set
        click.echo(f"warning: {warning}", err=True)
    if result.business_hours is not None:
        schedule_version, described = result.business_hours
        click.echo(f"minutes: business minutes under business hours version {schedule_version} "
                   f"({'; '.join(described)})", err=True)
    _print(result, dataset, min_sample, clock, fmt)


def _print(result: MetricsTable, dataset: str, min_sample: int, clock: str, fmt: str) -> None:
    """The metrics table as JSON (an object with the definitions), CSV (ids in the file) or a table."""
    names, period, resolved = result.metrics, result.period, result.resolved
    columns = [*result.keys, *(["period"] if period else []), "n", *names]
    rows = [_metric_row(r, columns, names, result.frame.attrs["samples"]) for r in result.frame.to_dict("records")]
    if fmt == "json":
        echo_json({"dataset": dataset, "version": result.dataset.version, "journey": result.journey,
                   "by": [*result.keys, *([period] if period else [])], "min_sample": min_sample,
                   "few_tickets": result.few_tickets, "definitions": resolved.as_json(names), "minutes": clock,
                   "rows": rows})
        return
    for row in rows:  # CSV and table: the few-ticket marks in words, the definition ids in the file itself
        few_marks = row.pop("few")
        row["few_tickets"] = "; ".join(f"{m} n={v['n']:,}" for m, v in few_marks.items())
        if fmt == "table":
            row.update({m: f"{cell(row[m])} · few (n={v['n']:,})" for m, v in few_marks.items()})
        else:
            row["definitions"] = resolved.ids_text(names)
    emit(rows, fmt, [*columns, "few_tickets", *(["definitions"] if fmt == "csv" else [])])
    for metric in names:  # the sidecar: every number's definition, in words (never inside the CSV)
        click.echo(f"definition {resolved.ids[metric]}: {resolved.words[metric]}", err=True)
    click.echo(f"dataset '{dataset}' version {result.dataset.version} · "
               + (f"journey '{result.journey}' · " if result.journey else "no journey (step metrics need one) · ")
               + f"rates are fractions; fewer than {min_sample} tickets: "
               + ("shown, marked few" if result.keep_few else "empty"), err=True)


def _metric_row(record: Mapping[Any, Any], columns: list[str], names: list[str],
                samples: dict[str, str]) -> dict[str, Any]:
    """One output row: the keys and values, and ``few``: each metric on too few tickets with its sample ``n``."""
    row: dict[str, Any] = {c: number(record.get(c)) for c in columns}
    row["few"] = {m: {"n": int(number(record.get(samples[m])) or 0), "few": True}
                  for m in names if record.get(f"{m}_too_few") and record.get(samples[m])}  # n=0: no value at all
    return row
