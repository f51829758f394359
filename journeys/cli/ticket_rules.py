"""``journeys tickets rules …``: show, add, remove, move and test a journey's mapping rules.

Rules are ordered (the first match wins) and versioned: every change is saved on top of the version it
was read at, so a colleague's change in the meantime is refused, never overwritten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from journeys.cli.app import FORMAT_OPTION, BadInput, Group, with_workspace
from journeys.cli.printing import REVISION_COLUMNS, echo_json, emit, revisions

if TYPE_CHECKING:
    from journeys.tickets.rules import Rule, RuleSet
    from journeys.workspace import Workspace

OPERATORS = click.Choice(["equals", "contains", "regex", "in"])


@click.group(cls=Group)
def rules() -> None:
    """Show, add and check a journey's mapping rules (ordered; the first match wins)."""


@rules.command("show")
@click.argument("journey_name", metavar="JOURNEY")
@FORMAT_OPTION
@with_workspace
def rules_show(ws: Workspace, journey_name: str, fmt: str) -> None:
    """The journey's rules in order."""
    rule_set = ws.rules.load(journey_name)
    rows = [{"order": i + 1, **r.to_dict()} for i, r in enumerate(rule_set.rules)]
    emit(rows, fmt, ["order", "step", "field", "op", "value", "name"])
    if fmt == "table":
        click.echo(f"version {rule_set.version}", err=True)


@rules.command("add")
@click.argument("journey_name", metavar="JOURNEY")
@click.option("--step", required=True, help="Step id the matching tickets land on.")
@click.option("--field", "field_", required=True, help="Ticket column, e.g. tags, category, subject, x_<extra>.")
@click.option("--op", type=OPERATORS, default="equals", show_default=True)
@click.option("--value", "values", required=True, multiple=True, help="Value (repeat for --op in).")
@click.option("--name", default="", help="A name shown in previews.")
@with_workspace
def rules_add(ws: Workspace, journey_name: str, step: str, field_: str, op: str, values: tuple[str, ...],
              name: str) -> None:
    """Append a rule (checked against the journey before it is saved)."""
    from journeys.errors import InvalidJourney
    from journeys.tickets.rules import Rule, added_rule_problems, rule_columns

    current = ws.rules.load(journey_name)
    rule = Rule(step=step, field=field_, op=op, value=list(values) if op == "in" else values[0], name=name)
    columns, columns_of = rule_columns([d.path for d in ws.datasets.list()])
    problems = added_rule_problems(current.rules, rule, ws.journeys.get(journey_name), columns, columns_of=columns_of)
    if problems:
        raise InvalidJourney("The rule was not added", problems)
    version = _saved(ws, journey_name, [*current.rules, rule], f"Added rule {rule.describe()}", current.version)
    click.echo(f"Rule {len(current.rules) + 1} added ({rule.describe()} → {step}); rules version {version}.")


def _saved(ws: Workspace, journey_name: str, rule_list: list[Rule], message: str, expected: int) -> int:
    """Save a changed rule list on top of the version it was read at (stale saves are refused)."""
    return ws.rules.save(journey_name, rule_list, ws.settings.author, message=message, expected_version=expected)


def _rule_at(rule_set: RuleSet, position: int, what: str) -> int:
    """The 0-based index of rule ``position`` (1-based, as `rules show` numbers them), or a clear error."""
    if not 1 <= position <= len(rule_set.rules):
        raise BadInput(f"{what}: there is no rule {position}; '{rule_set.journey}' has "
                       f"{len(rule_set.rules)} rule(s) (see `journeys tickets rules show`)")
    return position - 1


@rules.command("remove")
@click.argument("journey_name", metavar="JOURNEY")
@click.argument("position", type=int)
@with_workspace
def rules_remove(ws: Workspace, journey_name: str, position: int) -> None:
    """Remove rule POSITION (1 = first) as a new rules version."""
    current = ws.rules.load(journey_name)
    index = _rule_at(current, position, "remove")
    removed = current.rules[index]
    rest = current.rules[:index] + current.rules[index + 1:]
    version = _saved(ws, journey_name, rest, f"Removed rule {removed.describe()}", current.version)
    click.echo(f"Rule {position} removed ({removed.describe()} → {removed.step}); rules version {version}.")


@rules.command("move")
@click.argument("journey_name", metavar="JOURNEY")
@click.argument("position", type=int)
@click.option("--to", "target", type=int, required=True, help="New position (1 = first; first match wins).")
@with_workspace
def rules_move(ws: Workspace, journey_name: str, position: int, target: int) -> None:
    """Move rule POSITION to --to (earlier rules win), as a new rules version."""
    current = ws.rules.load(journey_name)
    index, to = _rule_at(current, position, "move"), _rule_at(current, target, "move --to")
    moved = list(current.rules)
    rule = moved.pop(index)
    moved.insert(to, rule)
    version = _saved(ws, journey_name, moved, f"Moved rule {rule.describe()} to {target}", current.version)
    click.echo(f"Rule {rule.describe()} is now rule {target}; rules version {version}.")


@rules.command("history")
@click.argument("journey_name", metavar="JOURNEY")
@FORMAT_OPTION
@with_workspace
def rules_history(ws: Workspace, journey_name: str, fmt: str) -> None:
    """Every saved version of the journey's rules: who, when, why."""
    emit(revisions(ws.rules.history(journey_name)), fmt, REVISION_COLUMNS)


@rules.command("test")
@click.argument("journey_name", metavar="JOURNEY")
@click.option("--dataset", required=True, help="Ticket dataset to test the rules on (its latest version).")
@click.option("--step", default=None, help="With --field/--value: a draft rule to try at the end, not saved.")
@click.option("--field", "field_", default=None, help="Draft rule's ticket column.")
@click.option("--op", type=OPERATORS, default="equals", show_default=True)
@click.option("--value", "values", multiple=True, help="Draft rule's value (repeat for --op in).")
@FORMAT_OPTION
@with_workspace
def rules_test(ws: Workspace, journey_name: str, dataset: str, step: str | None, field_: str | None, op: str,
               values: tuple[str, ...], fmt: str) -> None:
    """What each rule places on a dataset (and a draft rule, if given), and how many tickets stay on no step."""
    from journeys.errors import InvalidJourney
    from journeys.tickets.engine import ticket_source
    from journeys.tickets.rules import Rule, RuleSet, preview, unmapped_report, validate_rules
    from journeys.usecases.measure import current_topics

    current = ws.rules.load(journey_name)
    trying = list(current.rules)
    if step or field_ or values:
        if not (step and field_ and values):
            raise BadInput("a draft rule needs --step, --field and --value")
        trying.append(Rule(step=step, field=field_, op=op, value=list(values) if op == "in" else values[0],
                           name="draft (not saved)"))
    journey = ws.journeys.get(journey_name)
    version = ws.datasets.latest(dataset)
    topics = current_topics(ws, version)  # topic rules test the version's current topics
    problems = validate_rules(trying, journey, list(ws.engine.tickets(version, topics).columns))
    if problems:
        raise InvalidJourney("The rules cannot be tested", problems)
    con = ws.engine.cursor()
    try:
        trial = RuleSet(journey=journey_name, rules=trying, version=current.version)
        counts = preview(con, ticket_source(version, topics), trial, journey)
        unmapped = unmapped_report(con, ticket_source(version, topics), trial, journey, top=5)
    finally:
        con.close()
    rows: list[dict[str, Any]] = [
        {"order": int(r["rule_index"]) + 1, "rule": r["rule"], "step": r["step"], "placed": int(r["matched"]),
         "shadowed": int(r["shadowed"]), "overridden": int(r["overridden"])} for r in counts.to_dict("records")]
    if fmt == "json":
        echo_json({"dataset": dataset, "version": version.version, "rules_version": current.version,
                   "rules": rows, "unmapped": unmapped})
        return
    emit(rows, fmt, ["order", "rule", "step", "placed", "shadowed", "overridden"])
    if fmt == "table":
        never = [r["order"] for r in rows if r["placed"] == 0 and r["shadowed"] > 0]
        click.echo(f"{unmapped['unmapped']:,} of {unmapped['tickets']:,} tickets ({unmapped['share']:.1%}) on no "
                   "step" + (f"; rule(s) {', '.join(map(str, never))} never fire (an earlier rule takes their "
                             "tickets)" if never else ""), err=True)
