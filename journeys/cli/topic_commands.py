"""``journeys topics …``: discover a dataset's topics, read them, curate them, export who is in which.

``discover`` finds the topics of a dataset's latest version (curated names, pins and ids carry over)
and prints each with its volume, share and catalogue metrics; ``list`` and ``show`` read the current
topic set; ``rename``, ``merge``, ``split``, ``pin`` and ``assign`` each save its next version as the
local user (on top of the newest version, or of ``--if-version``: a stale copy is refused);
``export`` writes ticket_id, topic_id and topic_label as CSV (formula-like labels neutralised).

The top group (:mod:`journeys.cli.app`) loads this module only when ``journeys topics`` runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from journeys.cli.app import FORMAT_OPTION, BadInput, Group, dataset_version, with_workspace
from journeys.cli.printing import echo_json, emit, frame_rows

if TYPE_CHECKING:
    from journeys.topics.storage import StoredTopicSet
    from journeys.topics.topic_set import Topic
    from journeys.workspace import Workspace

DATASET_OPTION = click.option("--dataset", default=None, help="Ticket dataset (default: the latest imported).")
IF_VERSION_OPTION = click.option("--if-version", "if_version", type=click.IntRange(min=1), default=None,
                                 help="Save only if the topics are still at this version (default: the newest).")
LIST_COLUMNS = ["id", "label", "size", "share", "subtopics", "method", "pinned", "renamed", "new"]
FIGURE_COLUMNS = ["id", "label", "size", "share", "csat", "resolution_p50", "resolution_p90", "reopen_rate",
                  "escalation_rate", "trend", "pinned", "new"]
EXAMPLES = 5  # example tickets ``show`` prints


@click.group(cls=Group)
def topics() -> None:
    """Topics: what a dataset's tickets are about, found by meaning on this machine, and curated."""


def _dataset(ws: Workspace, name: str | None) -> str:
    """The dataset's name (--dataset, or the latest imported), or a clear error when there is none."""
    version = dataset_version(ws, name)
    if version is None:
        raise BadInput("there is no ticket data yet: import an export first (journeys tickets import FILE)")
    return version.name


def _topic_id(value: str) -> str:
    return value.strip().upper()


def _list_row(topic: Topic, tickets: int) -> dict[str, Any]:
    return {"id": topic.id, "label": topic.label, "size": topic.size,
            "share": round(topic.size / tickets, 6) if tickets else None, "subtopics": len(topic.subtopics),
            "method": topic.method, "pinned": topic.pinned, "renamed": topic.renamed, "new": topic.new}


def _header(stored: StoredTopicSet) -> dict[str, Any]:
    ts = stored.topics
    return {"dataset": stored.key, "version": stored.version, "dataset_version": ts.dataset_version,
            "tickets": ts.tickets, "unassigned": ts.unassigned}


def _print_set(stored: StoredTopicSet, rows: list[dict[str, Any]], fmt: str, columns: list[str],
               said: str | None = None) -> None:
    """Topic rows as a table or CSV (what happened, or the set's facts, on stderr), or one JSON object."""
    if fmt == "json":
        echo_json({**_header(stored), **({"message": said} if said else {}), "topics": rows})
        return
    emit(rows, fmt, columns)
    ts = stored.topics
    facts = (f"dataset '{stored.key}' v{ts.dataset_version}, topics version {stored.version}; "
             f"{ts.unassigned:,} of {ts.tickets:,} tickets in no topic")
    click.echo(f"{said} ({facts})." if said else f"{len(ts.topics)} topic(s) of {facts}.", err=True)


def _figure_rows(ws: Workspace, stored: StoredTopicSet) -> list[dict[str, Any]]:
    """Each topic's size, share and catalogue metrics (journeys.usecases.topic_figures)."""
    from journeys.usecases.topic_figures import topic_table

    frame = topic_table(ws, stored=stored).rename(columns={"topic": "id"})
    sizes = {t.id: t.size for t in stored.topics.topics}
    rows = frame_rows(frame.drop(columns=["tickets"]))
    return [{"id": r["id"], "label": r["label"], "size": sizes[r["id"]],
             **{k: v for k, v in r.items() if k not in ("id", "label")}} for r in rows]


@topics.command("discover")
@DATASET_OPTION
@click.option("--min-size", type=click.IntRange(min=1), default=None,
              help="Fewest tickets a topic has; smaller groups stay in no topic (default: 5).")
@FORMAT_OPTION
@with_workspace
def topics_discover(ws: Workspace, dataset: str | None, min_size: int | None, fmt: str) -> None:
    """Find the topics of the dataset's latest version and save them (curated ones carry over)."""
    from journeys.topics import clustering
    from journeys.usecases.topics import discover_topics

    name = _dataset(ws, dataset)
    shown: set[int] = set()

    def progress(what: str, share: float) -> None:
        if int(share * 10) not in shown:  # a line per tenth at most, on stderr
            shown.add(int(share * 10))
            click.echo(f"{share:4.0%} {what}", err=True)

    stored = discover_topics(ws, name, author=ws.settings.author, min_size=min_size or clustering.MIN_SIZE,
                             progress=progress)
    _print_set(stored, _figure_rows(ws, stored), fmt, FIGURE_COLUMNS)


@topics.command("list")
@DATASET_OPTION
@FORMAT_OPTION
@with_workspace
def topics_list(ws: Workspace, dataset: str | None, fmt: str) -> None:
    """The dataset's current topics: id, label, size, share, and what people did to them."""
    from journeys.usecases.topics import topics_of

    stored = topics_of(ws, _dataset(ws, dataset))
    rows = [_list_row(t, stored.topics.tickets) for t in stored.topics.topics]
    _print_set(stored, rows, fmt, LIST_COLUMNS)


@topics.command("show")
@click.argument("topic_id")
@DATASET_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="How to print it.")
@with_workspace
def topics_show(ws: Workspace, topic_id: str, dataset: str | None, fmt: str) -> None:
    """One topic: its words, subtopics, metrics and example tickets."""
    from journeys.topics.curation import known
    from journeys.usecases.topic_figures import topic_examples
    from journeys.usecases.topics import topics_of

    stored = topics_of(ws, _dataset(ws, dataset))
    topic = known(stored.topics, _topic_id(topic_id))
    figures = next(r for r in _figure_rows(ws, stored) if r["id"] == topic.id)
    examples = frame_rows(topic_examples(ws, None, topic.id, EXAMPLES, stored=stored))
    shown = {**_header(stored), **topic.model_dump(mode="json"), "figures": figures, "examples": examples}
    if fmt == "json":
        echo_json(shown)
        return
    click.echo(f"{topic.id}  {topic.label}")
    click.echo(f"{topic.size:,} tickets · words: {', '.join(topic.words)} · {topic.method}")
    emit([{"metric": k, "value": figures.get(k)} for k in FIGURE_COLUMNS[3:-2]], "table", ["metric", "value"])
    click.echo("")
    emit([{"subtopic": s.id, "label": s.label, "size": s.size} for s in topic.subtopics], "table",
         ["subtopic", "label", "size"])
    click.echo("")
    emit(examples, "table", [c for c in ("ticket_id", "created_at", "subject", "subtopic") if not examples
                             or c in examples[0]])


def _saved(ws: Workspace, stored: StoredTopicSet, ids: list[str], fmt: str) -> None:
    """After a curation: the changed topics on stdout, what happened (the revision's message) on stderr."""
    from journeys.topics.curation import known

    rows = [_list_row(known(stored.topics, i), stored.topics.tickets) for i in ids if i in stored.topics.ids()]
    said = next((r.message for r in ws.topics.history(stored.key) if r.version == stored.version), "Saved")
    _print_set(stored, rows, fmt, LIST_COLUMNS, said)


def _expected(ws: Workspace, name: str, if_version: int | None) -> int:
    from journeys.usecases.topics import topics_of

    return if_version if if_version is not None else topics_of(ws, name).version


@topics.command("rename")
@click.argument("topic_id")
@click.argument("label")
@DATASET_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@with_workspace
def topics_rename(ws: Workspace, topic_id: str, label: str, dataset: str | None, if_version: int | None,
                  fmt: str) -> None:
    """Give a topic a name of your own (kept when topics are discovered again)."""
    from journeys.usecases.topic_curation import rename_topic

    name = _dataset(ws, dataset)
    stored = rename_topic(ws, name, _topic_id(topic_id), label, author=ws.settings.author,
                          expected_version=_expected(ws, name, if_version))
    _saved(ws, stored, [_topic_id(topic_id)], fmt)


@topics.command("merge")
@click.argument("topic_ids", nargs=-1, required=True)
@DATASET_OPTION
@click.option("--label", default=None, help="Name of the merged topic (default: the first topic's).")
@IF_VERSION_OPTION
@FORMAT_OPTION
@with_workspace
def topics_merge(ws: Workspace, topic_ids: tuple[str, ...], dataset: str | None, label: str | None,
                 if_version: int | None, fmt: str) -> None:
    """Merge topics into the first one named (its id stays; the others' tickets move into it)."""
    from journeys.usecases.topic_curation import merge_topics

    name = _dataset(ws, dataset)
    ids = [_topic_id(t) for t in topic_ids]
    stored = merge_topics(ws, name, ids, author=ws.settings.author, label=label,
                          expected_version=_expected(ws, name, if_version))
    _saved(ws, stored, ids[:1], fmt)


@topics.command("split")
@click.argument("topic_id")
@DATASET_OPTION
@IF_VERSION_OPTION
@FORMAT_OPTION
@with_workspace
def topics_split(ws: Workspace, topic_id: str, dataset: str | None, if_version: int | None, fmt: str) -> None:
    """Make each subtopic of a topic a topic of its own (new ids)."""
    from journeys.usecases.topic_curation import split_topic

    name = _dataset(ws, dataset)
    before = set(_ids(ws, name))
    stored = split_topic(ws, name, _topic_id(topic_id), author=ws.settings.author,
                         expected_version=_expected(ws, name, if_version))
    _saved(ws, stored, [i for i in stored.topics.ids() if i not in before], fmt)


@topics.command("pin")
@click.argument("topic_id")
@DATASET_OPTION
@click.option("--off", is_flag=True, help="Unpin it.")
@IF_VERSION_OPTION
@FORMAT_OPTION
@with_workspace
def topics_pin(ws: Workspace, topic_id: str, dataset: str | None, off: bool, if_version: int | None,
               fmt: str) -> None:
    """Pin a topic: listed first, and kept when topics are discovered again."""
    from journeys.usecases.topic_curation import pin_topic

    name = _dataset(ws, dataset)
    stored = pin_topic(ws, name, _topic_id(topic_id), not off, author=ws.settings.author,
                       expected_version=_expected(ws, name, if_version))
    _saved(ws, stored, [_topic_id(topic_id)], fmt)


@topics.command("assign")
@DATASET_OPTION
@click.option("--ticket", "tickets", multiple=True, required=True, help="A ticket id (repeat for several).")
@click.option("--topic", "topic_id", default=None, help="The topic to put them in.")
@click.option("--none", "unassign", is_flag=True, help="Put them in no topic instead.")
@IF_VERSION_OPTION
@FORMAT_OPTION
@with_workspace
def topics_assign(ws: Workspace, dataset: str | None, tickets: tuple[str, ...], topic_id: str | None,
                  unassign: bool, if_version: int | None, fmt: str) -> None:
    """Move tickets into a topic (--topic T) or out of every topic (--none)."""
    from journeys.usecases.topic_curation import move_tickets

    if (topic_id is None) == (not unassign):
        raise BadInput("name the topic to move the tickets to (--topic T), or --none to put them in no topic")
    name = _dataset(ws, dataset)
    target = _topic_id(topic_id) if topic_id is not None else None
    stored = move_tickets(ws, name, list(tickets), target, author=ws.settings.author,
                          expected_version=_expected(ws, name, if_version))
    _saved(ws, stored, [target] if target else [], fmt)


@topics.command("export")
@DATASET_OPTION
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="How to write it.")
@with_workspace
def topics_export(ws: Workspace, dataset: str | None, fmt: str) -> None:
    """Every ticket's topic: ticket_id, topic_id, topic_label (empty for tickets in no topic)."""
    from journeys.csv_export import csv_text
    from journeys.usecases.topics import assignments, topics_of

    stored = topics_of(ws, _dataset(ws, dataset))
    frame = assignments(ws, stored)
    labels = stored.topics.labels()
    out = frame.assign(topic_id=frame["topic"], topic_label=frame["topic"].map(labels))[
        ["ticket_id", "topic_id", "topic_label"]]
    if fmt == "json":
        echo_json(frame_rows(out.astype(object).where(out.notna(), None)))
        return
    click.echo(csv_text(out), nl=False)


def _ids(ws: Workspace, name: str) -> list[str]:
    from journeys.usecases.topics import topics_of

    return topics_of(ws, name).topics.ids()
