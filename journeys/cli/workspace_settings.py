"""``journeys definitions …`` and ``journeys workspace …``: the workspace's settings.

Which definition stands behind each metric (ours or a help desk's), how a group on few tickets shows,
and the business hours first reply and resolution can be counted in. Each is a versioned setting: a
change is saved on top of the version read, so a colleague's change in the meantime is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from journeys.cli.app import FORMAT_OPTION, Group, with_workspace
from journeys.cli.printing import echo_json, emit

if TYPE_CHECKING:
    from journeys.workspace import Workspace


@click.group(cls=Group)
def definitions() -> None:
    """Which definition stands behind each metric (ours or a help desk's), and how few-ticket groups show."""


@definitions.command("list")
@FORMAT_OPTION
@with_workspace
def definitions_list(ws: Workspace, fmt: str) -> None:
    """Every metric family with a choice: the variants, the one in force (*), and the few-tickets setting."""
    from journeys.definitions import FAMILIES
    from journeys.definitions import load_settings as load_definitions

    chosen, version = load_definitions(ws.store, ws.name)
    rows = [{"metric": family, "variant": v.name, "chosen": v.name == chosen.chosen(family).name,
             "metrics": ", ".join(v.metrics), "definition": v.words}
            for family, variants in FAMILIES.items() for v in variants]
    emit(rows, fmt)
    if fmt == "table":
        click.echo(f"few-ticket groups: {chosen.few_tickets} · settings version {version}", err=True)


@definitions.command("set")
@click.argument("metric")
@click.argument("variant")
@with_workspace
def definitions_set(ws: Workspace, metric: str, variant: str) -> None:
    """Pick a definition: METRIC is fcr_rate, frt (first reply) or reopen_rate; VARIANT one of `definitions list`.

    METRIC `few-tickets` takes `show` or `blank` (a group under the minimum sample)."""
    from dataclasses import replace

    from journeys.definitions import family_of, save_settings, variant_of
    from journeys.definitions import load_settings as load_definitions

    chosen, version = load_definitions(ws.store, ws.name)
    if metric.strip().lower() in ("few-tickets", "few_tickets", "few"):
        updated = replace(chosen, few_tickets=variant.strip().lower())
        what = f"few-ticket groups: {updated.few_tickets}"
    else:
        family = family_of(metric)
        picked = variant_of(family, variant.strip().lower())
        updated = replace(chosen, variants={**chosen.variants, family: picked.name})
        what = f"{family}: {picked.name} ({picked.words})"
    saved = save_settings(ws.store, ws.name, updated, ws.settings.author, version, message=what)
    click.echo(f"{what} · settings version {saved}")


@click.group("workspace", cls=Group)
def workspace_group() -> None:
    """Workspace settings."""


workspace_group.add_command(definitions)  # `journeys workspace definitions …` = `journeys definitions …`


@workspace_group.group("schedule", cls=Group)
def schedule_group() -> None:
    """Business hours: the schedule first reply and resolution are also counted in (business minutes)."""


@schedule_group.command("show")
@click.option("--dataset", default=None, help="Also count this dataset's business minutes and compare them with "
              "the help desk's own business-hours columns.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@with_workspace
def schedule_show(ws: Workspace, dataset: str | None, fmt: str) -> None:
    """The workspace's schedule; with --dataset, what its business minutes rest on and agree with."""
    from journeys.business_hours import coverage, load_schedule, vendor_agreement, with_business_minutes

    schedule, version = load_schedule(ws.store, ws.name)
    body: dict[str, Any] = {"version": version, "schedule": schedule.to_json() if schedule else None}
    covered, agreements = [], []
    if schedule is not None and dataset is not None:
        found = ws.datasets.latest(dataset)
        table = with_business_minutes(ws.engine.tickets(found), schedule)
        covered, agreements = coverage(table), vendor_agreement(table)
        body |= {"dataset": dataset, "dataset_version": found.version, "coverage": [c.__dict__ for c in covered],
                 "vendor_agreement": [a.__dict__ | {"share": a.share} for a in agreements]}
    if fmt == "json":
        echo_json(body)
        return
    if schedule is None:
        click.echo(f"No business hours set for workspace '{ws.name}' (journeys workspace schedule set "
                   "--timezone ZONE --hours 'mon-fri 09:00-17:30').")
        return
    click.echo("\n".join([f"Business hours (version {version})", *schedule.describe()]))
    if dataset is not None:
        for c in covered:
            click.echo(c.sentence())
        for a in agreements:
            click.echo(a.sentence())
        if not agreements:
            click.echo("The export carries no help-desk business-hours column to compare with.")


@schedule_group.command("set")
@click.option("--timezone", required=True, help="IANA time zone of the opening hours, e.g. Europe/London.")
@click.option("--hours", "hours", multiple=True, required=True,
              help="DAYS HH:MM-HH:MM[,HH:MM-HH:MM], repeatable, e.g. 'mon-fri 09:00-17:30' 'sat 10:00-14:00'; "
                   "days not named are closed.")
@click.option("--country", default=None, help="Public holidays of this country (ISO code, e.g. GB, DE, US).")
@click.option("--subdivision", default=None, help="… and of this subdivision (e.g. ENG, BY, CA).")
@click.option("--closure", "closures", multiple=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="A date the help desk is closed (YYYY-MM-DD), repeatable.")
@click.option("--if-version", "if_version", type=int, default=None,
              help="Refuse to save unless the stored schedule is at this version (default: the current one).")
@with_workspace
def schedule_set(ws: Workspace, timezone: str, hours: tuple[str, ...], country: str | None, subdivision: str | None,
                 closures: tuple[datetime, ...], if_version: int | None) -> None:
    """Set the workspace's business hours (a new version; a concurrent change is refused, never lost)."""
    from journeys.business_hours import Schedule, load_schedule, parse_hours, save_schedule

    schedule = Schedule(timezone, parse_hours(hours), country=(country or "").upper() or None,
                        subdivision=(subdivision or "").upper() or None,
                        closures=tuple(sorted({c.date() for c in closures})))
    _, current = load_schedule(ws.store, ws.name)
    version = save_schedule(ws.store, ws.name, schedule, ws.settings.author,
                            expected_version=if_version if if_version is not None else current)
    click.echo(f"Saved business hours version {version}: " + "; ".join(schedule.describe()) + ".")
