"""``journeys painpoints …``: pain points ranked by score, shown with their evidence, written up, edited, exported.

The ranking and the write-up are the Priorities and Friction pages' use cases
(:func:`journeys.usecases.prioritise.rank`, :func:`~journeys.usecases.prioritise.write_up`), so a rank
printed here is the rank on the page, and evidence is frozen the same way wherever a pain point is written.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from journeys.bounded import some_of
from journeys.cli.app import FORMAT_OPTION, BadInput, Group, dataset_version, stored_document, with_workspace
from journeys.cli.painpoint_fields import (
    PAIN_OPTIONS,
    effort_of,
    score_dict,
    shown_row,
    status_of,
    stored_dict,
    valid_pain,
    window_note,
)
from journeys.cli.printing import MESSAGE_WIDTH, REVISION_COLUMNS, cell, echo_json, emit, number, revisions, write_text
from journeys.errors import clip_echo

if TYPE_CHECKING:
    from journeys.model import Journey
    from journeys.painpoints import PainPoint, StoredPainPoint
    from journeys.priorities import Ranking, Score
    from journeys.usecases.prioritise import WrittenUp
    from journeys.workspace import Workspace

PAIN_COLUMNS = ["rank", "key", "title", "journey", "steps", "metric", "status", "owner", "score", "reach", "impact",
                "confidence", "effort", "effort_estimated", "tickets", "change"]
DATASET_HELP = "Ticket dataset to score against (default: the latest imported)."


@click.group(cls=Group)
def painpoints() -> None:
    """Pain points: ranked by score, shown with their evidence, written up, edited and exported."""


def _ranking(ws: Workspace, dataset: str | None) -> Ranking:
    """The workspace's pain points scored against a dataset (the Priorities page's ranking)."""
    from journeys.usecases.prioritise import rank

    return rank(ws, dataset)


def _journey_named(ws: Workspace, name: str, option: str = "--journey") -> Journey:
    """The journey (head) by name, or a clear error naming the workspace's journeys."""
    known = ws.journeys.names()
    if name not in known:
        raise BadInput(f"{option}: there is no journey {clip_echo(name)!r} in workspace '{ws.name}' "
                       f"(journeys: {some_of(known) or 'none yet'})")
    return ws.journeys.get(name)


def _stored_pain(ws: Workspace, key: str) -> StoredPainPoint:
    """The pain point's newest version, or a clear error naming the keys that exist."""
    stored: StoredPainPoint = stored_document(ws, ws.painpoints, key, "PP", "pain point",
                                              "write one up with `journeys painpoints create`")
    return stored


def _pain_row(score: Score, pain: PainPoint, changes: dict[str, str]) -> dict[str, Any]:
    return {"rank": score.rank, "key": score.key, "title": pain.title, "journey": pain.journey,
            "steps": list(pain.steps), "metric": score.metric, "status": pain.status.value, "owner": pain.owner,
            "score": number(score.score), "reach": number(score.reach), "impact": number(score.impact),
            "confidence": number(score.confidence), "effort": number(score.effort),
            "effort_estimated": score.effort_estimated, "tickets": score.tickets, "change": changes.get(score.key, "")}


@painpoints.command("list")
@click.option("--dataset", default=None, help=DATASET_HELP)
@click.option("--status", "statuses", multiple=True, help="Only pain points with this status (repeat for several): "
              "new, investigating, planned, 'in experiment', resolved, \"won't fix\".")
@click.option("--journey", "journey_name", default=None, help="Only this journey's pain points.")
@FORMAT_OPTION
@with_workspace
def painpoints_list(ws: Workspace, dataset: str | None, statuses: tuple[str, ...], journey_name: str | None,
                    fmt: str) -> None:
    """Pain points ranked by score (1 = do first). Filters keep the workspace-wide rank."""
    wanted = {status_of(s) for s in statuses}
    if journey_name is not None:
        _journey_named(ws, journey_name)
    ranking = _ranking(ws, dataset)
    rows = [_pain_row(s, ranking.pains[s.key].pain, ranking.changes) for s in ranking.scores
            if (not wanted or ranking.pains[s.key].pain.status in wanted)
            and (journey_name is None or ranking.pains[s.key].pain.journey == journey_name)]
    if fmt == "table":
        rows = [shown_row(r) for r in rows]
    emit(rows, fmt, PAIN_COLUMNS)
    if fmt == "table":
        click.echo(window_note(ranking), err=True)


@painpoints.command("show")
@click.argument("key")
@click.option("--dataset", default=None, help=DATASET_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="How to print it.")
@with_workspace
def painpoints_show(ws: Workspace, key: str, dataset: str | None, fmt: str) -> None:
    """One pain point: what, where, who, its frozen evidence, its score now, and its history."""
    stored = _stored_pain(ws, key)
    ranking = _ranking(ws, dataset)
    score = next(s for s in ranking.scores if s.key == stored.key)
    history = revisions(ws.painpoints.history(stored.key))
    if fmt == "json":
        echo_json({**stored_dict(stored), "score": score_dict(score, ranking), "history": history})
        return
    p = stored.pain
    effort = f"{p.effort:g} person-weeks" if p.effort is not None else "not estimated"
    click.echo(f"{stored.key}  {p.title}")
    click.echo(f"journey: {p.journey} · steps: {', '.join(p.steps) or '—'} · metric: {p.metric or 'friction'} · "
               f"source: {p.source.value}")
    click.echo(f"status: {p.status.value} · owner: {p.owner or '—'} · effort: {effort} · "
               f"tags: {', '.join(p.tags) or '—'}")
    click.echo(f"delivery: {p.delivery_link or '—'}")
    click.echo(f"version {stored.version}, saved by {stored.updated_by} at "
               f"{stored.updated_at.isoformat(timespec='seconds')}")
    if p.description:
        click.echo("")
        for paragraph in p.description.splitlines():
            click.echo(textwrap.fill(paragraph, width=100, initial_indent="  ", subsequent_indent="  ")
                       if paragraph.strip() else "")
    click.echo("")
    change = ranking.changes.get(stored.key, "")
    click.echo(f"Score {score.score:,.2f}: rank {score.rank} of {len(ranking.scores)}"
               + (f" ({change} since the last review)" if change else ""))
    click.echo(f"  {score_dict(score, ranking)['explain']}")
    click.echo(f"  {window_note(ranking)}")
    if score.metric and score.live:
        live = ", ".join(f"{step} {cell(number(v))}" for step, v in score.live.items())
        click.echo(f"  now: {score.metric} {live}; journey {cell(number(score.baseline))}")
    if p.evidence:
        first = p.evidence[0]
        click.echo("")
        click.echo(f"Evidence frozen when written up (dataset '{first.dataset}' version {first.dataset_version}, "
                   f"{first.start:%Y-%m-%d %H:%M} → {first.end:%Y-%m-%d %H:%M}):" if first.start and first.end
                   else "Evidence frozen when written up:")
        emit([{"step": e.step, "metric": e.metric, "value": number(e.value), "journey": number(e.baseline),
               "n": e.n} for e in p.evidence], "table", ["step", "metric", "value", "journey", "n"])
    if p.example_tickets:
        click.echo(f"\nExample tickets: {', '.join(p.example_tickets)}")
    if p.quotes:
        click.echo("\nQuotes:")
        for quote in p.quotes:
            click.echo(f"  “{cell(quote, MESSAGE_WIDTH)}”")
    click.echo("\nHistory:")
    emit(history, "table", REVISION_COLUMNS)


@painpoints.command("create")
@click.option("--journey", "journey_name", required=True, help="The journey the pain point is on.")
@click.option("--step", "steps", multiple=True, required=True, help="A step id (repeat for several).")
@click.option("--metric", default=None, help="The catalogue metric that shows the pain (default: judged by the "
              "friction score).")
@click.option("--title", default=None, help="Short title (default: '<step label>: <metric>').")
@click.option("--description", default=None, help="What happens and why it matters.")
@click.option("--owner", default="", help="Who owns it.")
@click.option("--effort", default=None, help="Estimated effort in person-weeks.")
@click.option("--status", default="new", show_default=True, help="new, investigating, planned, 'in experiment', "
              "resolved or \"won't fix\".")
@click.option("--link", default="", help="Delivery link (Jira, Linear or GitHub URL).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for several).")
@click.option("--quote", "quotes", multiple=True, help="A customer quote (repeat for several).")
@click.option("--source", type=click.Choice(["friction", "note", "manual"]), default=None,
              help="Where it came from (default: friction with evidence, manual without).")
@click.option("--dataset", default=None, help="Freeze evidence from this ticket dataset (default with --metric: "
              "the latest imported).")
@click.option("--from", "start", type=click.DateTime(), default=None, help="Evidence period's first day "
              "(inclusive; default: the scoring window, the last 90 days of data).")
@click.option("--to", "end", type=click.DateTime(), default=None, help="Evidence period's end (exclusive).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: print the new key; json: the stored pain point.")
@with_workspace
def painpoints_create(ws: Workspace, journey_name: str, steps: tuple[str, ...], metric: str | None,
                      title: str | None, description: str | None, owner: str, effort: str | None, status: str,
                      link: str, tags: tuple[str, ...], quotes: tuple[str, ...], source: str | None,
                      dataset: str | None, start: datetime | None, end: datetime | None, fmt: str) -> None:
    """Write up a pain point; with --metric (or --dataset) its evidence is frozen from the journey's tickets."""
    import difflib

    from journeys.metrics import METRICS
    from journeys.usecases.measure import slice_of
    from journeys.usecases.prioritise import evidence_period, write_up

    journey = _journey_named(ws, journey_name)
    ids = journey.step_ids()
    for step in steps:
        if step not in ids:
            near = difflib.get_close_matches(step, ids, n=1)
            raise BadInput(f"--step: '{journey_name}' has no step {clip_echo(step)!r}"
                           + (f"; did you mean {near[0]!r}?" if near else "")
                           + f" (its steps: {some_of(ids, quote='')})")
    steps = tuple(dict.fromkeys(steps))
    if metric is not None and metric not in METRICS:
        near = difflib.get_close_matches(metric, list(METRICS), n=1)
        raise BadInput(f"--metric: unknown metric {clip_echo(metric)!r}"
                       + (f"; did you mean {near[0]!r}?" if near else "") + f" (catalogue: {', '.join(METRICS)})")
    if metric == "contact_rate":
        raise BadInput("--metric: contact_rate needs how many customers reach the step, which tickets alone do not "
                       "tell; pick a ticket metric (e.g. volume or repeat_contact_rate)")
    if start is not None and end is not None and start >= end:
        raise BadInput("--from must be before --to (--to is exclusive)")
    given, estimate = effort_of(effort)
    wants_evidence = metric is not None or dataset is not None or start is not None or end is not None
    version = dataset_version(ws, dataset) if wants_evidence else None
    if wants_evidence and version is None and (dataset or start or end):
        raise BadInput("there is no ticket dataset to take evidence from; import one with `journeys tickets import`")
    fields: dict[str, Any] = {
        "owner": owner, "status": status_of(status).value, "delivery_link": link, "tags": list(tags),
        "quotes": list(quotes), **({"effort": estimate} if given else {}),
        **({"description": description} if description is not None else {}), **({"source": source} if source else {})}
    valid_pain({"title": title or "-", "journey": journey_name, "steps": list(steps), "metric": metric,
                "source": "manual", **fields})  # a bad option is named before any ticket is read
    if version is not None:
        start, end = evidence_period(ws, version, journey_name, start, end)
    done = write_up(ws, journey_name, list(steps), metric, dataset=version, title=title, author=ws.settings.author,
                    where=slice_of(start, end) if version is not None else None, freeze=version is not None,
                    **fields)
    assert done.key is not None  # stored: unless_better was not asked for
    if fmt == "json":
        echo_json(stored_dict(ws.painpoints.load(done.key)))
    else:
        click.echo(done.key)
    note = _evidence_note(done, journey_name) if version is not None else (
        "no ticket dataset yet, so no evidence was frozen" if metric is not None else "")
    click.echo(f"Wrote up {done.key} '{done.pain.title}'" + (f"; {note}" if note else "") + ".", err=True)


def _evidence_note(done: WrittenUp, journey_name: str) -> str:
    """What the frozen evidence rests on, and a hint when no ticket landed on the steps."""
    assert done.dataset is not None and done.start is not None and done.end is not None
    name = done.dataset.name
    note = (f"evidence frozen from dataset '{name}' version {done.dataset.version}, {done.start:%Y-%m-%d} → "
            f"{done.end:%Y-%m-%d}, {done.tickets:,} tickets on its steps")
    if done.tickets == 0:
        note += (" — no tickets landed on these steps in that period; check the mapping rules "
                 f"(`journeys tickets rules test '{journey_name}' --dataset '{name}'`)")
    return note


@painpoints.command("set")
@click.argument("key")
@click.option("--status", default=None, help="new, investigating, planned, 'in experiment', resolved or "
              "\"won't fix\".")
@click.option("--owner", default=None, help="Who owns it ('' clears).")
@click.option("--effort", default=None, help="Estimated effort in person-weeks ('none' clears).")
@click.option("--link", default=None, help="Delivery link: a Jira, Linear or GitHub URL ('' clears).")
@click.option("--title", default=None, help="A new title.")
@click.option("--message", "-m", default=None, help="Why (kept in the history; default: what changed).")
@click.option("--if-version", "if_version", type=int, default=None,
              help="Refuse the edit unless the pain point is still at this version (for scripts that read first).")
@with_workspace
def painpoints_set(ws: Workspace, key: str, status: str | None, owner: str | None, effort: str | None,
                   link: str | None, title: str | None, message: str | None, if_version: int | None) -> None:
    """Edit a pain point as a new version (someone else's newer save is never overwritten)."""
    stored = _stored_pain(ws, key)
    given, estimate = effort_of(effort)
    updates: dict[str, Any] = {}
    if status is not None:
        updates["status"] = status_of(status).value
    if owner is not None:
        updates["owner"] = owner.strip()
    if given:
        updates["effort"] = estimate
    if link is not None:
        updates["delivery_link"] = link.strip()
    if title is not None:
        updates["title"] = title.strip()
    if not updates:
        raise BadInput("nothing to change: give --status, --owner, --effort, --link or --title")
    before = stored.pain.model_dump(mode="json")
    pain = valid_pain({**before, **updates})
    after = pain.model_dump(mode="json")
    changed = [f"{PAIN_OPTIONS.get(k, k).lstrip('-')} {_said(before[k])} → {_said(after[k])}"
               for k in updates if before[k] != after[k]]
    if not changed:
        click.echo(f"{stored.key} already says that; nothing saved (version {stored.version}).", err=True)
        return
    version = ws.painpoints.save(stored.key, pain, ws.settings.author,
                                 expected_version=if_version if if_version is not None else stored.version,
                                 message=message or "; ".join(changed))
    click.echo(f"Saved {stored.key} version {version}: {'; '.join(changed)}.")


def _said(value: Any) -> str:
    return "—" if value in (None, "") else f"{value:g}" if isinstance(value, float) else str(value)


@painpoints.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "markdown"]), default="csv", show_default=True,
              help="csv: every pain point with its score components; markdown: a leadership update.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@click.option("--dataset", default=None, help=DATASET_HELP)
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="markdown: how many pain points to write up.")
@with_workspace
def painpoints_export(ws: Workspace, fmt: str, output: str | None, dataset: str | None, top: int) -> None:
    """The ranked list as CSV (formula-like cells neutralised) or a Markdown update for leadership."""
    from journeys.evidence import ranked_csv, ranked_frame, ranked_markdown

    ranking = _ranking(ws, dataset)
    if fmt == "csv":
        text = ranked_csv(ranked_frame(ranking.scores, ranking.pains, ranking.changes))
    else:
        text = ranked_markdown(ranking.scores, ranking.pains, workspace=ws.name, formula=ranking.weights.formula(),
                               changes=ranking.changes, top=top)
    write_text(text, output, f"{len(ranking.scores)} pain points, {fmt}")
